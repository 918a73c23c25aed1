"""Chapter 15's audio: short synthetic notes, made on the fly and seeded (nothing is downloaded).

Each clip holds one note of an eight-note scale (A3 to A4, equal temperament) played by a few
harmonics whose amplitudes fall with their order, so the fundamental is always the loudest
partial. A note rises over a short attack, then fades exponentially; a whisper of white noise is
added and the result is clipped to [-1, 1]. At the default 8 kHz every harmonic stays below the
4 kHz Nyquist frequency. ``estimate_pitch`` reads the fundamental back from a zero-padded FFT.
"""
from __future__ import annotations

import numpy as np
import torch

from helpers.checks import check_int, check_positive, check_seed

__all__ = ["NOTES", "NOTE_NAMES", "SAMPLE_RATE", "make_tones", "estimate_pitch", "nearest_note"]

#: The eight notes, name -> frequency in Hz (A4 = 440 Hz, twelve-tone equal temperament).
NOTES = {"A3": 220.00, "B3": 246.94, "C4": 261.63, "D4": 293.66,
         "E4": 329.63, "F4": 349.23, "G4": 392.00, "A4": 440.00}
NOTE_NAMES = tuple(NOTES)
SAMPLE_RATE = 8000


def make_tones(n: int, seconds: float = 1.0, sample_rate: int = SAMPLE_RATE,
               seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(waves, notes)``: ``n`` float32 clips of shape (n, samples) and their note indices.

    Per clip, drawn from ``seed``: the note (uniform over ``NOTES``), 1-5 harmonics with
    amplitude 1/k**t (t in [0.5, 2]) and random phases, an attack of 5-50 ms, a decay time
    constant of 0.2-1.0 s, a peak of 0.3-0.9, and white noise of standard deviation 0.003.
    """
    n = check_int("n", n)
    seconds = check_positive("seconds", seconds)
    sample_rate = check_int("sample_rate", sample_rate)
    seed = check_seed("seed", seed)
    top = max(NOTES.values()) * 5
    if top >= sample_rate / 2:
        raise ValueError(f"sample_rate must exceed {2 * top:.0f} Hz so that five harmonics of "
                         f"A4 stay below Nyquist, got {sample_rate}; use 8000.")
    length = int(round(seconds * sample_rate))
    if length < 2:
        raise ValueError(f"seconds * sample_rate gives {length} samples; make the clips longer.")
    rng = np.random.default_rng(seed)
    t = np.arange(length) / sample_rate
    freqs = np.array(list(NOTES.values()))
    notes = rng.integers(0, len(NOTES), size=n)
    waves = np.empty((n, length), dtype=np.float64)
    for row, note in enumerate(notes):
        n_harmonics = rng.integers(1, 6)
        tilt = rng.uniform(0.5, 2.0)
        phases = rng.uniform(0, 2 * np.pi, size=n_harmonics)
        k = np.arange(1, n_harmonics + 1)
        partials = np.sin(2 * np.pi * freqs[note] * k[:, None] * t + phases[:, None])
        tone = (k[:, None] ** -tilt * partials).sum(axis=0)
        attack, decay = rng.uniform(0.005, 0.05), rng.uniform(0.2, 1.0)
        envelope = np.minimum(t / attack, 1.0) * np.exp(-np.maximum(t - attack, 0.0) / decay)
        tone = tone * envelope
        tone *= rng.uniform(0.3, 0.9) / np.abs(tone).max()
        waves[row] = tone + rng.normal(0.0, 0.003, size=length)
    waves = np.clip(waves, -1.0, 1.0)
    return torch.from_numpy(waves.astype(np.float32)), torch.from_numpy(notes.astype(np.int64))


def estimate_pitch(wave, sample_rate: int = SAMPLE_RATE, skip_seconds: float = 0.05,
                   low: float = 80.0, high: float = 1000.0, n_fft: int = 8192) -> float:
    """The frequency in Hz of the strongest FFT peak between ``low`` and ``high`` Hz.

    The first ``skip_seconds`` (the attack) are left out and the FFT is zero-padded to ``n_fft``
    points, fine enough to tell neighbouring notes (14.7 Hz apart at the bottom) from each other.
    """
    wave = torch.as_tensor(wave, dtype=torch.float64)
    if wave.dim() != 1:
        raise ValueError(f"wave must be one clip of shape (samples,), got shape {tuple(wave.shape)}.")
    sample_rate = check_int("sample_rate", sample_rate)
    start = int(round(skip_seconds * sample_rate))
    if wave.numel() - start < 16:
        raise ValueError(f"the clip has {wave.numel()} samples; keep at least 16 after the first "
                         f"{skip_seconds} s.")
    if not 0 <= low < high <= sample_rate / 2:
        raise ValueError(f"need 0 <= low < high <= {sample_rate / 2}, got low={low}, high={high}.")
    segment = wave[start:]
    segment = segment - segment.mean()
    spectrum = torch.fft.rfft(segment, n=max(n_fft, segment.numel())).abs()
    freqs = torch.fft.rfftfreq(max(n_fft, segment.numel()), d=1 / sample_rate)
    band = (freqs >= low) & (freqs <= high)
    return float(freqs[band][spectrum[band].argmax()])


def nearest_note(frequency: float) -> int:
    """Index in ``NOTES`` of the note nearest to ``frequency`` (compared on a log scale)."""
    frequency = check_positive("frequency", frequency)
    cents = [abs(np.log2(frequency / f)) for f in NOTES.values()]
    return int(np.argmin(cents))
