"""Chapter 15's autoregressive models: PixelCNN for small images and WaveNet for audio.

Both predict one value at a time from the values before it, and both train on a whole image or
clip in one pass because their convolutions cannot see the future:

* images: :class:`MaskedConv2d` multiplies its kernel by a fixed 0/1 mask (type "A" hides the
  centre pixel too, type "B" keeps it), kept as a buffer so it is saved and moved with the model
  but never trained; :class:`PixelCNN` stacks them, with ReLU or the gated unit tanh(a)*sigmoid(b);
* audio: :class:`CausalConv1d` pads on the left only, :class:`WaveNetBlock` adds a dilated
  causal convolution, the gate and the 1x1 residual and skip convolutions, and :class:`WaveNet`
  sums the skips into a 256-way softmax over mu-law codes. It generates either naively (the whole
  receptive field per new sample) or with per-layer caches (constant work per sample).

:func:`dependency_map` and :func:`receptive_field` check the "no peeking" promise with gradients
and with arithmetic; the tests do the same for wrong masks and wrong dilation schedules.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from helpers.checks import check_int, check_non_negative, check_seed

__all__ = ["raster_mask", "MaskedConv2d", "GatedActivation", "PixelCNN", "bits_per_dim",
           "histogram_bits", "dependency_map", "future_leak", "train_pixelcnn", "receptive_field",
           "CausalConv1d", "WaveNetBlock", "WaveNet", "sample_logits", "gradient_span",
           "train_wavenet", "random_windows"]


# ----------------------------------------------------------------------------- images

def raster_mask(mask_type: str, kernel_size: int) -> torch.Tensor:
    """A (k, k) float 0/1 mask: rows above the centre are 1, and so are the cells left of it.

    Type "A" also hides the centre (a first layer must not read the pixel it predicts); type "B"
    keeps it (later layers' centres hold features of earlier pixels only).
    """
    if mask_type not in ("A", "B"):
        raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}.")
    k = check_int("kernel_size", kernel_size)
    if k % 2 == 0:
        raise ValueError(f"kernel_size must be odd so the kernel has a centre, got {k}.")
    mask = torch.zeros(k, k)
    centre = k // 2
    mask[:centre] = 1.0
    mask[centre, :centre + (mask_type == "B")] = 1.0
    return mask


class MaskedConv2d(nn.Conv2d):
    """A ``Conv2d`` whose kernel is multiplied by a raster mask (a buffer) on every call."""

    def __init__(self, mask_type: str, in_channels: int, out_channels: int, kernel_size: int,
                 **kwargs):
        if kwargs.get("padding_mode", "zeros") != "zeros":
            raise ValueError("MaskedConv2d pads with zeros only; drop padding_mode.")
        super().__init__(in_channels, out_channels, kernel_size, **kwargs)
        self.mask_type = mask_type
        # a buffer: in the state_dict and moved by .to(), but not a parameter the optimizer sees
        self.register_buffer("mask", raster_mask(mask_type, kernel_size)[None, None])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # masking a copy (not weight.data) keeps autograd honest: hidden weights get zero gradient
        return F.conv2d(x, self.weight * self.mask, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)

    def extra_repr(self) -> str:
        return f"mask_type={self.mask_type!r}, " + super().extra_repr()


class GatedActivation(nn.Module):
    """Split the channels in two halves a and b and return tanh(a) * sigmoid(b)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] % 2:
            raise ValueError(f"a gate needs an even number of channels, got {x.shape[1]}.")
        filt, gate = x.chunk(2, dim=1)
        return torch.tanh(filt) * torch.sigmoid(gate)


class PixelCNN(nn.Module):
    """Masked convolutions (one A, then B), batch norm and ReLU or a gate; a 1x1 head to logits.

    No pooling and no stride: the output keeps the input's height and width, and position
    (i, j) of the logits (N, levels, H, W) scores pixel (i, j) from the pixels before it.
    The input is the level divided by ``levels - 1``, shape (N, 1, H, W), values in [0, 1].
    """

    def __init__(self, levels: int = 4, channels: int = 32, n_layers: int = 5,
                 kernel_size: int = 5, gated: bool = False):
        super().__init__()
        self.levels = check_int("levels", levels, minimum=2)
        channels = check_int("channels", channels)
        n_layers = check_int("n_layers", n_layers)
        width = 2 * channels if gated else channels
        layers, inputs = [], 1
        for index in range(n_layers):
            layers += [MaskedConv2d("A" if index == 0 else "B", inputs, width, kernel_size,
                                    padding=kernel_size // 2, bias=False),
                       nn.BatchNorm2d(width),
                       GatedActivation() if gated else nn.ReLU()]
            inputs = channels
        self.body = nn.Sequential(*layers)
        self.head = nn.Conv2d(channels, levels, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))

    def scale(self, levels: torch.Tensor) -> torch.Tensor:
        """Integer levels (N, H, W) -> network input (N, 1, H, W) in [0, 1]."""
        return levels.unsqueeze(1).float() / (self.levels - 1)

    @torch.no_grad()
    def sample(self, n: int, shape: tuple[int, int], temperature: float = 1.0,
               generator: torch.Generator | None = None, prefix: torch.Tensor | None = None,
               given: int = 0) -> torch.Tensor:
        """Draw ``n`` images (N, H, W) of levels in raster order, one full forward pass per pixel.

        ``temperature`` 0 takes the most likely level. With ``prefix`` (n, H, W), its first
        ``given`` pixels in raster order are kept and only the rest are drawn (completion).
        """
        n = check_int("n", n)
        height, width = shape
        canvas = torch.zeros(n, height, width, dtype=torch.long)
        given = check_int("given", given, minimum=0)
        if prefix is not None:
            if prefix.shape != canvas.shape:
                raise ValueError(f"prefix must have shape {tuple(canvas.shape)}, got "
                                 f"{tuple(prefix.shape)}.")
            canvas.view(n, -1)[:, :given] = prefix.reshape(n, -1)[:, :given]
        elif given:
            raise ValueError("given > 0 needs a prefix to copy the given pixels from.")
        was_training = self.training
        self.eval()
        device = next(self.parameters()).device
        for position in range(given, height * width):
            i, j = divmod(position, width)
            logits = self(self.scale(canvas).to(device))[:, :, i, j].cpu()
            canvas[:, i, j] = sample_logits(logits, temperature, generator)
        self.train(was_training)
        return canvas


def bits_per_dim(logits: torch.Tensor, target: torch.Tensor) -> float:
    """Mean cross-entropy of the levels in bits (nats / ln 2): the cost of coding one pixel."""
    return F.cross_entropy(logits, target).item() / math.log(2)


def histogram_bits(train_levels: torch.Tensor, test_levels: torch.Tensor, levels: int) -> float:
    """Bits per pixel of a baseline that knows each position's level histogram (add-one smoothed)."""
    counts = F.one_hot(train_levels, levels).sum(0).double() + 1.0      # (H, W, levels)
    probs = counts / counts.sum(-1, keepdim=True)
    picked = probs.expand(len(test_levels), *probs.shape).gather(-1, test_levels.unsqueeze(-1))
    return (-picked.log2()).mean().item()


def dependency_map(model: nn.Module, shape: tuple[int, int], position: tuple[int, int],
                   batch: int = 1, seed: int = 0) -> torch.Tensor:
    """|d (sum of logits at ``position`` of image 0) / d input|, shape (H, W), in the model's mode.

    A zero at a pixel means the prediction cannot depend on it. With ``batch`` > 1 and the model
    in training mode, batch norm's statistics can leak information between images and positions.
    """
    generator = torch.Generator().manual_seed(check_seed("seed", seed))
    x = torch.rand(batch, 1, *shape, generator=generator, requires_grad=True)
    i, j = position
    model(x)[0, :, i, j].sum().backward()
    return x.grad[0, 0].abs()


def future_leak(grad_map: torch.Tensor, position: tuple[int, int]) -> float:
    """The largest |gradient| at ``position`` or after it in raster order (0 for a causal model)."""
    height, width = grad_map.shape
    start = position[0] * width + position[1]
    return grad_map.reshape(-1)[start:].max().item()


def train_pixelcnn(model: PixelCNN, train_levels: torch.Tensor, test_levels: torch.Tensor,
                   epochs: int, lr: float = 2e-3, batch_size: int = 64, seed: int = 42,
                   progress: bool = True) -> list[float]:
    """Teacher-forced training with Adam; return the test bits per pixel after each epoch."""
    epochs = check_int("epochs", epochs)
    generator = torch.Generator().manual_seed(check_seed("seed", seed))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for _ in tqdm(range(epochs), desc="PixelCNN epochs", disable=not progress):
        model.train()
        for batch in torch.randperm(len(train_levels), generator=generator).split(batch_size):
            target = train_levels[batch]
            loss = F.cross_entropy(model(model.scale(target)), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            history.append(bits_per_dim(model(model.scale(test_levels)), test_levels))
    return history


def sample_logits(logits: torch.Tensor, temperature: float = 1.0,
                  generator: torch.Generator | None = None) -> torch.Tensor:
    """One class per row of ``logits`` (N, K): softmax(logits / T) by inverse CDF; T = 0 is argmax.

    One uniform number per row, so two callers with equal generators and equal logits draw the
    same classes.
    """
    temperature = check_non_negative("temperature", temperature)
    if temperature == 0:
        return logits.argmax(-1)
    cdf = torch.softmax(logits.double() / temperature, dim=-1).cumsum(-1)
    u = torch.rand(logits.shape[0], 1, generator=generator, dtype=torch.float64)
    return torch.searchsorted(cdf, u * cdf[:, -1:]).squeeze(-1).clamp_(max=logits.shape[-1] - 1)


# ----------------------------------------------------------------------------- audio

def receptive_field(kernel_size: int, dilations: Sequence[int]) -> int:
    """How many inputs one output of a stack of causal convolutions sees: 1 + (k - 1) * sum(d)."""
    kernel_size = check_int("kernel_size", kernel_size)
    return 1 + (kernel_size - 1) * sum(check_int("dilation", d) for d in dilations)


class CausalConv1d(nn.Conv1d):
    """A ``Conv1d`` padded on the left by (k - 1) * dilation: output t sees inputs up to t only."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 2,
                 dilation: int = 1):
        super().__init__(in_channels, out_channels, kernel_size, dilation=dilation)
        self.left = (kernel_size - 1) * dilation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(F.pad(x, (self.left, 0)))


class WaveNetBlock(nn.Module):
    """Dilated causal conv to 2C channels (+ an optional learned condition), gate, 1x1 convs.

    Returns ``(x + residual(z), skip(z))``: the first feeds the next block, the second is summed
    with the other blocks' skips.
    """

    def __init__(self, channels: int, skip_channels: int, dilation: int,
                 n_cond: int | None = None):
        super().__init__()
        self.dilation = check_int("dilation", dilation)
        self.dilated = CausalConv1d(channels, 2 * channels, kernel_size=2, dilation=dilation)
        self.cond = None if n_cond is None else nn.Embedding(n_cond, 2 * channels)
        self.gate = GatedActivation()
        self.residual = nn.Conv1d(channels, channels, kernel_size=1)
        self.skip = nn.Conv1d(channels, skip_channels, kernel_size=1)

    def _finish(self, pre: torch.Tensor, x: torch.Tensor, cond: torch.Tensor | None):
        if self.cond is not None:
            if cond is None:
                raise ValueError("this block is conditional: pass cond (one class index per clip).")
            pre = pre + self.cond(cond).unsqueeze(-1)
        z = self.gate(pre)
        return x + self.residual(z), self.skip(z)

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None):
        return self._finish(self.dilated(x), x, cond)

    def step(self, x_now: torch.Tensor, x_past: torch.Tensor, cond: torch.Tensor | None = None):
        """The same block for one time step: x_now (N, C) at t, x_past (N, C) at t - dilation."""
        w = self.dilated.weight                       # (2C, C, 2): tap 0 reads t - d, tap 1 reads t
        pre = x_past @ w[:, :, 0].T + x_now @ w[:, :, 1].T + self.dilated.bias
        out, skip = self._finish(pre.unsqueeze(-1), x_now.unsqueeze(-1), cond)
        return out.squeeze(-1), skip.squeeze(-1)


class WaveNet(nn.Module):
    """Causal conv on one-hot codes, ``stacks`` x ``layers`` gated blocks (dilations 1, 2, ...,
    2**(layers-1)), summed skips, then ReLU, 1x1, ReLU, 1x1 to ``levels`` logits.

    Input: codes (N, T) in [0, levels). Output: logits (N, levels, T); column t scores code t + 1.
    """

    def __init__(self, levels: int = 256, channels: int = 16, skip_channels: int = 32,
                 layers: int = 10, stacks: int = 1, n_cond: int | None = None,
                 dilations: Sequence[int] | None = None):
        super().__init__()
        self.levels = check_int("levels", levels, minimum=2)
        if dilations is None:
            dilations = [2 ** k for k in range(check_int("layers", layers))] * check_int("stacks",
                                                                                      stacks)
        self.dilations = [check_int("dilation", d) for d in dilations]
        self.n_cond = n_cond
        self.input_conv = CausalConv1d(levels, channels, kernel_size=2)
        self.blocks = nn.ModuleList(WaveNetBlock(channels, skip_channels, d, n_cond)
                                    for d in self.dilations)
        self.head = nn.Sequential(nn.ReLU(), nn.Conv1d(skip_channels, skip_channels, 1),
                                  nn.ReLU(), nn.Conv1d(skip_channels, levels, 1))

    @property
    def receptive_field(self) -> int:
        """Inputs seen by one output: the input conv's 2, plus one per unit of dilation."""
        return receptive_field(2, [1, *self.dilations])

    def forward(self, codes: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        return self.forward_one_hot(F.one_hot(codes, self.levels).float().transpose(1, 2), cond)

    def forward_one_hot(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        """The same network on a float input (N, levels, T), e.g. one-hot codes that need a gradient."""
        x = self.input_conv(x)
        skips = 0
        for block in self.blocks:
            x, skip = block(x, cond)
            skips = skips + skip
        return self.head(skips)

    def _start(self, n: int, prime: torch.Tensor | None) -> torch.Tensor:
        if prime is None:
            return torch.full((n, 1), self.levels // 2, dtype=torch.long)   # mu-law silence
        prime = torch.as_tensor(prime, dtype=torch.long)
        if prime.dim() == 1:
            prime = prime.expand(n, -1)
        if prime.shape[0] != n or prime.shape[1] < 1:
            raise ValueError(f"prime must have shape (T,) or ({n}, T) with T >= 1, got "
                             f"{tuple(prime.shape)}.")
        return prime.clone()

    @torch.no_grad()
    def generate_naive(self, n_samples: int, n: int = 1, cond: torch.Tensor | None = None,
                       temperature: float = 1.0, generator: torch.Generator | None = None,
                       prime: torch.Tensor | None = None) -> torch.Tensor:
        """Draw ``n_samples`` codes per clip by running the net on the last receptive field each time."""
        codes = self._start(n, prime)
        window = self.receptive_field
        for _ in range(check_int("n_samples", n_samples)):
            logits = self(codes[:, -window:], cond)[:, :, -1]
            codes = torch.cat([codes, sample_logits(logits, temperature, generator)[:, None]], 1)
        return codes[:, -n_samples:]

    @torch.no_grad()
    def generate_fast(self, n_samples: int, n: int = 1, cond: torch.Tensor | None = None,
                      temperature: float = 1.0, generator: torch.Generator | None = None,
                      prime: torch.Tensor | None = None) -> torch.Tensor:
        """The same draws as :meth:`generate_naive`, with a queue of past inputs in every layer.

        Each block keeps its last ``dilation`` inputs, so a new sample costs a few small matrix
        products per layer, whatever the receptive field. The primer is run in one pass.
        """
        codes = self._start(n, prime)
        n_samples = check_int("n_samples", n_samples)
        # the primer runs once, in parallel; its last column gives the first draw, and each
        # block's queue receives that block's inputs at the last `dilation` primer positions
        length = codes.shape[1]
        x = self.input_conv(F.one_hot(codes, self.levels).float().transpose(1, 2))
        queues, skips = [], 0
        for block in self.blocks:
            queue = torch.zeros(n, block.dilation, x.shape[1])     # zeros = causal padding
            recent = torch.arange(max(length - block.dilation, 0), length)
            queue[:, recent % block.dilation] = x[:, :, recent].transpose(1, 2)
            queues.append(queue)
            x, skip = block(x, cond)
            skips = skips + skip
        drawn = [sample_logits(self.head(skips)[:, :, -1], temperature, generator)]
        w_in = self.input_conv.weight                 # (C, levels, 2): one-hot conv = two lookups
        previous = w_in[:, codes[:, -1], 0].T         # tap 0 reads the code before the new one
        for t in range(length, length + n_samples - 1):
            code = drawn[-1]
            x = previous + w_in[:, code, 1].T + self.input_conv.bias
            previous = w_in[:, code, 0].T
            skips = 0
            for block, queue in zip(self.blocks, queues):
                slot = t % block.dilation             # holds this layer's input from t - dilation
                x_past = queue[:, slot].clone()
                queue[:, slot] = x
                x, skip = block.step(x, x_past, cond)
                skips = skips + skip
            logits = self.head(skips.unsqueeze(-1)).squeeze(-1)
            drawn.append(sample_logits(logits, temperature, generator))
        return torch.stack(drawn, 1)


def gradient_span(model: WaveNet, length: int, t: int, seed: int = 0) -> tuple[int, int]:
    """(first, last) input positions with a nonzero gradient from output ``t`` of ``model``.

    A causal model has last == t, and t - first + 1 equals its receptive field (when t allows).
    """
    generator = torch.Generator().manual_seed(check_seed("seed", seed))
    x = torch.rand(1, model.levels, length, generator=generator, requires_grad=True)
    cond = None if model.n_cond is None else torch.zeros(1, dtype=torch.long)
    model.forward_one_hot(x, cond)[0, :, t].sum().backward()
    reached = (x.grad[0].abs().sum(0) > 0).nonzero().flatten()
    return int(reached.min()), int(reached.max())


def random_windows(codes: torch.Tensor, labels: torch.Tensor, length: int, batch_size: int,
                   generator: torch.Generator, onset_share: float = 0.0
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch_size`` random windows (B, length + 1) of the clips ``codes`` (N, T), with labels.

    About ``onset_share`` of the windows start at the beginning of their clip (a note's onset).
    """
    if length + 1 > codes.shape[1]:
        raise ValueError(f"windows of {length + 1} codes do not fit clips of {codes.shape[1]}.")
    clips = torch.randint(len(codes), (batch_size,), generator=generator)
    starts = torch.randint(codes.shape[1] - length, (batch_size,), generator=generator)
    if onset_share:
        at_onset = torch.rand(batch_size, generator=generator) < onset_share
        starts = torch.where(at_onset, 0, starts)
    index = starts[:, None] + torch.arange(length + 1)
    return codes[clips[:, None], index], labels[clips]


def train_wavenet(model: WaveNet, codes: torch.Tensor, labels: torch.Tensor, steps: int,
                  length: int = 2048, loss_from: int = 1024, batch_size: int = 4,
                  lr: float = 1e-3, seed: int = 0, val: tuple | None = None,
                  every: int = 50, progress: bool = True,
                  onset_share: float = 0.0) -> list[tuple[int, float, float | None]]:
    """Teacher forcing: predict code t + 1 from codes up to t, for every t of random windows.

    The loss counts positions from ``loss_from`` on (their receptive field lies in the window);
    ``onset_share`` of the windows start at a clip's first sample (see :func:`random_windows`).
    Every ``every`` steps log (step, training loss, validation loss on ``val`` = (codes, labels)).
    """
    steps = check_int("steps", steps)
    generator = torch.Generator().manual_seed(check_seed("seed", seed))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    cond = model.n_cond is not None
    log, running = [], []
    for step in tqdm(range(1, steps + 1), desc="WaveNet steps", disable=not progress):
        window, note = random_windows(codes, labels, length, batch_size, generator, onset_share)
        logits = model(window[:, :-1], note if cond else None)
        loss = F.cross_entropy(logits[:, :, loss_from:], window[:, 1 + loss_from:])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running.append(loss.item())
        if step % every == 0:
            val_loss = None
            if val is not None:
                with torch.no_grad():
                    val_codes, val_labels = val
                    out = model(val_codes[:, :-1], val_labels if cond else None)
                    val_loss = F.cross_entropy(out[:, :, loss_from:],
                                               val_codes[:, 1 + loss_from:]).item()
            log.append((step, sum(running) / len(running), val_loss))
            running = []
    return log
