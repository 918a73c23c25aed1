"""Transfer-learning helpers and the building blocks of chapter 7.

Helpers for using a pretrained model:

* :func:`freeze_model` (helper #6): no parameter of the model gets updated any more;
* :func:`freeze_batchnorm`: swap every ``BatchNorm2d`` for Torchvision's ``FrozenBatchNorm2d``, so
  the running statistics stay what they were, even in training mode;
* :func:`preprocessed_dataset` (helper #7): run a (frozen) model once over a loader and keep its
  outputs as a ``TensorDataset`` of features;
* :func:`inception_loss` (helper #8): cross-entropy of the main logits plus 0.4 times that of the
  auxiliary logits;
* :func:`stratified_subset`: the same number of random images from every class;
* :func:`top_predictions`: the k most likely class names for every image of a batch;
* :func:`count_macs`: how many multiply-adds the convolutions and linear layers of a model
  perform for one image;
* :func:`train_with_side_head`: train a model with an auxiliary classifier and keep both losses.

The modules the chapter shows (``BasicConv2d``, ``Inception``, ``TinyInceptionNet``, ``Dummy``,
``DummyResidual``, ``ResidualBlock``) live in :mod:`helpers.nn.vision`.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Subset, TensorDataset
from torchvision.ops import FrozenBatchNorm2d

from helpers.checks import check_int

__all__ = ["freeze_model", "freeze_batchnorm", "preprocessed_dataset", "inception_loss",
           "stratified_subset", "top_predictions", "count_macs", "train_with_side_head"]


def _check_module(model) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    return model


# --------------------------------------------------------------------------------------------------
# Using a pretrained model
# --------------------------------------------------------------------------------------------------
def freeze_model(model: nn.Module) -> None:
    """Set ``requires_grad=False`` on every parameter of ``model``, so none gets updated.

    Buffers (e.g. batch norm's running statistics) are not parameters: see
    :func:`freeze_batchnorm`.
    """
    for parameter in _check_module(model).parameters():
        parameter.requires_grad = False


def freeze_batchnorm(model: nn.Module) -> int:
    """Replace every ``nn.BatchNorm2d`` in ``model`` by an equivalent ``FrozenBatchNorm2d``.

    A frozen batch norm always uses the stored (running) statistics and never updates them,
    whatever ``model.train()`` says: the layer behaves as the pretrained one does in evaluation
    mode. Returns how many layers were replaced.
    """
    _check_module(model)
    if isinstance(model, nn.BatchNorm2d):
        raise TypeError("model is itself a BatchNorm2d layer: call freeze_batchnorm on the "
                        "module that contains it.")
    replaced = 0
    for name, child in list(model.named_children()):
        if isinstance(child, nn.BatchNorm2d):
            if not child.track_running_stats or child.running_mean is None:
                raise ValueError(f"{name!r} keeps no running statistics, so there is nothing to "
                                 "freeze (built with track_running_stats=False).")
            frozen = FrozenBatchNorm2d(child.num_features, eps=child.eps)
            with torch.no_grad():
                if child.affine:
                    frozen.weight.copy_(child.weight)
                    frozen.bias.copy_(child.bias)
                frozen.running_mean.copy_(child.running_mean)
                frozen.running_var.copy_(child.running_var)
            setattr(model, name, frozen.to(child.running_mean.device))
            replaced += 1
        else:
            replaced += freeze_batchnorm(child)
    return replaced


def _model_device(model: nn.Module) -> torch.device:
    for tensor in model.parameters():
        return tensor.device
    for tensor in model.buffers():
        return tensor.device
    return torch.device("cpu")


def preprocessed_dataset(model: nn.Module, loader, device=None) -> TensorDataset:
    """Run ``model`` in evaluation mode over every mini-batch of ``loader`` and keep the outputs.

    Returns a ``TensorDataset`` of (outputs, labels), both on the CPU, in the loader's order.
    ``device`` defaults to the device of the model's parameters. The model's training mode is
    restored afterwards. Only use it without data augmentation: the features are computed once.
    """
    _check_module(model)
    if not hasattr(loader, "__iter__"):
        raise TypeError("loader must be an iterable of (images, labels) mini-batches, such as a "
                        f"DataLoader; got {type(loader).__name__}.")
    device = _model_device(model) if device is None else torch.device(device)
    was_training = model.training
    features, labels = [], []
    model.eval()
    try:
        with torch.no_grad():
            for x, y in loader:
                features.append(model(x.to(device)).detach().cpu())
                labels.append(torch.as_tensor(y).cpu())
    finally:
        model.train(was_training)
    if not features:
        raise ValueError("The loader yielded no mini-batches; is the dataset empty?")
    return TensorDataset(torch.cat(features), torch.cat(labels))


def inception_loss(outputs, labels: torch.Tensor, aux_weight: float = 0.4) -> torch.Tensor:
    """Cross-entropy of the main logits + ``aux_weight`` x cross-entropy of the auxiliary ones.

    ``outputs`` is what an Inception model returns: a pair ``(main, aux)`` in training mode (e.g.
    Torchvision's ``InceptionOutputs``), or a single tensor of logits in evaluation mode, which
    counts as the main output with no auxiliary loss.
    """
    if isinstance(outputs, torch.Tensor):
        main, aux = outputs, None
    elif isinstance(outputs, (tuple, list)) and len(outputs) == 2:
        main, aux = outputs
    else:
        raise TypeError("outputs must be a tensor of logits or a (main, aux) pair of them, got "
                        f"{type(outputs).__name__}.")
    loss = F.cross_entropy(main, labels)
    if aux is not None:
        loss = loss + aux_weight * F.cross_entropy(aux, labels)
    return loss


def stratified_subset(dataset, n_per_class: int, seed: int = 42) -> Subset:
    """A ``Subset`` with ``n_per_class`` random items of every class, in the dataset's order.

    Works with any dataset that has a ``targets`` list (``ImageFolder`` has one).
    """
    targets = getattr(dataset, "targets", None)
    if targets is None:
        raise TypeError("dataset must have a 'targets' attribute (one label per item), "
                        "like torchvision's ImageFolder.")
    n_per_class = check_int("n_per_class", n_per_class)
    targets = np.asarray(targets)
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(targets):
        idx = np.flatnonzero(targets == label)
        if len(idx) < n_per_class:
            raise ValueError(f"class {label} has only {len(idx)} items, fewer than "
                             f"n_per_class={n_per_class}.")
        chosen.append(rng.choice(idx, size=n_per_class, replace=False))
    return Subset(dataset, sorted(int(i) for i in np.concatenate(chosen)))


def top_predictions(model: nn.Module, images: torch.Tensor, categories: Sequence[str],
                    k: int = 3) -> list[list[tuple[str, float]]]:
    """The ``k`` most likely (class name, probability) pairs for every image of a batch."""
    _check_module(model)
    k = check_int("k", k)
    if not isinstance(images, torch.Tensor) or images.ndim != 4:
        raise ValueError("images must be a (N, C, H, W) tensor, e.g. img.unsqueeze(0) for one.")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            logits = model(images.to(_model_device(model)))
    finally:
        model.train(was_training)
    if logits.shape[1] != len(categories):
        raise ValueError(f"the model gives {logits.shape[1]} logits but there are "
                         f"{len(categories)} category names.")
    probs, idx = torch.softmax(logits, dim=1).topk(k, dim=1)
    return [[(categories[i], float(p)) for p, i in zip(row_p.tolist(), row_i.tolist())]
            for row_p, row_i in zip(probs, idx)]


def count_macs(model: nn.Module, image_size: int = 224, in_channels: int = 3) -> int:
    """Multiply-adds of every ``Conv2d`` and ``Linear`` layer for one ``image_size`` image.

    A convolution does (input channels per group x kernel height x kernel width) multiply-adds
    for every value of its output; a linear layer does in_features x out_features. Other layers
    (batch norm, activations, pooling, additions) are cheap and not counted, as is customary.
    """
    _check_module(model)
    image_size = check_int("image_size", image_size)
    in_channels = check_int("in_channels", in_channels)
    total = []

    def conv_hook(layer, inputs, output):
        kh, kw = layer.kernel_size
        total.append(output.numel() * (layer.in_channels // layer.groups) * kh * kw)

    def linear_hook(layer, inputs, output):
        total.append(output.numel() * layer.in_features)

    handles = []
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            handles.append(module.register_forward_hook(conv_hook))
        elif isinstance(module, nn.Linear):
            handles.append(module.register_forward_hook(linear_hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, in_channels, image_size, image_size,
                              device=_model_device(model)))
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return int(sum(total))


def train_with_side_head(model: nn.Module, optimizer: torch.optim.Optimizer, train_loader,
                         n_epochs: int, aux_weight: float = 0.4) -> dict[str, list[float]]:
    """Train a model whose training-mode output is ``(main, aux)`` logits with
    :func:`inception_loss`, and return the per-epoch means of the main, auxiliary and total losses.

    The means are over the training images of each epoch, so ``total = main + aux_weight * aux``
    holds for every epoch, not only for every mini-batch.
    """
    model = _check_module(model)
    n_epochs = check_int("n_epochs", n_epochs)
    device = _model_device(model)
    history = {"main": [], "aux": [], "total": []}
    for _ in range(n_epochs):
        model.train()
        sums, n_seen = {"main": 0.0, "aux": 0.0, "total": 0.0}, 0
        for images, labels in train_loader:
            images, labels = images.to(device), labels.to(device)
            main, aux = model(images)
            loss = inception_loss((main, aux), labels, aux_weight=aux_weight)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            n = len(labels)
            with torch.no_grad():
                sums["main"] += F.cross_entropy(main, labels).item() * n
                sums["aux"] += F.cross_entropy(aux, labels).item() * n
            sums["total"] += loss.item() * n
            n_seen += n
        for key, value in sums.items():
            history[key].append(value / n_seen)
    return history
