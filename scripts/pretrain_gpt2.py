"""Pre-train chapter 11's tiny GPT-2 on *The Wonderful Wizard of Oz* (CPU, deterministic).

Tokenizer: GPT-2's own byte-level BPE (from the rank file shipped by ``openai-whisper``), kept
to its first 4,095 tokens + ``<|endoftext|>`` (see ``helpers.text.gpt2_tokenizer``): token ids
are GPT-2's, and the embedding table is 12 times smaller than GPT-2's 50,257 rows.
Model: ``GPT2LMHeadModel`` with 2 layers, 4 heads, 128 dimensions, 256 positions (~0.9 M
parameters, stored in float16: ~1.8 MB).
Data: every sentence of *Oz*, a space in front of each, packed into blocks of 128 tokens; 5% of
the blocks are held out to watch over-fitting. *Alice* is left for the fine-tuning in the
notebook.

Usage (from the repository root; the committed run took 4 minutes on a shared 2-core CPU):
    nice -n 10 python scripts/pretrain_gpt2.py
It prints the run time and the final losses and writes ``checkpoints/ch11_tiny_gpt2/``.
"""
from __future__ import annotations

import math
import time

import torch
from _ch11_common import finish, log_epoch, setup, training_options

VOCAB_SIZE = 4096
BLOCK = 128


def main() -> None:
    parser = training_options(__doc__, "ch11_tiny_gpt2", epochs=8, batch_size=16, lr=3e-3)
    args = parser.parse_args()
    start = setup(seed=42)

    from transformers import GPT2Config, GPT2LMHeadModel

    from data_generation.nlp_corpus import find_texts, read_book, sentence_tokenize
    from helpers.text import group_texts, gpt2_tokenizer

    tokenizer = gpt2_tokenizer(VOCAB_SIZE)
    sentences = sentence_tokenize(read_book("oz", find_texts()))
    enc = tokenizer([" " + s for s in sentences])
    blocks = torch.tensor(group_texts({"input_ids": enc["input_ids"]}, BLOCK)["input_ids"])
    gen = torch.Generator().manual_seed(42)
    perm = torch.randperm(len(blocks), generator=gen)
    n_val = max(1, len(blocks) // 20)
    val_blocks, train_blocks = blocks[perm[:n_val]], blocks[perm[n_val:]]
    print(f"{len(sentences)} Oz sentences -> {len(train_blocks)} training and {n_val} "
          f"validation blocks of {BLOCK} tokens")

    config = GPT2Config(vocab_size=VOCAB_SIZE, n_positions=256, n_embd=128, n_layer=2,
                        n_head=4, bos_token_id=VOCAB_SIZE - 1, eos_token_id=VOCAB_SIZE - 1,
                        task_specific_params={"text-generation": {"do_sample": True,
                                                                  "max_length": 50}})
    model = GPT2LMHeadModel(config)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"GPT2LMHeadModel with {n_params:,} parameters")

    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps_per_epoch = math.ceil(len(train_blocks) / args.batch_size)
    total, warmup = args.epochs * steps_per_epoch, steps_per_epoch // 2

    def lr_factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total - warmup)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)

    @torch.no_grad()
    def val_loss() -> float:
        model.eval()
        losses = [model(input_ids=b, labels=b).loss for b in val_blocks.split(args.batch_size)]
        model.train()
        return torch.stack(losses).mean().item()

    history = []
    model.train()
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        order = torch.randperm(len(train_blocks), generator=gen)
        losses = []
        for i in range(0, len(order), args.batch_size):
            batch = train_blocks[order[i:i + args.batch_size]]
            loss = model(input_ids=batch, labels=batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            losses.append(loss.item())
        log_epoch(history, epoch + 1, t0, train_loss=sum(losses) / len(losses),
                  val_loss=val_loss())

    from pathlib import Path
    out = Path(args.out)
    model.to(torch.float16).save_pretrained(out)
    tokenizer.save_pretrained(out)
    finish(out, start, history, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
           n_parameters=n_params, train_blocks=len(train_blocks), val_blocks=n_val)

if __name__ == "__main__":
    main()
