"""helpers.nn.generative: autoencoders, GAN steps, the CycleGAN pair and the judge."""
import json
import math
from pathlib import Path

import pytest
import torch
from torch import nn

from helpers.nn.generative import (AutoEncoder, FashionJudge, FirstOutput, PatchDiscriminator,
                                   ResnetGenerator, conv_autoencoder, cyclegan_step,
                                   dc_discriminator, dc_generator, dense_autoencoder,
                                   discriminator_step, generator_step, mlp_discriminator,
                                   mlp_generator, reconstruction_errors, ring_discriminator,
                                   ring_generator, train_gan)


#: the share of translations whose class the judge still recognises (see chapter 14)
CLASS_KEPT_THRESHOLD = 0.75


def count(model):
    return sum(p.numel() for p in model.parameters())


def images(n=4, seed=0):
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed)) * 2 - 1


@pytest.mark.parametrize("build, size", [(dense_autoencoder, 417_068), (conv_autoencoder, 98_973)])
def test_autoencoders_return_reconstruction_and_code_in_the_data_range(build, size):
    torch.manual_seed(0)
    model = build()
    assert count(model) == size
    rebuilt, code = model(images())
    assert rebuilt.shape == (4, 1, 28, 28) and code.shape == (4, 28)
    assert rebuilt.abs().max() <= 1 and code.abs().max() <= 1      # tanh on both ends
    assert torch.equal(model.decoder(code), rebuilt)              # the decoder runs alone


def test_transposed_convolutions_follow_the_size_formula():
    decoder = conv_autoencoder().decoder
    x = torch.zeros(1, 28)
    sizes = []
    for layer in decoder:
        x = layer(x)
        if isinstance(layer, nn.ConvTranspose2d):
            sizes.append(x.shape[-1])
    # (in - 1) * stride - 2 * padding + kernel + output_padding
    assert sizes == [(7 - 1) * 2 - 2 + 3 + 1, (14 - 1) * 2 - 2 + 3 + 1] == [14, 28]


def test_first_output_scores_the_first_element_only():
    loss = FirstOutput(nn.MSELoss())
    target = torch.ones(3)
    assert loss((torch.zeros(3), torch.full((3,), 99.0)), target).item() == 1.0
    with pytest.raises(TypeError):
        loss(torch.zeros(3), target)
    with pytest.raises(TypeError):
        FirstOutput(nn.MSELoss)


def test_reconstruction_errors_match_a_direct_computation_and_restore_the_mode():
    torch.manual_seed(0)
    model = dense_autoencoder()
    x = images(7)
    errors = reconstruction_errors(model, x, batch_size=3)
    with torch.no_grad():
        expected = ((model(x)[0] - x) ** 2).mean(dim=(1, 2, 3))
    assert torch.allclose(errors, expected, atol=1e-6) and model.training
    with pytest.raises(ValueError):
        reconstruction_errors(model, x, inputs=x[:3])


def test_autoencoder_needs_modules():
    with pytest.raises(TypeError):
        AutoEncoder(lambda x: x, nn.Identity())


@pytest.mark.parametrize("g, d, noise, sizes", [
    (mlp_generator, mlp_discriminator, 64, (550_416, 533_505)),
    (dc_generator, dc_discriminator, 64, (240_321, 36_577)),
    (ring_generator, ring_discriminator, 2, (17_154, 17_025))])
def test_players_shapes_and_sizes(g, d, noise, sizes):
    torch.manual_seed(0)
    generator, discriminator = g(), d()
    assert (count(generator), count(discriminator)) == sizes
    fake = generator(torch.randn(5, noise))
    assert discriminator(fake).shape == (5, 1)


def snapshot(model):
    return [p.detach().clone() for p in model.parameters()]


def same(before, model):
    return all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_a_discriminator_step_leaves_the_generator_alone_and_vice_versa():
    torch.manual_seed(0)
    generator, discriminator = ring_generator(), ring_discriminator()
    g_opt = torch.optim.Adam(generator.parameters(), 1e-3)
    d_opt = torch.optim.Adam(discriminator.parameters(), 1e-3)
    real, noise = torch.randn(16, 2), torch.randn(16, 2)
    g_before, d_before = snapshot(generator), snapshot(discriminator)
    discriminator_step(discriminator, d_opt, real, generator(noise))
    assert same(g_before, generator) and not same(d_before, discriminator)
    d_before = snapshot(discriminator)
    generator_step(discriminator, g_opt, generator(noise))
    assert not same(g_before, generator) and same(d_before, discriminator)


def test_losses_at_the_point_where_the_discriminator_says_one_half():
    discriminator = nn.Sequential(nn.Flatten(), nn.Linear(2, 1))
    nn.init.zeros_(discriminator[1].weight)
    nn.init.zeros_(discriminator[1].bias)
    d_opt = torch.optim.SGD(discriminator.parameters(), lr=0.0)
    parts = discriminator_step(discriminator, d_opt, torch.randn(8, 2), torch.randn(8, 2))
    assert parts["loss_d"] == pytest.approx(2 * math.log(2), abs=1e-6)
    assert parts["d_real"] == parts["d_fake"] == 0.5
    fake = torch.randn(8, 2, requires_grad=True)
    g_opt = torch.optim.SGD([fake], lr=0.0)
    assert generator_step(discriminator, g_opt, fake)["loss_g"] == pytest.approx(math.log(2))


def test_train_gan_logs_every_round_and_takes_snapshots():
    torch.manual_seed(0)
    generator, discriminator = ring_generator(hidden=8), ring_discriminator(hidden=8)
    g_opt = torch.optim.Adam(generator.parameters(), 1e-3)
    d_opt = torch.optim.Adam(discriminator.parameters(), 1e-3)
    log = train_gan(generator, discriminator, g_opt, d_opt, lambda: torch.randn(8, 2),
                    lambda n: torch.randn(n, 2), 6, g_steps=2, snapshot_noise=torch.zeros(3, 2),
                    snapshot_every=3, progress=False)
    assert all(len(log[k]) == 6 for k in ("loss_d", "loss_g", "d_real", "d_fake"))
    assert [r for r, _ in log["snapshots"]] == [3, 6]
    assert log["snapshots"][0][1].shape == (3, 2)
    with pytest.raises(ValueError):
        train_gan(generator, discriminator, g_opt, d_opt, lambda: torch.randn(8, 2),
                  lambda n: torch.randn(n, 2), 2, snapshot_every=1, progress=False)


def test_resnet_generator_sizes_and_the_full_cyclegan_count():
    assert count(ResnetGenerator(3, 64, 9)) == 11_378_179
    small = ResnetGenerator(1, 8, 2)
    out = small(images(2))
    assert out.shape == (2, 1, 28, 28) and out.abs().max() <= 1
    assert PatchDiscriminator(1, 16)(images(2)).shape == (2, 1, 7, 7)


def test_instance_norm_ignores_batch_mates_and_batch_norm_does_not():
    x = images(4)
    other = torch.cat([x[:1], images(3, seed=1)])
    inorm, bnorm = nn.InstanceNorm2d(1), nn.BatchNorm2d(1)
    assert torch.allclose(inorm(x)[0], inorm(other)[0], atol=1e-6)
    assert not torch.allclose(bnorm(x)[0], bnorm(other)[0], atol=1e-3)


def test_cyclegan_step_returns_its_parts_and_the_cycle_weight_matters():
    def run(lambda_cycle):
        torch.manual_seed(0)
        g_ab, g_ba = ResnetGenerator(1, 4, 1), ResnetGenerator(1, 4, 1)
        d_a, d_b = PatchDiscriminator(1, 4), PatchDiscriminator(1, 4)
        g_opt = torch.optim.Adam([*g_ab.parameters(), *g_ba.parameters()], 1e-2)
        d_opt = torch.optim.Adam([*d_a.parameters(), *d_b.parameters()], 1e-2)
        parts = [cyclegan_step(g_ab, g_ba, d_a, d_b, g_opt, d_opt, images(4), images(4, 1),
                               lambda_cycle=lambda_cycle, lambda_identity=0.5)
                 for _ in range(5)]
        return parts
    with_cycle, without = run(10.0), run(0.0)
    assert set(with_cycle[0]) == {"adversarial", "cycle", "identity", "loss_d"}
    assert with_cycle[0]["cycle"] == without[0]["cycle"]          # same start
    assert with_cycle[-1]["cycle"] < without[-1]["cycle"]         # the cycle term pulls it down
    with pytest.raises(ValueError):
        run(-1.0)


def test_judge_heads():
    judge = FashionJudge()
    items, stripes = judge(images(3))
    assert items.shape == (3, 10) and stripes.shape == (3,)
    assert judge.features(images(3)).shape == (3, 64)
    assert count(judge) == 105_931


# ------------------------------------------------------------------ chapter 14's checkpoints
CHECKPOINTS = Path(__file__).resolve().parents[2] / "checkpoints" / "ch14"


def load(name):
    from safetensors.torch import load_file
    return load_file(str(CHECKPOINTS / name))


def test_dcgan_checkpoint_reproduces_the_mean_pixel_in_its_log():
    log = json.loads((CHECKPOINTS / "dcgan.json").read_text())
    generator = dc_generator(log["noise"], log["width"])
    generator.load_state_dict(load("dcgan_generator.safetensors"))
    generator.eval()
    with torch.no_grad():
        samples = generator(torch.randn(64, log["noise"], generator=torch.Generator().manual_seed(1)))
    assert samples.mean().item() == pytest.approx(log["mean_pixel_64_seed1"], abs=1e-3)
    history = load("dcgan_history.safetensors")["history"]
    assert history.shape == (log["epochs"] + 1, 16, 1, 28, 28) and history.dtype == torch.uint8


@pytest.fixture(scope="module")
def fashion_test(tmp_path_factory):
    from data_generation.fashion_mnist import fashion_mnist
    dataset = fashion_mnist(tmp_path_factory.mktemp("fashion"), train=False)
    return dataset.data[:1000].float().div(127.5).sub(1).unsqueeze(1), dataset.targets[:1000]


def test_judge_and_cyclegan_keep_the_class_above_the_chapter_threshold(fashion_test):
    from data_generation.stripes import make_striped
    images, labels = fashion_test
    judge = FashionJudge()
    judge.load_state_dict(load("judge.safetensors"))
    log = json.loads((CHECKPOINTS / "cyclegan.json").read_text())
    weights = load("cyclegan.safetensors")
    g_ab, g_ba = ResnetGenerator(1, log["width"], log["blocks"]), ResnetGenerator(1, log["width"], log["blocks"])
    for name, model in (("g_ab", g_ab), ("g_ba", g_ba)):
        model.load_state_dict({k[len(name) + 1:]: v for k, v in weights.items() if k.startswith(name)})
    striped = make_striped((images + 1) / 2, seed=7) * 2 - 1
    with torch.no_grad():
        for model in (judge, g_ab, g_ba):
            model.eval()
        plain_items, plain_stripes = judge(images)
        assert (plain_items.argmax(1) == labels).float().mean() > 0.8       # the judge works
        assert (plain_stripes < 0).float().mean() > 0.95
        for translated, want_striped in ((g_ab(images), True), (g_ba(striped), False)):
            items, stripes = judge(translated)
            kept = (items.argmax(1) == labels).float().mean().item()
            changed = ((stripes > 0) == want_striped).float().mean().item()
            assert kept >= CLASS_KEPT_THRESHOLD and changed >= 0.8, (kept, changed)
