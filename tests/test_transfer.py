"""Tests for helpers/transfer.py: freezing, pre-processed datasets, the Inception loss, the building
blocks of chapter 7, and the chapter's figures."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402
from torchvision.models import inception_v3  # noqa: E402
from torchvision.ops import FrozenBatchNorm2d  # noqa: E402

from helpers.plots import chapter7 as plots  # noqa: E402
from helpers.nn.vision import (BasicConv2d, Dummy, DummyResidual, Inception,  # noqa: E402
                               ResidualBlock)
from helpers.transfer import (count_macs, freeze_batchnorm, freeze_model,  # noqa: E402
                              inception_loss, preprocessed_dataset, stratified_subset,
                              top_predictions)


def small_cnn() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.Sequential(nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4)),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.5), nn.Linear(4, 3))


def warm_up_bn(model: nn.Module) -> None:
    """Give the batch-norm layers non-trivial statistics and affine parameters."""
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(8, 3, 6, 6) * 3 + 1)
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-1, 1)


# ------------------------------------------------------------------------------------- freezing
def test_freeze_model_stops_every_parameter():
    model = small_cnn()
    assert all(p.requires_grad for p in model.parameters())
    assert freeze_model(model) is None
    assert not any(p.requires_grad for p in model.parameters())
    model[-1] = nn.Linear(4, 2)  # a new top is trainable again
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable == ["7.weight", "7.bias"]


def test_freeze_model_rejects_non_modules():
    with pytest.raises(TypeError, match="torch.nn.Module"):
        freeze_model([nn.Linear(1, 1)])


def test_frozen_parameters_do_not_freeze_batchnorm_statistics():
    model = small_cnn()
    freeze_model(model)
    before = model[1].running_mean.clone()
    model.train()
    with torch.no_grad():
        model(torch.randn(8, 3, 6, 6) + 5)
    assert not torch.equal(before, model[1].running_mean)  # the pitfall freeze_batchnorm fixes


def test_freeze_batchnorm_keeps_eval_outputs_and_statistics():
    model = small_cnn()
    warm_up_bn(model)
    x = torch.randn(5, 3, 6, 6)
    model.eval()
    with torch.no_grad():
        expected = model(x)
    assert freeze_batchnorm(model) == 2
    assert isinstance(model[1], FrozenBatchNorm2d) and isinstance(model[3][1], FrozenBatchNorm2d)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    stats = model[1].running_mean.clone()
    model.train()  # training mode no longer changes anything in the frozen layers
    with torch.no_grad():
        model[6].p = 0.0  # switch dropout off to compare outputs
        out_train = model(x)
        model(torch.randn(8, 3, 6, 6) + 5)
    assert torch.allclose(out_train, expected, atol=1e-5)
    assert torch.equal(stats, model[1].running_mean)


def test_freeze_batchnorm_errors():
    with pytest.raises(TypeError, match="contains it"):
        freeze_batchnorm(nn.BatchNorm2d(3))
    with pytest.raises(ValueError, match="track_running_stats"):
        freeze_batchnorm(nn.Sequential(nn.BatchNorm2d(3, track_running_stats=False)))
    with pytest.raises(TypeError):
        freeze_batchnorm("model")


# ------------------------------------------------------------------------- feature datasets
def test_preprocessed_dataset_matches_eval_outputs_in_order():
    model = small_cnn()
    warm_up_bn(model)
    model.train()
    x = torch.randn(20, 3, 6, 6)
    y = torch.arange(20) % 3
    loader = DataLoader(TensorDataset(x, y), batch_size=6)
    ds = preprocessed_dataset(model, loader)
    assert isinstance(ds, TensorDataset)
    feats, labels = ds.tensors
    assert feats.shape == (20, 3) and torch.equal(labels, y)
    assert model.training  # the mode is restored
    model.eval()
    with torch.no_grad():
        assert torch.allclose(feats, model(x), atol=1e-6)
    assert not feats.requires_grad and feats.device.type == "cpu"
    # twice gives the same features (dropout is off in evaluation mode)
    assert torch.equal(preprocessed_dataset(model, loader).tensors[0], feats)


def test_preprocessed_dataset_with_identity_top_and_explicit_device():
    model = small_cnn()
    model[-1] = nn.Identity()
    freeze_model(model)
    loader = DataLoader(TensorDataset(torch.randn(4, 3, 6, 6), torch.zeros(4).long()),
                        batch_size=3)
    feats = preprocessed_dataset(model, loader, device="cpu").tensors[0]
    assert feats.shape == (4, 4)
    # a model without parameters works too
    ds = preprocessed_dataset(nn.Flatten(), loader)
    assert ds.tensors[0].shape == (4, 108)


def test_preprocessed_dataset_saved_tensors_reload_with_weights_only(tmp_path):
    loader = DataLoader(TensorDataset(torch.randn(5, 3, 6, 6), torch.arange(5)), batch_size=2)
    ds = preprocessed_dataset(small_cnn(), loader)
    torch.save(ds.tensors, tmp_path / "feats.pth")
    x, y = torch.load(tmp_path / "feats.pth", weights_only=True)
    assert torch.equal(x, ds.tensors[0]) and torch.equal(y, ds.tensors[1])


def test_preprocessed_dataset_errors():
    empty = DataLoader(TensorDataset(torch.zeros(0, 3, 6, 6), torch.zeros(0)), batch_size=2)
    with pytest.raises(ValueError, match="no mini-batches"):
        preprocessed_dataset(small_cnn(), empty)
    with pytest.raises(TypeError, match="loader"):
        preprocessed_dataset(small_cnn(), 42)
    with pytest.raises(TypeError, match="Module"):
        preprocessed_dataset(lambda x: x, empty)


# --------------------------------------------------------------------------- inception loss
def test_inception_loss_adds_weighted_auxiliary_loss():
    torch.manual_seed(1)
    main, aux = torch.randn(6, 3), torch.randn(6, 3)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    expected = F.cross_entropy(main, y) + 0.4 * F.cross_entropy(aux, y)
    assert torch.allclose(inception_loss((main, aux), y), expected)
    assert torch.allclose(inception_loss([main, aux], y, aux_weight=0.3),
                          F.cross_entropy(main, y) + 0.3 * F.cross_entropy(aux, y))
    # a single output (evaluation mode) has no auxiliary loss
    assert torch.allclose(inception_loss(main, y), F.cross_entropy(main, y))


def test_inception_loss_with_torchvision_inception_outputs():
    torch.manual_seed(2)
    model = inception_v3(weights=None, aux_logits=True, init_weights=False)
    freeze_model(model)
    model.AuxLogits.fc = nn.Linear(768, 3)
    model.fc = nn.Linear(2048, 3)
    model.train()
    x, y = torch.randn(2, 3, 299, 299), torch.tensor([0, 2])
    outputs = model(x)
    loss = inception_loss(outputs, y)
    main, aux = outputs
    assert torch.allclose(loss, F.cross_entropy(main, y) + 0.4 * F.cross_entropy(aux, y))
    loss.backward()
    assert model.fc.weight.grad is not None and model.AuxLogits.fc.weight.grad is not None


def test_inception_loss_rejects_other_outputs():
    y = torch.tensor([0])
    with pytest.raises(TypeError, match="main, aux"):
        inception_loss((torch.randn(1, 3),) * 3, y)
    with pytest.raises(TypeError):
        inception_loss({"main": torch.randn(1, 3)}, y)


# ------------------------------------------------------------------------------------ subsets
class LabelledList(torch.utils.data.Dataset):
    def __init__(self, targets):
        self.targets = list(targets)

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        return i, self.targets[i]


def test_stratified_subset_is_balanced_and_seeded():
    ds = LabelledList([0] * 10 + [1] * 7 + [2] * 12)
    sub = stratified_subset(ds, 5, seed=3)
    labels = [ds.targets[i] for i in sub.indices]
    assert [labels.count(c) for c in range(3)] == [5, 5, 5]
    assert sub.indices == sorted(sub.indices) and len(set(sub.indices)) == 15
    assert stratified_subset(ds, 5, seed=3).indices == sub.indices
    assert stratified_subset(ds, 5, seed=4).indices != sub.indices


def test_stratified_subset_errors():
    ds = LabelledList([0, 0, 1])
    with pytest.raises(ValueError, match="fewer than"):
        stratified_subset(ds, 2)
    with pytest.raises(ValueError, match="at least 1"):
        stratified_subset(ds, 0)
    with pytest.raises(TypeError, match="targets"):
        stratified_subset(TensorDataset(torch.zeros(3)), 1)


# ------------------------------------------------------------------------- predictions, MACs
def test_top_predictions_sorted_and_named():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 4))
    names = ["a", "b", "c", "d"]
    preds = top_predictions(model, torch.randn(3, 3, 2, 2), names, k=2)
    assert len(preds) == 3 and all(len(p) == 2 for p in preds)
    for row in preds:
        assert row[0][1] >= row[1][1] and row[0][0] in names
    with pytest.raises(ValueError, match="logits"):
        top_predictions(model, torch.randn(1, 3, 2, 2), names[:3])
    with pytest.raises(ValueError, match="N, C, H, W"):
        top_predictions(model, torch.randn(3, 2, 2), names)


def test_count_macs_by_hand():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(8, 8, 3, padding=1, groups=8),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))
    expected = 8 * 10 * 10 * 3 * 9 + 8 * 10 * 10 * 1 * 9 + 8 * 5
    assert count_macs(model, image_size=10) == expected
    with pytest.raises(ValueError):
        count_macs(model, image_size=0)


# --------------------------------------------------------------------------- building blocks
def test_inception_module_shapes_and_parameters():
    module = Inception(in_channels=3)
    out = module(torch.randn(1, 3, 30, 30))
    assert out.shape == (1, 10, 30, 30)
    assert sum(p.numel() for p in module.parameters()) == 8 + 8 + 153 + 8 + 57 + 8
    with pytest.raises(ValueError):
        Inception(0)


def test_inception_branches_are_stacked_in_order():
    torch.manual_seed(0)
    module = Inception(in_channels=3)
    x = torch.randn(2, 3, 9, 9)
    widths = [branch(x).shape[1] for branch in module.branches]
    assert widths == [2, 3, 3, 2]
    # the output is the branches' outputs side by side, in the order of the list
    assert torch.equal(module(x), torch.cat([branch(x) for branch in module.branches], dim=1))


def test_basic_conv2d():
    block = BasicConv2d(3, 5, kernel_size=3, padding=1)
    assert block.conv.bias is None and block.bn.eps == 0.001
    out = block(torch.randn(2, 3, 8, 8))
    assert out.shape == (2, 5, 8, 8) and out.min() >= 0
    block.eval()
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        assert torch.equal(block(x), torch.relu(block.bn(block.conv(x))))


def test_dummy_residual_can_output_its_input():
    x = torch.linspace(-2, 2, 9).view(-1, 1)
    model = DummyResidual()
    with torch.no_grad():
        model.linear.weight.fill_(0.1)
        model.linear.bias.fill_(-1.0)  # the ReLU path is off for every x < 10
    assert torch.allclose(model(x), x)
    plain = Dummy()
    with torch.no_grad():
        plain.linear.weight.fill_(1.0)
        plain.linear.bias.fill_(0.0)
    assert torch.equal(plain(x), x.clamp(min=0))  # without the shortcut negatives are lost


@pytest.mark.parametrize("c_in, c_out, stride, shape", [
    (3, 3, 1, (2, 3, 12, 12)),
    (3, 8, 1, (2, 8, 12, 12)),
    (4, 4, 2, (2, 4, 6, 6)),   # same channels, stride 2: the shortcut must downsample too
    (4, 8, 2, (2, 8, 6, 6)),
])
def test_residual_block_shapes(c_in, c_out, stride, shape):
    block = ResidualBlock(c_in, c_out, stride=stride)
    assert block(torch.randn(2, c_in, 12, 12)).shape == shape
    assert (block.downsample is None) == (stride == 1 and c_in == c_out)
    if block.downsample is not None:
        assert block.downsample.stride == (stride, stride)


def test_residual_block_adds_the_identity():
    torch.manual_seed(3)
    x = torch.randn(2, 3, 8, 8)
    with_skip = ResidualBlock(3, 3)
    without = ResidualBlock(3, 3, skip=False)
    without.load_state_dict(with_skip.state_dict())
    with_skip.eval()
    without.eval()
    with torch.no_grad():
        inner = with_skip.residual(x)
        assert torch.allclose(with_skip(x), torch.relu(inner + x))
        assert torch.allclose(without(x), torch.relu(inner))
    # the weighted path: conv3x3 -> BN -> ReLU -> conv3x3 -> BN, the convolutions without biases
    convs = [m for m in with_skip.residual if isinstance(m, torch.nn.Conv2d)]
    assert [c.kernel_size for c in convs] == [(3, 3), (3, 3)]
    assert all(c.bias is None for c in convs)


def test_residual_block_errors():
    with pytest.raises(ValueError, match="stride"):
        ResidualBlock(3, 3, stride=0)
    with pytest.raises(TypeError, match="out_channels"):
        ResidualBlock(3, 1.5)
    with pytest.raises(TypeError, match="skip"):
        ResidualBlock(3, 3, skip="yes")


# ----------------------------------------------------------------------------------- figures
def test_chapter7_figures_return_figures():
    img = torch.rand(3, 16, 16)
    figs = [
        plots.plot_architectures(highlight="AlexNet"),
        plots.plot_photo_predictions([np.zeros((8, 8, 3), np.uint8)], [[("cat", 0.5)]]),
        plots.plot_channels_and_filters(img, torch.rand(2, 16, 16), torch.ones(2, 3, 1, 1)),
        plots.plot_grayscale_comparison(torch.rand(1, 16, 16), np.zeros((16, 16))),
        plots.plot_inception_module(),
        plots.plot_before_batchnorm(torch.randn(64, 2)),
        plots.plot_after_batchnorm(torch.randn(64, 2), torch.randn(64, 2)),
        plots.plot_residual_block(),
        plots.plot_skip_comparison(img, img * 2, img - 1),
        plots.plot_accuracy_summary({"a": 0.5, "b": 0.9}),
    ]
    for fig in figs:
        assert isinstance(fig, matplotlib.figure.Figure)
        plt.close(fig)


def test_chapter7_figures_validate_input():
    with pytest.raises(ValueError):
        plots.plot_photo_predictions([], [])
    with pytest.raises(ValueError):
        plots.plot_before_batchnorm(torch.randn(4, 2, 2))
    with pytest.raises(ValueError):
        plots.plot_after_batchnorm(torch.randn(4, 2), torch.randn(5, 2))
    with pytest.raises(ValueError):
        plots.plot_accuracy_summary({})
    with pytest.raises(ValueError):
        plots.plot_channels_and_filters(torch.rand(1, 4, 4), torch.rand(2, 4, 4),
                                        torch.ones(2, 3, 1, 1))
