"""data_generation/tones.py and quantized_digits.py: seeded, in range, with checked arguments."""
from __future__ import annotations

import math

import numpy as np
import pytest
import soundfile as sf
import torch
import torchaudio.functional as AF

from data_generation.quantized_digits import quantized_digits
from data_generation.tones import NOTES, estimate_pitch, make_tones, nearest_note


def test_tones_are_seeded_in_range_and_labelled():
    waves, notes = make_tones(6, seconds=0.5, seed=3)
    again, notes_again = make_tones(6, seconds=0.5, seed=3)
    assert waves.shape == (6, 4000) and waves.dtype == torch.float32
    assert torch.equal(waves, again) and torch.equal(notes, notes_again)
    assert not torch.equal(waves, make_tones(6, seconds=0.5, seed=4)[0])
    assert waves.abs().max() <= 1.0 and notes.min() >= 0 and notes.max() < len(NOTES)
    peaks = waves.abs().amax(1)
    assert torch.all((peaks > 0.28) & (peaks < 0.92))


def test_the_pitch_of_every_generated_clip_is_its_note():
    waves, notes = make_tones(24, seed=1)
    assert [nearest_note(estimate_pitch(w)) for w in waves] == notes.tolist()


@pytest.mark.parametrize("freq", [220.0, 261.63, 440.0, 523.0])
def test_pitch_estimator_on_clean_sines(freq):
    t = torch.arange(8000) / 8000
    found = estimate_pitch(torch.sin(2 * math.pi * freq * t))
    assert abs(found - freq) < 8000 / 8192          # within one FFT bin


def test_arguments_are_checked():
    with pytest.raises(TypeError):
        make_tones(2.5)
    with pytest.raises(ValueError):
        make_tones(0)
    with pytest.raises(ValueError, match="Nyquist"):
        make_tones(2, sample_rate=3000)
    with pytest.raises(ValueError, match="one clip"):
        estimate_pitch(torch.zeros(2, 100))
    with pytest.raises(ValueError):
        nearest_note(-5.0)


def test_mu_law_codes_match_the_formula():
    x = torch.tensor([-1.0, -0.5, -0.01, 0.0, 0.01, 0.1, 0.5, 1.0])
    assert AF.mu_law_encoding(x, 256).tolist() == [0, 16, 98, 128, 157, 203, 239, 255]
    by_hand = torch.sign(x) * torch.log1p(255 * x.abs()) / math.log(256)
    assert torch.equal(((by_hand + 1) / 2 * 255 + 0.5).long(), AF.mu_law_encoding(x, 256))


def test_soundfile_round_trip(tmp_path):
    waves, _ = make_tones(1, seconds=0.25, seed=5)
    sf.write(tmp_path / "a.wav", waves[0].numpy(), 8000, subtype="PCM_16")
    back, rate = sf.read(tmp_path / "a.wav", dtype="float32")
    assert rate == 8000 and np.abs(back - waves[0].numpy()).max() <= 1 / 32768


def test_quantized_digits():
    train, train_y, test, test_y = quantized_digits(levels=4, seed=13)
    assert train.shape == (1437, 8, 8) and test.shape == (360, 8, 8)
    counts = torch.cat([train, test]).flatten().bincount().tolist()
    assert counts == [63663, 14194, 18782, 18369]
    assert torch.equal(train, quantized_digits(levels=4, seed=13)[0])
    assert sorted(set(train_y.tolist())) == list(range(10))
    assert quantized_digits(levels=17)[0].max() == 16
    with pytest.raises(ValueError):
        quantized_digits(levels=18)
    with pytest.raises(TypeError):
        quantized_digits(levels="4")
