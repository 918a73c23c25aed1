"""Pre-train chapter 14's DCGAN-style generator (width 16) on 6,400 Fashion-MNIST images.

15 epochs of 100 rounds (batch 64; one discriminator step, then one generator step), Adam 2e-4 with
betas (0.5, 0.999) for both players (the DCGAN paper's setting). After every epoch the generator
draws 16 images from fixed noise: the sample history (uint8, dcgan_history.safetensors) and the
per-epoch mean losses (dcgan.json) show how samples improve without keeping several models.
Writes checkpoints/ch14/dcgan_generator.safetensors and dcgan.json.

    python scripts/train_ch14_dcgan.py
"""
from __future__ import annotations

import argparse

# train_ch14_common first: it pins the CPU kernels before torch loads
from train_ch14_common import fashion_tensors, save_tensors, setup, write_log
import torch  # noqa: I001

from helpers.nn.generative import dc_discriminator, dc_generator, endless_batches, train_gan

SUBSET, EPOCHS, BATCH, NOISE, WIDTH, LR = 6_400, 15, 64, 64, 16, 2e-4


def to_uint8(images):
    return ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def main():
    start = setup(42)
    images, _ = fashion_tensors(train=True)
    images = images[torch.randperm(len(images), generator=torch.Generator().manual_seed(13))[:SUBSET]]
    rounds_per_epoch = SUBSET // BATCH
    generator, discriminator = dc_generator(NOISE, WIDTH), dc_discriminator(WIDTH)
    g_opt = torch.optim.Adam(generator.parameters(), lr=LR, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=LR, betas=(0.5, 0.999))
    fixed_noise = torch.randn(16, NOISE, generator=torch.Generator().manual_seed(0))
    sample_real = endless_batches(images, BATCH, seed=13)
    generator.eval()
    with torch.no_grad():
        history = [to_uint8(generator(fixed_noise))]
    generator.train()
    log = train_gan(generator, discriminator, g_opt, d_opt, sample_real,
                    lambda n: torch.randn(n, NOISE), EPOCHS * rounds_per_epoch,
                    snapshot_noise=fixed_noise, snapshot_every=rounds_per_epoch)
    history += [to_uint8(sample) for _, sample in log["snapshots"]]

    def epoch_means(values):
        return [round(sum(values[i:i + rounds_per_epoch]) / rounds_per_epoch, 4)
                for i in range(0, len(values), rounds_per_epoch)]

    generator.eval()
    with torch.no_grad():
        check = generator(torch.randn(64, NOISE, generator=torch.Generator().manual_seed(1)))
    save_tensors(generator.state_dict(), "dcgan_generator.safetensors")
    save_tensors({"history": torch.stack(history)}, "dcgan_history.safetensors")
    summary = write_log("dcgan", start, subset=SUBSET, epochs=EPOCHS, batch=BATCH, noise=NOISE, width=WIDTH,
                        lr=LR, rounds=EPOCHS * rounds_per_epoch,
                        **{key: epoch_means(log[key]) for key in ("loss_d", "loss_g", "d_real", "d_fake")},
                        mean_pixel_64_seed1=round(check.mean().item(), 4))
    print(summary)


if __name__ == "__main__":
    # no options: the recipe is fixed so that the committed checkpoint can be reproduced; parsing
    # still gives --help and refuses stray arguments instead of silently starting a long run
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    main()
