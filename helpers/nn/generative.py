"""Chapter 14's models: autoencoders, GANs (dense, convolutional, 2-D toys) and a CycleGAN pair.

* Autoencoders return a pair ``(reconstruction, code)``; :class:`FirstOutput` lets any loss
  (and so ``StepByStep``) score the first element only.
* GAN players produce and judge **logits**: :func:`discriminator_step` and :func:`generator_step`
  are the game's two binary cross-entropy problems, :func:`train_gan` alternates them and logs.
* :class:`ResnetGenerator` and :class:`PatchDiscriminator` are a small CycleGAN pair for 1-channel
  28x28 images, trained by :func:`cyclegan_step`.
* :class:`FashionJudge` is the in-repo classifier that scores generated and translated garments:
  which item it is, and whether it is striped.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from helpers.checks import check_int, check_non_negative

__all__ = ["AutoEncoder", "FirstOutput", "dense_autoencoder", "conv_autoencoder",
           "reconstruction_errors", "mlp_generator", "mlp_discriminator", "ring_generator",
           "ring_discriminator", "dc_generator", "dc_discriminator", "discriminator_step",
           "generator_step", "endless_batches", "train_gan", "InstanceNormResidualBlock",
           "ResnetGenerator", "PatchDiscriminator", "cyclegan_step", "FashionJudge"]

IMAGE = (1, 28, 28)


# --------------------------------------------------------------------------- autoencoders
class AutoEncoder(nn.Module):
    """An ``encoder`` squeezes the input into a code; a ``decoder`` rebuilds the input from it.

    ``forward`` returns ``(reconstruction, code)``; the decoder can also run alone on any code.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module):
        super().__init__()
        if not isinstance(encoder, nn.Module) or not isinstance(decoder, nn.Module):
            raise TypeError("encoder and decoder must both be torch.nn.Module instances.")
        self.encoder, self.decoder = encoder, decoder

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        code = self.encoder(x)
        return self.decoder(code), code


class FirstOutput(nn.Module):
    """Wrap a loss so that it scores only element ``index`` of a model's tuple output."""

    def __init__(self, loss_fn: Callable, index: int = 0):
        super().__init__()
        if not callable(loss_fn) or isinstance(loss_fn, type):
            raise TypeError("loss_fn must be a loss object such as nn.MSELoss() (with parentheses).")
        self.loss_fn, self.index = loss_fn, check_int("index", index, minimum=0)

    def forward(self, output, target: torch.Tensor) -> torch.Tensor:
        if not isinstance(output, (tuple, list)):
            raise TypeError("FirstOutput expects a model that returns a tuple, such as "
                            f"(reconstruction, code); got a {type(output).__name__}.")
        return self.loss_fn(output[self.index], target)


def dense_autoencoder(code_size: int = 28, hidden: int = 256) -> AutoEncoder:
    """784 -> hidden -> code (tanh) and back; the tanh output matches images scaled to [-1, 1]."""
    code_size, hidden = check_int("code_size", code_size), check_int("hidden", hidden)
    pixels = IMAGE[1] * IMAGE[2]
    encoder = nn.Sequential(nn.Flatten(), nn.Linear(pixels, hidden), nn.ReLU(),
                            nn.Linear(hidden, code_size), nn.Tanh())
    decoder = nn.Sequential(nn.Linear(code_size, hidden), nn.ReLU(),
                            nn.Linear(hidden, pixels), nn.Tanh(), nn.Unflatten(1, IMAGE))
    return AutoEncoder(encoder, decoder)


def conv_autoencoder(code_size: int = 28) -> AutoEncoder:
    """Strided convolutions down (28 -> 14 -> 7), transposed convolutions back up (7 -> 14 -> 28)."""
    code_size = check_int("code_size", code_size)
    encoder = nn.Sequential(
        nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),           # 28 -> 14
        nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),          # 14 -> 7
        nn.Flatten(), nn.Linear(32 * 7 * 7, code_size), nn.Tanh())
    decoder = nn.Sequential(
        nn.Linear(code_size, 32 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (32, 7, 7)),
        # (7 - 1) * 2 - 2 * 1 + 3 + 1 = 14, then 28
        nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1), nn.Tanh())
    return AutoEncoder(encoder, decoder)


@torch.no_grad()
def reconstruction_errors(model: nn.Module, images: torch.Tensor, batch_size: int = 500,
                          inputs: torch.Tensor | None = None) -> torch.Tensor:
    """Per-image mean squared error between ``images`` and the model's reconstruction of them.

    ``inputs`` (default: ``images``) is what the model is fed, e.g. noisy copies for a denoiser.
    """
    batch_size = check_int("batch_size", batch_size)
    inputs = images if inputs is None else inputs
    if inputs.shape != images.shape:
        raise ValueError(f"inputs {tuple(inputs.shape)} and images {tuple(images.shape)} differ.")
    was_training = model.training
    model.eval()
    errors = []
    for start in range(0, len(images), batch_size):
        rebuilt, _ = model(inputs[start:start + batch_size])
        target = images[start:start + batch_size]
        errors.append(((rebuilt - target) ** 2).flatten(1).mean(1))
    model.train(was_training)
    return torch.cat(errors)


# --------------------------------------------------------------------------- GAN players
def mlp_generator(noise_size: int = 64, hidden: tuple[int, ...] = (256, 512)) -> nn.Sequential:
    """Noise -> hidden layers (LeakyReLU 0.2) -> 784 pixels (tanh) -> a (1, 28, 28) image."""
    noise_size = check_int("noise_size", noise_size)
    layers, width = [], noise_size
    for size in hidden:
        layers += [nn.Linear(width, size), nn.LeakyReLU(0.2)]
        width = size
    layers += [nn.Linear(width, IMAGE[1] * IMAGE[2]), nn.Tanh(), nn.Unflatten(1, IMAGE)]
    return nn.Sequential(*layers)


def mlp_discriminator(hidden: tuple[int, ...] = (512, 256), dropout: float = 0.3) -> nn.Sequential:
    """Image -> hidden layers (LeakyReLU 0.2, dropout) -> one logit (real if positive)."""
    layers, width = [nn.Flatten()], IMAGE[1] * IMAGE[2]
    for size in hidden:
        layers += [nn.Linear(width, size), nn.LeakyReLU(0.2), nn.Dropout(dropout)]
        width = size
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


def ring_generator(noise_size: int = 2, hidden: int = 128) -> nn.Sequential:
    """A small ReLU network from 2-D noise to points in the plane."""
    noise_size, hidden = check_int("noise_size", noise_size), check_int("hidden", hidden)
    return nn.Sequential(nn.Linear(noise_size, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                         nn.ReLU(), nn.Linear(hidden, 2))


def ring_discriminator(hidden: int = 128) -> nn.Sequential:
    """A small ReLU network from a point in the plane to one logit."""
    hidden = check_int("hidden", hidden)
    return nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, 1))


def dc_generator(noise_size: int = 64, width: int = 32) -> nn.Sequential:
    """DCGAN-style: a linear layer to a 7x7 map, then two transposed convolutions (7 -> 14 -> 28)."""
    noise_size, width = check_int("noise_size", noise_size), check_int("width", width)
    wide = 2 * width
    return nn.Sequential(
        nn.Linear(noise_size, wide * 7 * 7, bias=False), nn.BatchNorm1d(wide * 7 * 7), nn.ReLU(),
        nn.Unflatten(1, (wide, 7, 7)),
        nn.ConvTranspose2d(wide, width, 4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(width), nn.ReLU(),
        nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1), nn.Tanh())


def dc_discriminator(width: int = 32) -> nn.Sequential:
    """DCGAN-style: two strided convolutions (28 -> 14 -> 7), LeakyReLU, then one logit."""
    width = check_int("width", width)
    return nn.Sequential(
        nn.Conv2d(1, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(2 * width * 7 * 7, 1))


# --------------------------------------------------------------------------- the game
def discriminator_step(discriminator: nn.Module, d_opt: torch.optim.Optimizer,
                       real: torch.Tensor, fake: torch.Tensor) -> dict:
    """Teach D to say 1 for ``real`` and 0 for ``fake`` (detached here: G is not updated)."""
    real_logits = discriminator(real)
    fake_logits = discriminator(fake.detach())
    loss_real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    loss_fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    loss = loss_real + loss_fake
    d_opt.zero_grad()
    loss.backward()
    d_opt.step()
    return {"loss_d": loss.item(), "d_real": torch.sigmoid(real_logits).mean().item(),
            "d_fake": torch.sigmoid(fake_logits).mean().item()}


def generator_step(discriminator: nn.Module, g_opt: torch.optim.Optimizer,
                   fake: torch.Tensor) -> dict:
    """Teach G to make D say 1 for its samples (the flipped target); only G's optimizer steps."""
    logits = discriminator(fake)
    loss = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
    g_opt.zero_grad()
    loss.backward()
    g_opt.step()
    return {"loss_g": loss.item()}


def endless_batches(images: torch.Tensor, batch_size: int, seed: int) -> Callable[[], torch.Tensor]:
    """A function that returns the next shuffled mini-batch of ``images`` each time it is called.

    Every pass over the data uses a fresh permutation from a generator seeded with ``seed``; the
    last, incomplete batch of a pass is dropped so every batch has ``batch_size`` images.
    """
    batch_size = check_int("batch_size", batch_size)
    if batch_size > len(images):
        raise ValueError(f"batch_size {batch_size} is larger than the {len(images)} images.")
    shuffler = torch.Generator().manual_seed(seed)
    queue: list[torch.Tensor] = []

    def next_batch() -> torch.Tensor:
        if not queue:
            order = torch.randperm(len(images), generator=shuffler)
            queue.extend(reversed(order[: len(images) // batch_size * batch_size].split(batch_size)))
        return images[queue.pop()]

    return next_batch


def train_gan(generator: nn.Module, discriminator: nn.Module, g_opt: torch.optim.Optimizer,
              d_opt: torch.optim.Optimizer, sample_real: Callable[[], torch.Tensor],
              sample_noise: Callable[[int], torch.Tensor], n_rounds: int, g_steps: int = 1,
              snapshot_noise: torch.Tensor | None = None, snapshot_every: int = 0,
              progress: bool = True) -> dict:
    """Play ``n_rounds`` rounds: one D step on a real batch, then ``g_steps`` G steps.

    ``sample_real()`` returns a fresh real batch; ``sample_noise(n)`` returns n noise vectors.
    Returns per-round lists ``loss_d``, ``d_real``, ``d_fake``, ``loss_g`` (the mean over the
    round's G steps) and, if ``snapshot_every`` > 0, ``snapshots``: a list of (round,
    generator(snapshot_noise)) taken in eval mode after every ``snapshot_every`` rounds.
    """
    n_rounds, g_steps = check_int("n_rounds", n_rounds), check_int("g_steps", g_steps)
    snapshot_every = check_int("snapshot_every", snapshot_every, minimum=0)
    if snapshot_every and snapshot_noise is None:
        raise ValueError("snapshot_every > 0 needs snapshot_noise, the fixed noise to draw from.")
    log = {"loss_d": [], "d_real": [], "d_fake": [], "loss_g": [], "snapshots": []}
    for round_ in tqdm(range(1, n_rounds + 1), desc="GAN rounds", disable=not progress):
        real = sample_real()
        with torch.no_grad():
            fake = generator(sample_noise(len(real)))
        for key, value in discriminator_step(discriminator, d_opt, real, fake).items():
            log[key].append(value)
        g_losses = [generator_step(discriminator, g_opt, generator(sample_noise(len(real))))["loss_g"]
                    for _ in range(g_steps)]
        log["loss_g"].append(sum(g_losses) / g_steps)
        if snapshot_every and round_ % snapshot_every == 0:
            generator.eval()
            with torch.no_grad():
                log["snapshots"].append((round_, generator(snapshot_noise)))
            generator.train()
    return log


# --------------------------------------------------------------------------- CycleGAN pair
class InstanceNormResidualBlock(nn.Module):
    """CycleGAN's residual block: two reflection-padded 3x3 convolutions with instance norm; the
    input is added back (chapter 7's batch-norm ResidualBlock lives in helpers.nn.vision)."""

    def __init__(self, channels: int):
        super().__init__()
        channels = check_int("channels", channels)
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels),
            nn.ReLU(), nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3),
            nn.InstanceNorm2d(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResnetGenerator(nn.Module):
    """CycleGAN's image-to-image generator: 7x7 stem, two stride-2 downsamplings, residual
    blocks, two transposed-convolution upsamplings, 7x7 head with tanh (output in [-1, 1])."""

    def __init__(self, channels: int = 1, width: int = 16, n_blocks: int = 3):
        super().__init__()
        channels, width = check_int("channels", channels), check_int("width", width)
        n_blocks = check_int("n_blocks", n_blocks, minimum=0)

        def norm_relu(size):
            return [nn.InstanceNorm2d(size), nn.ReLU()]

        layers = [nn.ReflectionPad2d(3), nn.Conv2d(channels, width, 7), *norm_relu(width)]
        for factor in (1, 2):                                   # 28 -> 14 -> 7 for Fashion-MNIST
            layers += [nn.Conv2d(width * factor, width * factor * 2, 3, stride=2, padding=1),
                       *norm_relu(width * factor * 2)]
        layers += [InstanceNormResidualBlock(width * 4) for _ in range(n_blocks)]
        for factor in (4, 2):                                   # 7 -> 14 -> 28
            layers += [nn.ConvTranspose2d(width * factor, width * factor // 2, 3, stride=2,
                                          padding=1, output_padding=1),
                       *norm_relu(width * factor // 2)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(width, channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class PatchDiscriminator(nn.Module):
    """A PatchGAN-style judge: a 7x7 grid of logits, one per overlapping patch of a 28x28 image."""

    def __init__(self, channels: int = 1, width: int = 32):
        super().__init__()
        channels, width = check_int("channels", channels), check_int("width", width)
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1), nn.InstanceNorm2d(2 * width),
            nn.LeakyReLU(0.2), nn.Conv2d(2 * width, 1, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def cyclegan_step(g_ab: nn.Module, g_ba: nn.Module, d_a: nn.Module, d_b: nn.Module,
                  g_opt: torch.optim.Optimizer, d_opt: torch.optim.Optimizer,
                  real_a: torch.Tensor, real_b: torch.Tensor, lambda_cycle: float = 10.0,
                  lambda_identity: float = 0.0) -> dict:
    """One update of both generators, then of both discriminators (least-squares GAN losses).

    Generators: fool the other domain's judge, and come back (A -> B -> A, B -> A -> B) to the
    start with a small L1 error (weight ``lambda_cycle``); optionally leave images already in the
    target domain alone (identity L1, weight ``lambda_identity``). ``g_opt`` holds both
    generators' parameters, ``d_opt`` both discriminators'. Returns the loss parts as floats.
    """
    lambda_cycle = check_non_negative("lambda_cycle", lambda_cycle)
    lambda_identity = check_non_negative("lambda_identity", lambda_identity)
    fake_b, fake_a = g_ab(real_a), g_ba(real_b)
    verdict_b, verdict_a = d_b(fake_b), d_a(fake_a)
    adversarial = (F.mse_loss(verdict_b, torch.ones_like(verdict_b))
                   + F.mse_loss(verdict_a, torch.ones_like(verdict_a)))
    cycle = F.l1_loss(g_ba(fake_b), real_a) + F.l1_loss(g_ab(fake_a), real_b)
    loss_g = adversarial + lambda_cycle * cycle
    identity = torch.zeros(())
    if lambda_identity > 0:
        identity = F.l1_loss(g_ab(real_b), real_b) + F.l1_loss(g_ba(real_a), real_a)
        loss_g = loss_g + lambda_identity * identity
    g_opt.zero_grad()
    loss_g.backward()
    g_opt.step()

    loss_d = 0.0
    for judge, real, fake in ((d_a, real_a, fake_a), (d_b, real_b, fake_b)):
        on_real, on_fake = judge(real), judge(fake.detach())
        loss_d = loss_d + 0.5 * (F.mse_loss(on_real, torch.ones_like(on_real))
                                 + F.mse_loss(on_fake, torch.zeros_like(on_fake)))
    d_opt.zero_grad()
    loss_d.backward()
    d_opt.step()
    return {"adversarial": adversarial.item(), "cycle": cycle.item(),
            "identity": identity.item(), "loss_d": loss_d.item()}


# --------------------------------------------------------------------------- the judge
class FashionJudge(nn.Module):
    """A small CNN with two heads: which of the 10 items (logits), and striped or not (a logit).

    ``forward`` returns ``(item_logits, stripe_logit)``; ``features`` gives the 64-d vector both
    heads read. Trained on plain and striped garments, so its item head works in both domains.
    """

    def __init__(self, n_classes: int = 10, width: int = 16, n_features: int = 64):
        super().__init__()
        n_classes, width = check_int("n_classes", n_classes), check_int("width", width)
        n_features = check_int("n_features", n_features)
        self.body = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(2 * width * 7 * 7, n_features), nn.ReLU())
        self.item_head = nn.Linear(n_features, n_classes)
        self.stripe_head = nn.Linear(n_features, 1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(x)
        return self.item_head(h), self.stripe_head(h).squeeze(1)
