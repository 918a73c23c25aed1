"""helpers/nn/segmentation.py and helpers/metrics_segmentation.py (chapter 16).

Our loops equal PyTorch's convolution and pooling, our scores equal torchmetrics', the models have
the documented sizes and accept odd inputs, v2 moves masks with images, and the pretrained
checkpoints reproduce the numbers their script logged (the chapter prints the same ones).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics.classification import MulticlassAccuracy, MulticlassJaccardIndex
from torchvision import tv_tensors
from torchvision.transforms import v2

from data_generation.scenes import make_dataset
from helpers.metrics_segmentation import (confusion_matrix, evaluate_segmentation, iou_per_class,
                                          mean_iou, pixel_accuracy, segmentation_scores)
from helpers.nn.segmentation import (MODEL_NAMES, LinkNetLite, NaiveConv2d, NaiveMaxPool2d,
                                     UNetLite, build_model, conv_output_size, load_pretrained,
                                     transposed_output_size)


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


# --- the hand-written oracles ---------------------------------------------------------------

@pytest.mark.parametrize("stride, padding", [(1, 0), (1, 2), (2, 2), (2, 0)])
def test_naive_convolution_equals_nn_conv2d(stride, padding):
    torch.manual_seed(0)
    naive = NaiveConv2d(3, 5, kernel_size=5, stride=stride, padding=padding)
    fast = nn.Conv2d(3, 5, kernel_size=5, stride=stride, padding=padding)
    with torch.no_grad():
        fast.weight.copy_(naive.weight)
        fast.bias.copy_(naive.bias)
    x = torch.randn(4, 3, 20, 20)
    ours, theirs = naive(x), fast(x)
    assert ours.shape == theirs.shape
    assert torch.allclose(ours, theirs, atol=1e-5)


@pytest.mark.parametrize("kernel, stride", [(2, None), (3, 2), (3, 1)])
def test_naive_max_pool_equals_nn_max_pool2d_exactly(kernel, stride):
    x = torch.randn(2, 4, 11, 11, generator=torch.Generator().manual_seed(1))
    assert torch.equal(NaiveMaxPool2d(kernel, stride)(x), nn.MaxPool2d(kernel, stride)(x))


def test_naive_convolution_gradients_match_too():
    torch.manual_seed(0)
    naive = NaiveConv2d(2, 3, kernel_size=3, padding=1)
    x = torch.randn(1, 2, 6, 6)
    naive(x).square().sum().backward()
    weight = naive.weight.detach().requires_grad_()
    F.conv2d(x, weight, naive.bias.detach(), padding=1).square().sum().backward()
    assert torch.allclose(naive.weight.grad, weight.grad, atol=1e-4)


def test_size_formulas_match_the_layers():
    for width in (5, 8, 13, 32):
        for kernel in (1, 2, 3, 5, 7):
            for padding in range(0, kernel // 2 + 1):
                for stride in (1, 2, 3):
                    if width + 2 * padding < kernel:
                        continue
                    conv = nn.Conv2d(1, 1, kernel, stride, padding)
                    assert conv(torch.zeros(1, 1, width, width)).shape[-1] == \
                        conv_output_size(width, kernel, padding, stride)
                    up = nn.ConvTranspose2d(1, 1, kernel, stride, padding)
                    assert up(torch.zeros(1, 1, width, width)).shape[-1] == \
                        transposed_output_size(width, kernel, padding, stride)


def test_transposed_convolution_needs_output_size_to_undo_an_even_size():
    up = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1)
    assert up(torch.zeros(1, 1, 4, 4)).shape[-2:] == (7, 7)
    assert up(torch.zeros(1, 1, 4, 4), output_size=(8, 8)).shape[-2:] == (8, 8)


# --- the loss ------------------------------------------------------------------------------

def test_dense_cross_entropy_equals_the_flattened_one_with_weights_and_void():
    torch.manual_seed(0)
    logits, target = torch.randn(2, 4, 5, 5), torch.randint(0, 4, (2, 5, 5))
    target[0, 0] = 255
    weight = torch.tensor([0.1, 1.0, 1.0, 2.0])
    dense = F.cross_entropy(logits, target, weight=weight, ignore_index=255)
    flat = F.cross_entropy(logits.permute(0, 2, 3, 1).reshape(-1, 4), target.reshape(-1),
                           weight=weight, ignore_index=255)
    assert torch.allclose(dense, flat)


# --- the metrics ---------------------------------------------------------------------------

TRUTH = torch.tensor([[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 0, 0], [2, 2, 0, 0]])
GUESS = torch.tensor([[0, 0, 1, 0], [0, 1, 1, 1], [2, 0, 0, 0], [2, 2, 0, 0]])


def test_the_chapters_toy_example():
    cm = confusion_matrix(GUESS, TRUTH, 3)
    assert cm.tolist() == [[7, 1, 0], [1, 3, 0], [1, 0, 3]]
    assert pixel_accuracy(cm) == pytest.approx(13 / 16)
    assert np.allclose(iou_per_class(cm), [0.7, 0.6, 0.75])
    assert mean_iou(cm) == pytest.approx(0.68333, abs=1e-5)


@pytest.mark.parametrize("seed", range(4))
def test_our_metrics_equal_torchmetrics(seed):
    g = torch.Generator().manual_seed(seed)
    n_classes = 5
    target = torch.randint(0, n_classes - 1, (3, 17, 19), generator=g)  # class 4 never in truth...
    pred = torch.where(torch.rand(target.shape, generator=g) < 0.6, target,
                       torch.randint(0, n_classes - 1, target.shape, generator=g))
    if seed % 2:
        pred[0, 0, 0] = 4  # ...but sometimes predicted: absent from the truth, IoU 0
    cm = confusion_matrix(pred, target, n_classes)
    theirs = MulticlassJaccardIndex(n_classes, average=None)(pred, target).numpy()
    ours = iou_per_class(cm)
    present = ~np.isnan(ours)
    assert np.allclose(ours[present], theirs[present], atol=1e-6)
    assert np.all(theirs[~present] == 0)
    assert mean_iou(cm) == pytest.approx(
        MulticlassJaccardIndex(n_classes, average="macro")(pred, target).item(), abs=1e-6)
    assert pixel_accuracy(cm) == pytest.approx(
        MulticlassAccuracy(n_classes, average="micro")(pred, target).item(), abs=1e-6)


def test_ignore_index_matches_torchmetrics():
    target = TRUTH.clone()
    target[0] = 255
    cm = confusion_matrix(GUESS, target, 3, ignore_index=255)
    assert cm.sum() == 12
    theirs = MulticlassJaccardIndex(3, average="macro", ignore_index=255)(GUESS, target).item()
    assert mean_iou(cm) == pytest.approx(theirs, abs=1e-6)


def test_metric_inputs_are_checked():
    with pytest.raises(TypeError):
        confusion_matrix(GUESS.numpy(), TRUTH, 3)
    with pytest.raises(ValueError, match="same shape"):
        confusion_matrix(torch.zeros(2, 4, 4, 4), TRUTH, 3)
    with pytest.raises(ValueError, match="labels must lie"):
        confusion_matrix(GUESS + 3, TRUTH, 3)
    with pytest.raises(ValueError):
        confusion_matrix(GUESS, TRUTH, 1)


# --- the models ----------------------------------------------------------------------------

def test_parameter_counts_and_the_twin_without_skips():
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    torch.manual_seed(42)
    add = LinkNetLite(skip="add")
    torch.manual_seed(42)
    none = LinkNetLite(skip="none")
    assert count(add) == count(none) == 718_100
    assert count(UNetLite()) == 121_204
    assert count(UNetLite(widths=(16, 32, 64, 128))) == 482_788
    x = torch.randn(2, 3, 64, 64)
    add.eval(), none.eval()
    assert not torch.allclose(add(x), none(x))  # same weights, only the additions differ


@pytest.mark.parametrize("side", [60, 64, 72, 100])
@pytest.mark.parametrize("name", ["noskip", "linknet", "unet"])
def test_our_models_keep_any_input_size(name, side):
    model = build_model(name).eval()
    with torch.no_grad():
        assert model(torch.zeros(1, 3, side, side)).shape == (1, 4, side, side)


def test_linknet_logits_can_be_negative():
    torch.manual_seed(0)
    out = LinkNetLite().eval()(torch.randn(1, 3, 32, 32))
    assert out.min() < 0  # the head is a bare convolution, not BN + ReLU


def test_model_arguments_are_checked():
    with pytest.raises(ValueError, match="skip"):
        LinkNetLite(skip="concat")
    with pytest.raises(TypeError):
        UNetLite(widths=16)
    with pytest.raises(ValueError):
        LinkNetLite(n_classes=1)
    with pytest.raises(ValueError, match="unknown model"):
        build_model("deeplab")
    with pytest.raises(ValueError, match="no checkpoint"):
        load_pretrained("deeplab")


def test_smp_peer_is_built_offline_with_our_size():
    peer = build_model("smp_linknet")
    assert sum(p.numel() for p in peer.parameters()) == 718_148
    with pytest.raises(RuntimeError, match="divisible by 8"):
        peer(torch.zeros(1, 3, 60, 60))


# --- augmentation --------------------------------------------------------------------------

def test_v2_moves_the_mask_with_the_image():
    images, masks = make_dataset(1, size=32, seed=3)
    image, mask = tv_tensors.Image(torch.from_numpy(images[0])), tv_tensors.Mask(torch.from_numpy(masks[0]))
    turned_image, turned_mask = v2.RandomRotation((90, 90))(image, mask)
    assert torch.equal(turned_mask, torch.rot90(mask, 1, dims=(0, 1)))
    assert torch.allclose(turned_image, torch.rot90(image, 1, dims=(1, 2)))
    torch.manual_seed(0)
    augment = v2.Compose([v2.RandomRotation(30, fill={tv_tensors.Image: 0.0, tv_tensors.Mask: 255}),
                          v2.RandomResizedCrop(32, scale=(0.5, 1.0))])
    _, out = augment(image, mask)
    assert set(out.unique().tolist()) <= {0, 1, 2, 3, 255}
    # a plain tensor in second place is passed through untouched
    _, plain = v2.RandomRotation((90, 90))(image, torch.from_numpy(masks[0]))
    assert torch.equal(plain, torch.from_numpy(masks[0]))


# --- the pretrained checkpoints ------------------------------------------------------------

#: Test mIoU logged by scripts/train_ch16_segmentation.py; the chapter prints the same values.
LOGGED_TEST_MIOU = {"noskip": 0.3251, "linknet": 0.5205, "unet": 0.5716, "smp_linknet": 0.6839}


@pytest.fixture(scope="module")
def test_scenes():
    images, masks = make_dataset(2000, size=64, seed=0)
    train = torch.from_numpy(images)
    mean, std = train.mean(dim=(0, 2, 3), keepdim=True), train.std(dim=(0, 2, 3), keepdim=True)
    images, masks = make_dataset(500, size=64, seed=2)
    return (torch.from_numpy(images) - mean) / std, torch.from_numpy(masks)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_checkpoints_reproduce_their_logged_test_scores(name, test_scenes):
    torch.set_num_threads(1)
    model, log = load_pretrained(name)
    scores = segmentation_scores(evaluate_segmentation(model, *test_scenes, n_classes=4))
    assert scores["miou"] == pytest.approx(log["test"]["miou"], abs=1e-6)
    assert round(scores["miou"], 4) == LOGGED_TEST_MIOU[name]
    assert scores["pixel_accuracy"] == pytest.approx(log["test"]["pixel_accuracy"], abs=1e-6)


def test_skips_make_the_difference():
    miou = {name: load_pretrained(name)[1]["test"]["miou"] for name in MODEL_NAMES}
    assert miou["linknet"] > miou["noskip"] + 0.15
    assert miou["unet"] > miou["linknet"]
