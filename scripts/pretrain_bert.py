"""Pre-train chapter 11's tiny BERT with BERT's two tasks, MLM and NSP (CPU, deterministic).

Tokenizer: a lower-cased WordPiece vocabulary of about 4,000 tokens learned with HF
``tokenizers`` on the **training** sentences of both novels (special tokens [PAD] [UNK] [SEP]
[CLS] [MASK] = ids 0-4). The trainer breaks ties between equally frequent merges in an arbitrary
order, so the script reuses the committed ``vocab.txt`` when there is one (``--new-vocab`` learns
a fresh vocabulary); everything else is deterministic.
Model: ``BertForPreTraining`` with 2 layers, 2 heads, 128 dimensions, 512 feed-forward units and
128 positions (~1 M parameters).
Data: pairs of sentences in reading order, both from the training split (the test sentences
are never seen): half the time B is the sentence that follows A (IsNext), otherwise a random
training sentence of either book (NotNext); the pairs are redrawn every epoch. 15% of the
tokens are chosen for masked-language modelling (80% [MASK], 10% a random token, 10% unchanged)
by ``DataCollatorForLanguageModeling``. The MLM loss is computed on the chosen positions only.

Usage (from the repository root; the committed run took 9 minutes on a shared 2-core CPU):
    nice -n 10 python scripts/pretrain_bert.py
It prints the run time and the final losses and writes ``checkpoints/ch11_tiny_bert/``.
"""
from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from _ch11_common import corpus_splits, finish, log_epoch, setup, training_options


def main() -> None:
    parser = training_options(__doc__, "ch11_tiny_bert", epochs=24, batch_size=16, lr=1e-3)
    parser.add_argument("--new-vocab", action="store_true",
                        help="learn a new WordPiece vocabulary even if OUT/vocab.txt exists")
    args = parser.parse_args()
    start = setup(seed=42)

    from transformers import (BertConfig, BertForPreTraining, BertTokenizerFast,
                              DataCollatorForLanguageModeling)

    from helpers.text import make_nsp_pairs, train_wordpiece

    with tempfile.TemporaryDirectory() as tmp:
        dataset, splits = corpus_splits(tmp)
        train_rows = set(splits["train"]["row"])
        out = Path(args.out)
        if (out / "vocab.txt").is_file() and not args.new_vocab:
            # HF's WordPiece trainer breaks ties between equally good merges in an arbitrary
            # order, so two trainings can give slightly different vocabularies: reuse ours
            tokenizer = BertTokenizerFast(str(out / "vocab.txt"), do_lower_case=True)
            tokenizer.save_pretrained(str(out))
        else:
            tokenizer = train_wordpiece(splits["train"]["sentence"], out, vocab_size=4000)
        books = [[(r["sentence"], r["row"] in train_rows) for r in dataset if r["source"] == s]
                 for s in ("alice.txt", "oz.txt")]
    print(f"WordPiece vocabulary: {len(tokenizer)} tokens; {len(train_rows)} training sentences")

    config = BertConfig(vocab_size=len(tokenizer), hidden_size=128, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=512,
                        max_position_embeddings=128, type_vocab_size=2,
                        pad_token_id=tokenizer.pad_token_id)
    model = BertForPreTraining(config)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"BertForPreTraining with {n_params:,} parameters")
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=41)

    # NotNext sentences are drawn from the training sentences of both books, as BERT draws them
    # from its whole corpus; IsNext pairs never cross from one book to the other
    pool = [s for book in books for s, k in book if k]

    def epoch_pairs(epoch: int):
        pairs = []
        for b, book in enumerate(books):
            pairs += make_nsp_pairs([s for s, _ in book], [k for _, k in book],
                                    seed=1000 * epoch + b, pool=pool)
        return pairs

    n_pairs = len(epoch_pairs(0))
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps_per_epoch = math.ceil(n_pairs / args.batch_size)
    total, warmup = args.epochs * steps_per_epoch, steps_per_epoch

    def lr_factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    gen = torch.Generator().manual_seed(42)
    history = []
    model.train()
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        pairs = epoch_pairs(epoch)
        order = torch.randperm(len(pairs), generator=gen).tolist()
        sums = {"mlm": 0.0, "nsp": 0.0, "nsp_acc": 0.0, "n": 0}
        for i in range(0, len(order), args.batch_size):
            chunk = [pairs[j] for j in order[i:i + args.batch_size]]
            enc = tokenizer([a for a, _, _ in chunk], [b for _, b, _ in chunk],
                            truncation=True, max_length=128)
            features = [{k: enc[k][n] for k in enc} for n in range(len(chunk))]
            batch = collator(features)
            nsp_labels = torch.tensor([label for _, _, label in chunk])
            states = model.bert(input_ids=batch["input_ids"],
                             attention_mask=batch["attention_mask"],
                             token_type_ids=batch["token_type_ids"])
            chosen = batch["labels"] != -100
            mlm_logits = model.cls.predictions(states.last_hidden_state[chosen])
            nsp_logits = model.cls.seq_relationship(states.pooler_output)
            mlm_loss = F.cross_entropy(mlm_logits, batch["labels"][chosen])
            nsp_loss = F.cross_entropy(nsp_logits, nsp_labels)
            (mlm_loss + nsp_loss).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            sums["mlm"] += mlm_loss.item()
            sums["nsp"] += nsp_loss.item()
            sums["nsp_acc"] += (nsp_logits.argmax(1) == nsp_labels).float().mean().item()
            sums["n"] += 1
        log_epoch(history, epoch + 1, t0, mlm_loss=sums["mlm"] / sums["n"],
                  nsp_loss=sums["nsp"] / sums["n"], nsp_accuracy=sums["nsp_acc"] / sums["n"])

    model.save_pretrained(out)
    finish(out, start, history, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
           n_parameters=n_params, n_pairs=n_pairs)

if __name__ == "__main__":
    main()
