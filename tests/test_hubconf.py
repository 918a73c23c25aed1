"""hub/hubconf.py: a local torch.hub repository whose entry points build the book's trained nets."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from helpers.efficientnet_lite import EfficientNetLite0, efficientnet_lite0
from helpers.nn.fashion import load_fashion_fc

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "hub"


def test_hub_load_equals_a_direct_build():
    model = torch.hub.load(str(HUB), "efficientnet_lite0", source="local")
    assert isinstance(model, EfficientNetLite0) and not model.training
    direct = efficientnet_lite0(weights="imagenet").eval()
    for (name, a), (_, b) in zip(model.state_dict().items(), direct.state_dict().items()):
        assert torch.equal(a, b), name
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(model(x), direct(x))


def test_random_weights_and_arguments():
    random_model = torch.hub.load(str(HUB), "efficientnet_lite0", source="local",
                                  pretrained=False, num_classes=3)
    assert random_model.classifier[1].out_features == 3 and random_model.training
    with pytest.raises(TypeError, match="True or False"):
        torch.hub.load(str(HUB), "efficientnet_lite0", source="local", pretrained="yes")


@pytest.mark.parametrize("entry, file, deep", [("fashion_fc", "fashion_fc.safetensors", False),
                                               ("fashion_fc_deep", "fashion_fc_deep.safetensors",
                                                True)])
def test_fashion_entries_load_chapter_13s_checkpoints(entry, file, deep):
    model = torch.hub.load(str(HUB), entry, source="local")
    direct = load_fashion_fc(ROOT / "checkpoints" / "ch13" / file, deep=deep)
    assert not model.training
    for (name, a), (_, b) in zip(model.state_dict().items(), direct.state_dict().items()):
        assert torch.equal(a, b), name
    fresh = torch.hub.load(str(HUB), entry, source="local", pretrained=False)
    assert fresh.training and not torch.equal(fresh[1].weight, model[1].weight)
    with pytest.raises(TypeError, match="True or False"):
        torch.hub.load(str(HUB), entry, source="local", pretrained=1)


def test_the_file_declares_its_dependencies():
    namespace = {"__file__": str(HUB / "hubconf.py")}
    exec(compile((HUB / "hubconf.py").read_text(), "hubconf.py", "exec"), namespace)
    assert namespace["dependencies"] == ["torch", "torchvision"]
    entries = [n for n, f in namespace.items() if callable(f) and not n.startswith("_")]
    assert entries == ["efficientnet_lite0", "fashion_fc", "fashion_fc_deep"]
