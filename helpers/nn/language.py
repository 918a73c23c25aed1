"""Chapter 11's models: the CBoW, Model II (a Transformer classifier), the ELMo-like biLSTM
language model and Model IV (a BERT classifier), plus the loader of the biLSTM checkpoint.

Model II is built from the attention and encoder of :mod:`helpers.nn.transformer`, the same
blocks as chapters 9 and 10: this module only adds what a sentence classifier needs around an
encoder (a ``[CLS]`` token, a padding mask, an output layer). Text handling (vocabularies,
tokenizers, GloVe) lives in :mod:`helpers.text`.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.checks import check_int
from helpers.text import CHECKPOINTS, read_vocab

__all__ = ["CBOW", "TransfClassifier", "BiLSTMLanguageModel", "load_bilstm_lm",
           "BERTClassifier"]


class CBOW(nn.Module):
    """Continuous bag of words: guess a word from the average of its context's vectors."""

    def __init__(self, vocab_size: int, embedding_size: int):
        super().__init__()
        self.vocab_size = check_int("vocab_size", vocab_size, minimum=2)
        self.embedding_size = check_int("embedding_size", embedding_size)
        # the table comes first and the output layer second: with seed 42 this draws the
        # numbers that chapter 11 prints
        self.embedding = nn.Embedding(self.vocab_size, self.embedding_size)
        self.linear = nn.Linear(self.embedding_size, self.vocab_size)

    def context_vector(self, context_ids: torch.Tensor) -> torch.Tensor:
        """(N, C) ids of the context words -> (N, E), the mean of their embeddings."""
        return self.embedding(context_ids).mean(dim=1)

    def forward(self, context_ids: torch.Tensor) -> torch.Tensor:
        """(N, C) ids -> (N, vocab_size) logits, one per candidate for the missing word."""
        return self.linear(self.context_vector(context_ids))


class TransfClassifier(nn.Module):
    """Model II: (frozen) embeddings, a learnable ``[CLS]`` token, an encoder, a linear head.

    ``encoder`` is any module called as ``encoder(x, mask)`` with a ``d_model`` attribute, such as
    the encoder stack of :mod:`helpers.nn.transformer`. ``forward(X)`` takes token ids (N, L),
    0 = padding, and returns logits (N, n_outputs) read from the encoder's ``[CLS]`` position.
    The mask is built inside the model because the trainer hands it a single tensor.
    """

    def __init__(self, embedding_layer: nn.Embedding, encoder: nn.Module, n_outputs: int = 1):
        super().__init__()
        if not isinstance(embedding_layer, nn.Embedding):
            raise TypeError("embedding_layer must be an nn.Embedding, got "
                            f"{type(embedding_layer).__name__}.")
        self.d_model = getattr(encoder, "d_model", None)
        if embedding_layer.embedding_dim != self.d_model:
            raise ValueError(f"The embeddings have {embedding_layer.embedding_dim} dimensions "
                             f"but the encoder's d_model is {self.d_model}; make them equal.")
        self.embed = embedding_layer
        self.encoder = encoder
        # [CLS] starts as a zero vector: only its position encoding tells it apart at first
        self.cls_token = nn.Parameter(torch.zeros(1, 1, self.d_model))
        self.mlp = nn.Linear(self.d_model, check_int("n_outputs", n_outputs))

    @staticmethod
    def source_mask(X: torch.Tensor) -> torch.Tensor:
        """(N, 1, 1 + L), True = visible: ``[CLS]`` and every token that is not padding."""
        cls_visible = torch.ones(X.shape[0], 1, dtype=torch.bool, device=X.device)
        return torch.cat([cls_visible, X > 0], dim=1).unsqueeze(1)

    def preprocess(self, X: torch.Tensor) -> torch.Tensor:
        """Token ids (N, L) -> embeddings with ``[CLS]`` in front, (N, 1 + L, D)."""
        cls = self.cls_token.expand(X.shape[0], -1, -1)
        return torch.cat([cls, self.embed(X)], dim=1)

    def encode(self, source: torch.Tensor, source_mask: torch.Tensor | None = None):
        """The encoder's output at the ``[CLS]`` position, (N, D)."""
        return self.encoder(source, source_mask)[:, 0]

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.encode(self.preprocess(X), self.source_mask(X)))


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
        self.vocab_size = check_int("vocab_size", vocab_size, minimum=2)
        self.hidden_size = check_int("hidden_size", hidden_size)
        self.n_layers = check_int("n_layers", n_layers)
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


def load_bilstm_lm(folder: str | os.PathLike | None = None):
    """Load the ELMo-like model saved by ``scripts/train_bilstm_lm.py``: ``(model, vocab)``.

    The file stores the embedding once; the output layer shares it (tied weights), so its key
    is filled in from the embedding before loading.
    """
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


class BERTClassifier(nn.Module):
    """Model IV: a (HF) BERT-like model and a small MLP on its last ``[CLS]`` state.

    ``forward(input_ids)`` builds the attention mask itself (ids > 0, so ``[PAD]`` must be id 0),
    because the ``StepByStep`` trainer hands the model a single tensor. The hidden size is read
    from ``config.dim`` (DistilBERT) or ``config.hidden_size`` (BERT).
    """

    def __init__(self, bert_model, ff_units: int = 128, n_outputs: int = 1,
                 dropout: float = 0.3):
        super().__init__()
        self.bert = bert_model
        config = bert_model.config
        self.d_model = getattr(config, "dim", None) or config.hidden_size
        # the head reads the [CLS] state: d_model -> ff_units (ReLU, dropout) -> n_outputs
        hidden = nn.Linear(self.d_model, check_int("ff_units", ff_units))
        out = nn.Linear(ff_units, check_int("n_outputs", n_outputs))
        self.mlp = nn.Sequential(hidden, nn.ReLU(), nn.Dropout(dropout), out)

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None):
        """The last layer's state of the first token (``[CLS]``), (N, d_model)."""
        if attention_mask is None:
            attention_mask = (input_ids > 0).long()
        states = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return states[:, 0]

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.encode(input_ids))
