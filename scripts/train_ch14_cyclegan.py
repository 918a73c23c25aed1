"""Pre-train chapter 14's CycleGAN-lite: plain garments (A) <-> striped garments (B), unpaired.

The 60,000 training indices are cut in two disjoint halves by ``unpaired_split`` (seed 13): A
takes plain images from the first half, B striped images (``make_striped``, seed 5) from the
second, so no garment appears in both domains. Generators ``ResnetGenerator(1, 8, 2)``,
discriminators ``PatchDiscriminator(1, 16)``; least-squares adversarial losses, cycle L1 with
lambda 10, identity L1 with 0.5 * lambda (a generator fed an image already in its target domain
should leave it alone: this keeps shapes and intensities); Adam 2e-4, betas (0.5, 0.999); batch 16;
1,200 steps. Writes checkpoints/ch14/cyclegan.safetensors (both generators) and cyclegan.json.

    python scripts/train_ch14_cyclegan.py [--lambda-cycle 10] [--lambda-identity 5] [--steps 1200]
"""
from __future__ import annotations

import argparse

# train_ch14_common first: it pins the CPU kernels before torch loads
from train_ch14_common import fashion_tensors, save_tensors, setup, write_log
import torch  # noqa: I001

from data_generation.stripes import make_striped, unpaired_split
from helpers.nn.generative import PatchDiscriminator, ResnetGenerator, cyclegan_step

WIDTH, BLOCKS, D_WIDTH, BATCH, LR = 8, 2, 16, 16, 2e-4


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lambda-cycle", type=float, default=10.0)
    parser.add_argument("--lambda-identity", type=float, default=5.0)
    parser.add_argument("--steps", type=int, default=1200)
    args = parser.parse_args()
    start = setup(42)
    images, _ = fashion_tensors(train=True)
    first, second = unpaired_split(len(images), seed=13)
    domain_a = images[first]
    domain_b = make_striped((images[second] + 1) / 2, seed=5) * 2 - 1
    g_ab, g_ba = ResnetGenerator(1, WIDTH, BLOCKS), ResnetGenerator(1, WIDTH, BLOCKS)
    d_a, d_b = PatchDiscriminator(1, D_WIDTH), PatchDiscriminator(1, D_WIDTH)
    g_opt = torch.optim.Adam([*g_ab.parameters(), *g_ba.parameters()], lr=LR, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam([*d_a.parameters(), *d_b.parameters()], lr=LR, betas=(0.5, 0.999))
    sampler = torch.Generator().manual_seed(13)
    history = []
    for step in range(1, args.steps + 1):
        pick_a = torch.randint(len(domain_a), (BATCH,), generator=sampler)
        pick_b = torch.randint(len(domain_b), (BATCH,), generator=sampler)
        parts = cyclegan_step(g_ab, g_ba, d_a, d_b, g_opt, d_opt, domain_a[pick_a],
                              domain_b[pick_b], lambda_cycle=args.lambda_cycle,
                              lambda_identity=args.lambda_identity)
        history.append(parts)
        if step % 100 == 0:
            means = {k: round(sum(h[k] for h in history[-100:]) / 100, 4) for k in parts}
            print(f"step {step}: {means}", flush=True)
    tensors = {f"g_ab.{k}": v for k, v in g_ab.state_dict().items()}
    tensors |= {f"g_ba.{k}": v for k, v in g_ba.state_dict().items()}
    # the default settings write the chapter's checkpoint; an ablation writes beside it
    suffix = "" if (args.lambda_cycle, args.lambda_identity) == (10, 5) else \
        f"_cycle{args.lambda_cycle:g}_identity{args.lambda_identity:g}"
    save_tensors(tensors, f"cyclegan{suffix}.safetensors")
    every = 50
    curves = {k: [round(sum(h[k] for h in history[i:i + every]) / every, 4)
                  for i in range(0, len(history), every)] for k in history[0]}
    with torch.no_grad():
        check = g_ab(domain_a[:64])
    summary = write_log(f"cyclegan{suffix}", start, width=WIDTH, blocks=BLOCKS, d_width=D_WIDTH,
                        batch=BATCH, lr=LR, steps=args.steps, lambda_cycle=args.lambda_cycle,
                        lambda_identity=args.lambda_identity,
                        curves_every=every, curves=curves,
                        mean_pixel_ab_first64=round(check.mean().item(), 4))
    print({k: v for k, v in summary.items() if k != "curves"})


if __name__ == "__main__":
    main()
