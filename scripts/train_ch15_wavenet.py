"""Pretrain chapter 15's conditional WaveNet on the synthetic notes (run once, commit the output).

    .venv/bin/python scripts/train_ch15_wavenet.py            # about 15-20 CPU minutes, one thread

The model is ``WaveNet(channels=32, skip_channels=32, layers=10, n_cond=8)``: the notebook's
live WaveNet, twice as wide, with a learned note embedding added inside every gate (global
conditioning), so that it can be asked for a given note. It trains with teacher forcing on random
windows of 1,024 mu-law codes from 256 one-second clips (``make_tones(256, seed=1)``), batch 4,
Adam 1e-3, 2,000 steps, the loss on every position of the window. Half of the windows start at
a clip's first sample, so the model often sees a note begin from nothing, which is how the
notebook asks it to sing (the generator starts from one code of silence, with zero padding
before it, exactly like a window at the start of a clip). Everything runs on one thread
with deterministic algorithms and fixed seeds, so the same command writes the same weights.

Writes ``checkpoints/ch15/wavenet_tones.pt`` (a state_dict, loaded with ``weights_only=True``) and
``checkpoints/ch15/wavenet_tones.json`` (the configuration, the loss every 250 steps, and a pitch
check: 8 notes x 2 draws of 0.25 s generated from silence at temperature 1.0).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import _seeding  # noqa: E402,F401  (pins the CPU kernels before torch loads)

import torch  # noqa: E402
import torchaudio.functional as AF  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from data_generation.tones import NOTES, estimate_pitch, make_tones, nearest_note  # noqa: E402
from helpers.files import atomic_path  # noqa: E402
from helpers.nn.autoregressive import WaveNet, train_wavenet  # noqa: E402

OUT = ROOT / "checkpoints" / "ch15"
CONFIG = dict(levels=256, channels=32, skip_channels=32, layers=10, stacks=1, n_cond=len(NOTES))
STEPS, LENGTH, BATCH, LR, SEED, ONSETS = 2000, 1024, 4, 1e-3, 0, 0.5


def main() -> None:
    start = time.perf_counter()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(SEED)
    waves, notes = make_tones(256, seed=1)
    val_waves, val_notes = make_tones(16, seed=2)
    codes = AF.mu_law_encoding(waves, 256)
    val_codes = AF.mu_law_encoding(val_waves, 256)[:, :LENGTH + 1]      # the onsets
    model = WaveNet(**CONFIG)
    log = train_wavenet(model, codes, notes, STEPS, length=LENGTH, loss_from=0,
                        batch_size=BATCH, lr=LR, seed=SEED, val=(val_codes, val_notes),
                        every=250, onset_share=ONSETS)
    model.eval()
    cond = torch.arange(len(NOTES)).repeat(2)
    generator = torch.Generator().manual_seed(SEED)
    drawn = model.generate_fast(2000, len(cond), cond=cond, temperature=1.0, generator=generator)
    clips = AF.mu_law_decoding(drawn, 256)
    pitches = [estimate_pitch(clip) for clip in clips]
    hits = sum(nearest_note(p) == int(c) for p, c in zip(pitches, cond))
    OUT.mkdir(parents=True, exist_ok=True)
    weights, report = OUT / "wavenet_tones.pt", OUT / "wavenet_tones.json"
    with atomic_path(weights) as tmp:               # never a half-written checkpoint
        torch.save(model.state_dict(), tmp)
    summary = {"config": CONFIG, "onset_share": ONSETS, "steps": STEPS, "window": LENGTH,
               "batch": BATCH, "lr": LR,
               "seed": SEED, "parameters": sum(p.numel() for p in model.parameters()),
               "log": [{"step": s, "train_nats": round(tr, 4), "val_nats": round(v, 4)}
                       for s, tr, v in log],
               "pitch_check": {"pitches_hz": [round(p, 1) for p in pitches],
                               "requested": cond.tolist(), "hits": hits, "of": len(cond)},
               "torch": torch.__version__, "seconds": round(time.perf_counter() - start)}
    report.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"final training loss {log[-1][1]:.4f} nats, validation {log[-1][2]:.4f}; "
          f"pitch hits {hits}/{len(cond)}; {summary['seconds']} s")


if __name__ == "__main__":
    # no options: the recipe is fixed so that the committed checkpoint can be reproduced; parsing
    # still gives --help and refuses stray arguments instead of silently starting a long run
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    main()
