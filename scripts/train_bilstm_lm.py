"""Train chapter 11's ELMo-like biLSTM language model (CPU, deterministic).

Vocabulary: the chapter's own word vocabulary (``helpers.text.make_vocab`` on the **training**
sentences, words seen at least twice, specials [PAD] [UNK] [SEP] [CLS] [MASK] first), words
split with Gensim's ``simple_preprocess``. Model: ``helpers.nn.language.BiLSTMLanguageModel``
(a 64-d embedding, a forward and a backward 2-layer LSTM of 64 units, a tied softmax), trained
to predict the next word (forward) and the previous word (backward).
Real ELMo reads characters and is much larger (4,096 LSTM units, 512-d projections), but the
layout of its outputs is the same: [embedding, layer 1, layer 2], forward and backward.

Usage (from the repository root; the committed run took 8 minutes on a heavily shared 2-core
CPU, about a minute per epoch when the machine was quieter):
    nice -n 10 python scripts/train_bilstm_lm.py
It prints the run time and the final loss and writes ``checkpoints/ch11_bilstm_lm/``.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import torch
from _ch11_common import corpus_splits, finish, log_epoch, setup, training_options


def encode(sentences, word2id):
    """Word ids of each sentence (unknown words -> [UNK] = 1); empty sentences are dropped."""
    from gensim.utils import simple_preprocess

    rows = [[word2id.get(w, 1) for w in simple_preprocess(s)] for s in sentences]
    return [r for r in rows if len(r) >= 2]


def main() -> None:
    parser = training_options(__doc__, "ch11_bilstm_lm", epochs=4, batch_size=32, lr=3e-3)
    args = parser.parse_args()
    start = setup(seed=42)

    from safetensors.torch import save_file

    from helpers.nn.language import BiLSTMLanguageModel
    from helpers.text import lm_batches, make_vocab, read_vocab

    out = Path(args.out)
    with tempfile.TemporaryDirectory() as tmp:
        _, splits = corpus_splits(tmp)
        train_sentences = list(splits["train"]["sentence"])
        test_sentences = list(splits["test"]["sentence"])
    vocab = read_vocab(make_vocab(train_sentences, out, min_freq=2))
    word2id = {w: i for i, w in enumerate(vocab)}
    train_ids, test_ids = encode(train_sentences, word2id), encode(test_sentences, word2id)
    print(f"vocabulary: {len(vocab)} tokens; {len(train_ids)} training sentences")

    model = BiLSTMLanguageModel(len(vocab), hidden_size=64, n_layers=2, dropout=0.2)
    n_params = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    @torch.no_grad()
    def test_loss() -> float:
        model.eval()
        losses = [model.loss(b) for b in lm_batches(test_ids, 64)]
        model.train()
        return torch.stack(losses).mean().item()

    history = []
    model.train()
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        losses = []
        for batch in lm_batches(train_ids, args.batch_size, seed=epoch):
            loss = model.loss(batch)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
        log_epoch(history, epoch + 1, t0, train_loss=sum(losses) / len(losses),
                  test_loss=test_loss())

    save_file({k: v.contiguous() for k, v in model.state_dict().items()
               if k != "decoder.weight"}, str(out / "model.safetensors"))
    finish(out, start, history, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
           vocab_size=len(vocab), hidden_size=64, n_layers=2, n_parameters=n_params)

if __name__ == "__main__":
    main()
