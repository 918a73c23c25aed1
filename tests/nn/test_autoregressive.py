"""helpers/nn/autoregressive.py: masks hide the future, receptive fields add up, caches change nothing."""
from __future__ import annotations

import time

import pytest
import torch
import torch.nn.functional as F

from helpers.nn.autoregressive import (CausalConv1d, GatedActivation, MaskedConv2d, PixelCNN,
                                       WaveNet, bits_per_dim, dependency_map, future_leak,
                                       gradient_span, histogram_bits, random_windows, raster_mask,
                                       receptive_field, sample_logits, train_pixelcnn,
                                       train_wavenet)


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def assert_causal(model, shape=(8, 8)):
    """Every output pixel ignores itself and every later pixel (raster order), in eval mode."""
    model.eval()
    for position in [(0, 0), (2, 5), (4, 3), (shape[0] - 1, shape[1] - 1)]:
        grad = dependency_map(model, shape, position)
        assert future_leak(grad, position) == 0.0, f"pixel {position} sees the future"
        if position != (0, 0):
            assert grad.reshape(-1)[:position[0] * shape[1] + position[1]].max() > 0


# ----------------------------------------------------------------------------- masks

@pytest.mark.parametrize("k, ones_a", [(3, 4), (5, 12), (7, 24)])
def test_mask_counts_and_layout(k, ones_a):
    a, b = raster_mask("A", k), raster_mask("B", k)
    assert a.shape == (k, k) and a.sum() == ones_a and b.sum() == ones_a + 1
    c = k // 2
    assert a[c, c] == 0 and b[c, c] == 1
    assert a[c + 1:].sum() == 0 and b[c, c + 1:].sum() == 0      # nothing below or to the right
    assert torch.equal(b - a, F.one_hot(torch.tensor(c * k + c), k * k).float().view(k, k))


def test_mask_arguments_are_checked():
    with pytest.raises(ValueError, match="'A' or 'B'"):
        raster_mask("C", 5)
    with pytest.raises(ValueError, match="odd"):
        raster_mask("A", 4)
    with pytest.raises(TypeError):
        raster_mask("A", 5.0)
    with pytest.raises(ValueError, match="zeros"):
        MaskedConv2d("A", 1, 2, 3, padding_mode="reflect")


def test_the_mask_is_a_buffer():
    conv = MaskedConv2d("B", 2, 3, 5, padding=2)
    assert "mask" in conv.state_dict()
    assert all(name != "mask" for name, _ in conv.named_parameters())
    assert conv.to(torch.float64).mask.dtype == torch.float64     # follows .to()
    restored = MaskedConv2d("B", 2, 3, 5, padding=2)
    restored.mask.zero_()
    restored.load_state_dict(conv.state_dict())
    assert torch.equal(restored.mask, conv.mask)


def test_masked_weights_get_no_gradient_and_stay_stored():
    conv = MaskedConv2d("A", 1, 1, 3, padding=1, bias=False)
    conv(torch.rand(1, 1, 4, 4)).sum().backward()
    assert torch.all(conv.weight.grad[0, 0][raster_mask("A", 3) == 0] == 0)
    assert torch.all(conv.weight[0, 0][raster_mask("A", 3) == 0] != 0)   # weight.data is untouched


@pytest.mark.parametrize("gated", [False, True])
def test_pixelcnn_hides_the_future(gated):
    torch.manual_seed(0)
    assert_causal(PixelCNN(levels=4, channels=8, n_layers=4, kernel_size=5, gated=gated))


def test_a_wrong_first_mask_fails_the_causality_check():
    torch.manual_seed(0)
    model = PixelCNN(levels=4, channels=8, n_layers=3, kernel_size=5)
    model.body[0] = MaskedConv2d("B", 1, 8, 5, padding=2, bias=False)
    with pytest.raises(AssertionError, match="sees the future"):
        assert_causal(model)
    model.body[0] = torch.nn.Conv2d(1, 8, 5, padding=2, bias=False)     # no mask at all
    with pytest.raises(AssertionError, match="sees the future"):
        assert_causal(model)


def test_blind_spot_and_batch_norm_leak():
    torch.manual_seed(0)
    model = PixelCNN(levels=4, channels=8, n_layers=5, kernel_size=5).eval()
    grad = dependency_map(model, (8, 8), (4, 3))
    blind = [(r, c) for r in range(8) for c in range(8) if r * 8 + c < 35 and grad[r, c] == 0]
    assert blind == [(3, 6), (3, 7)]
    leak = future_leak(dependency_map(model.train(), (8, 8), (4, 3), batch=8), (4, 3))
    assert 0 < leak < 1


def test_parameter_counts():
    count = lambda m: sum(p.numel() for p in m.parameters())   # noqa: E731
    assert count(PixelCNN(levels=4, channels=32, n_layers=5, kernel_size=5)) == 103_652
    assert count(PixelCNN(levels=256, channels=64, n_layers=8, kernel_size=7)) == 1_425_728
    assert count(WaveNet(levels=256, channels=16, skip_channels=32, layers=10)) == 36_432


def test_gate_and_its_errors():
    x = torch.tensor([[[1.0]], [[2.0]]]).view(1, 2, 1)
    assert torch.allclose(GatedActivation()(x), torch.tanh(torch.tensor(1.0)) * torch.sigmoid(torch.tensor(2.0)))
    with pytest.raises(ValueError, match="even"):
        GatedActivation()(torch.zeros(1, 3, 2))


def test_bits_and_histogram_baseline():
    target = torch.randint(4, (10, 8, 8))
    assert bits_per_dim(torch.zeros(10, 4, 8, 8), target) == pytest.approx(2.0)
    # a histogram of a constant image costs almost nothing on the same image
    const = torch.ones(50, 2, 2, dtype=torch.long)
    assert histogram_bits(const, const, 4) == pytest.approx(-torch.log2(torch.tensor(51 / 54)).item())


def test_pixelcnn_learns_a_little_and_samples():
    from data_generation.quantized_digits import quantized_digits
    train, _, test, _ = quantized_digits(levels=4)
    torch.manual_seed(0)
    model = PixelCNN(levels=4, channels=8, n_layers=3, kernel_size=5)
    history = train_pixelcnn(model, train[:512], test[:64], epochs=3, progress=False)
    assert history[-1] < min(history[0], 2.0)
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    a = model.sample(3, (8, 8), generator=g1)
    assert a.shape == (3, 8, 8) and a.min() >= 0 and a.max() < 4
    assert torch.equal(a, model.sample(3, (8, 8), generator=g2))
    kept = model.sample(3, (8, 8), generator=g1, prefix=test[:3], given=20)
    assert torch.equal(kept.view(3, -1)[:, :20], test[:3].reshape(3, -1)[:, :20])
    with pytest.raises(ValueError, match="prefix"):
        model.sample(3, (8, 8), given=5)


def test_sample_logits():
    logits = torch.tensor([[0.0, 5.0, 1.0], [3.0, 0.0, 0.0]])
    assert sample_logits(logits, 0).tolist() == [1, 0]
    draws = sample_logits(logits.repeat(2000, 1), 1.0, torch.Generator().manual_seed(0))
    share = (draws.view(2000, 2)[:, 0] == 1).float().mean()
    assert share == pytest.approx(torch.softmax(logits[0], 0)[1].item(), abs=0.03)
    with pytest.raises(ValueError):
        sample_logits(logits, -1.0)


# ----------------------------------------------------------------------------- audio

def test_receptive_field_arithmetic():
    assert receptive_field(2, [1, 1, 1, 1]) == 5
    assert receptive_field(2, [1, 2, 4, 8]) == 16
    assert receptive_field(3, [1, 2]) == 7
    assert WaveNet(layers=10).receptive_field == 1025
    assert WaveNet(layers=10, stacks=5, channels=4, skip_channels=4).receptive_field == 5117
    with pytest.raises(ValueError):
        receptive_field(2, [1, 0])


def assert_span(model, expected=None, length=600):
    """Output t's gradient reaches inputs t - RF + 1 ... t exactly (RF from the model or given)."""
    expected = model.receptive_field if expected is None else expected
    t = length - 1
    first, last = gradient_span(model, length, t)
    assert last == t, "an output sees the future"
    assert t - first + 1 == expected, f"gradient span {t - first + 1} != receptive field {expected}"


@pytest.mark.parametrize("layers, stacks", [(4, 1), (8, 2), (9, 1)])
def test_gradient_span_equals_the_receptive_field(layers, stacks):
    torch.manual_seed(0)
    assert_span(WaveNet(channels=8, skip_channels=16, layers=layers, stacks=stacks))


def test_a_wrong_dilation_schedule_fails_the_span_check():
    torch.manual_seed(0)
    doubling = receptive_field(2, [1, 1, 2, 4, 8])         # input conv + dilations 1, 2, 4, 8
    assert_span(WaveNet(channels=8, skip_channels=16, layers=4), expected=doubling)
    wrong = WaveNet(channels=8, skip_channels=16, dilations=[1, 2, 4, 4])   # last one not doubled
    with pytest.raises(AssertionError, match="receptive field"):
        assert_span(wrong, expected=doubling)


def test_causal_conv_matches_pad_both_ends_and_trim():
    torch.manual_seed(0)
    for dilation in (1, 3):
        conv = CausalConv1d(2, 3, kernel_size=2, dilation=dilation)
        x = torch.randn(2, 2, 20)
        other = F.conv1d(x, conv.weight, conv.bias, padding=dilation, dilation=dilation)
        assert torch.allclose(conv(x), other[:, :, :-dilation], atol=1e-6)


def test_one_hot_conv_is_two_embedding_lookups():
    torch.manual_seed(0)
    model = WaveNet(levels=16, channels=4, skip_channels=4, layers=2)
    codes = torch.randint(16, (2, 10))
    conv = model.input_conv(F.one_hot(codes, 16).float().transpose(1, 2))
    w = model.input_conv.weight
    now = F.embedding(codes, w[:, :, 1].T)
    before = F.embedding(F.pad(codes, (1, 0))[:, :-1], w[:, :, 0].T)
    before[:, 0] = 0                                        # nothing before the first code
    assert torch.allclose(conv.transpose(1, 2), now + before + model.input_conv.bias, atol=1e-6)


@pytest.mark.parametrize("n_cond", [None, 3])
def test_naive_and_fast_generation_agree(n_cond):
    torch.manual_seed(0)
    model = WaveNet(levels=32, channels=6, skip_channels=8, layers=4, stacks=2,
                    n_cond=n_cond).eval()
    cond = None if n_cond is None else torch.tensor([0, 2])
    prime = torch.randint(32, (2, 5))
    outs = [gen(50, n=2, cond=cond, generator=torch.Generator().manual_seed(1), prime=prime)
            for gen in (model.generate_naive, model.generate_fast)]
    assert outs[0].shape == (2, 50)
    assert torch.equal(*outs)


def test_conditional_model_needs_cond():
    model = WaveNet(levels=8, channels=2, skip_channels=2, layers=2, n_cond=2)
    with pytest.raises(ValueError, match="cond"):
        model(torch.zeros(1, 5, dtype=torch.long))


def test_fast_generation_is_faster():
    torch.manual_seed(0)
    model = WaveNet(levels=256, channels=16, skip_channels=32, layers=10).eval()
    prime = torch.randint(256, (2, 1100))
    timings = []
    for gen in (model.generate_naive, model.generate_fast):
        gen(2, n=2, prime=prime[:, :50])                      # warm up
        start = time.perf_counter()
        gen(40, n=2, prime=prime)
        timings.append(time.perf_counter() - start)
    assert timings[0] > 2 * timings[1], f"naive {timings[0]:.2f}s vs fast {timings[1]:.2f}s"


def test_training_lowers_the_loss_and_windows_are_checked():
    from data_generation.tones import make_tones
    import torchaudio.functional as AF
    waves, notes = make_tones(8, seconds=0.2, seed=1)
    codes = AF.mu_law_encoding(waves, 256)
    torch.manual_seed(0)
    model = WaveNet(channels=8, skip_channels=8, layers=6)
    log = train_wavenet(model, codes, notes, steps=40, length=256, loss_from=64, every=20,
                        val=(codes[:, :257], notes), progress=False)
    assert [s for s, _, _ in log] == [20, 40]
    assert log[-1][2] < torch.log(torch.tensor(256.0)).item()
    with pytest.raises(ValueError, match="do not fit"):
        random_windows(codes, notes, 5000, 2, torch.Generator())


# ----------------------------------------------------------------------------- chapter numbers

def test_the_chapters_pixelcnn_recipe_reaches_its_recorded_bits():
    """Chapter 15 prints 0.806 test bits per pixel after 12 epochs (seed 15); uniform is 2.000."""
    from data_generation.quantized_digits import quantized_digits
    train, _, test, _ = quantized_digits(levels=4, seed=13)
    assert histogram_bits(train, test, 4) == pytest.approx(1.215, abs=5e-4)
    torch.manual_seed(15)
    model = PixelCNN(levels=4, channels=32, n_layers=5, kernel_size=5)
    history = train_pixelcnn(model, train, test, epochs=12, lr=2e-3, seed=15, progress=False)
    assert history[-1] == pytest.approx(0.806, abs=0.02)


def test_the_pretrained_wavenet_matches_its_log():
    """The committed checkpoint loads, and its pitch check gives what the script recorded."""
    import json
    from pathlib import Path

    import torchaudio.functional as AF

    from data_generation.tones import estimate_pitch, nearest_note
    folder = Path(__file__).resolve().parents[2] / "checkpoints" / "ch15"
    report = json.loads((folder / "wavenet_tones.json").read_text())
    model = WaveNet(**report["config"])
    model.load_state_dict(torch.load(folder / "wavenet_tones.pt", weights_only=True))
    model.eval()
    assert sum(p.numel() for p in model.parameters()) == report["parameters"] == 93_760
    assert report["log"][-1]["val_nats"] < report["log"][0]["val_nats"] - 1.0
    cond = torch.tensor(report["pitch_check"]["requested"])
    drawn = model.generate_fast(2000, len(cond), cond=cond, temperature=1.0,
                                generator=torch.Generator().manual_seed(report["seed"]))
    pitches = [estimate_pitch(clip) for clip in AF.mu_law_decoding(drawn, 256)]
    hits = sum(nearest_note(p) == int(c) for p, c in zip(pitches, cond))
    assert abs(hits - report["pitch_check"]["hits"]) <= 1
    assert hits > 2                                   # chance is 2 of 16


def test_onset_share_starts_windows_at_the_first_sample():
    codes = torch.arange(100).repeat(6, 1)
    labels = torch.arange(6)
    all_onsets, _ = random_windows(codes, labels, 10, 50, torch.Generator().manual_seed(0), 1.0)
    assert torch.all(all_onsets[:, 0] == 0)
    anywhere, _ = random_windows(codes, labels, 10, 50, torch.Generator().manual_seed(0))
    assert anywhere.shape == (50, 11) and (anywhere[:, 0] > 0).any()
    assert torch.all(anywhere[:, 1:] - anywhere[:, :-1] == 1)       # contiguous windows
