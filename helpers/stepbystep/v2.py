"""StepByStep v2 (chapter 5): looking inside the model, and counting correct predictions.

Adds to v1:
- ``visualize_filters``: the weights of a convolutional layer as a grid of images;
- ``attach_hooks`` / ``remove_hooks``: capture the outputs of named layers during forward passes;
- ``visualize_outputs``: the captured feature maps as a grid of images;
- ``correct``: correct predictions per class for a mini-batch;
- ``loader_apply`` (static): apply a function to every mini-batch of a loader and reduce.
"""
from __future__ import annotations

from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from helpers.stepbystep.v1 import StepByStep as StepByStepV1

__all__ = ["StepByStep"]


class StepByStep(StepByStepV1):
    """v1 plus hooks, filter/feature-map figures, ``correct`` and ``loader_apply``."""

    def __init__(self, model: nn.Module, loss_fn: Callable, optimizer: torch.optim.Optimizer):
        super().__init__(model, loss_fn, optimizer)
        self.visualization: dict[str, np.ndarray | None] = {}
        self.handles: dict[str, torch.utils.hooks.RemovableHandle] = {}

    # --------------------------------------------------------------- helpers
    def _get_layer(self, layer_name: str) -> nn.Module:
        """Find a layer by its dotted name (e.g. ``'conv1'`` or ``'features.0'``)."""
        layer = self.model
        for part in layer_name.split("."):
            try:
                layer = getattr(layer, part)
            except AttributeError:
                names = [n for n, _ in self.model.named_modules() if n]
                raise ValueError(f"The model has no layer named {layer_name!r}; "
                                 f"its layers are: {names}.") from None
        return layer

    def _resolve_layers(self, layers_to_hook: str | Sequence[str]) -> tuple[list[str], dict]:
        """Return the layer names as a list and every named module, refusing unknown names."""
        if isinstance(layers_to_hook, str):
            layers_to_hook = [layers_to_hook]
        modules = dict(self.model.named_modules())
        missing = [name for name in layers_to_hook if name not in modules]
        if missing:
            names = [n for n in modules if n]
            raise ValueError(f"No layer named {missing} in the model; its layers are: {names}.")
        return list(layers_to_hook), modules

    @staticmethod
    def _visualize_tensors(axs, x: np.ndarray, y=None, yhat=None, layer_name: str = "",
                           title: str | None = None) -> None:
        """Draw the first ``len(axs)`` items of ``x`` as grayscale images on one row of axes."""
        n_images = len(axs)
        minv, maxv = np.min(x[:n_images]), np.max(x[:n_images])
        for j, image in enumerate(x[:n_images]):
            ax = axs[j]
            if title is not None:
                ax.set_title(f"{title} #{j}", fontsize=12)
            shp = np.atleast_2d(image).shape
            ax.set_ylabel(f"{layer_name}\n{shp[0]}x{shp[1]}", rotation=0, labelpad=40)
            xlabel1 = "" if y is None else f"\nLabel: {y[j]}"
            xlabel2 = "" if yhat is None else f"\nPredicted: {yhat[j]}"
            xlabel = f"{xlabel1}{xlabel2}"
            if xlabel:
                ax.set_xlabel(xlabel[1:], fontsize=12)
            ax.imshow(np.atleast_2d(image.squeeze()), cmap="gray", vmin=minv, vmax=maxv)
            ax.set_xticks([])
            ax.set_yticks([])

    # --------------------------------------------------------------- filters
    def visualize_filters(self, layer_name: str, **kwargs):
        """Draw every kernel of the ``nn.Conv2d`` called ``layer_name``: filters x channels."""
        layer = self._get_layer(layer_name)
        if not isinstance(layer, nn.Conv2d):
            raise ValueError(f"{layer_name!r} is a {type(layer).__name__}, not an nn.Conv2d; "
                             "only convolutional layers have filters to draw.")
        weights = layer.weight.data.cpu().numpy()
        n_filters, n_channels, _, _ = weights.shape
        size = (2 * n_channels + 2, 2 * n_filters)
        fig, axes = plt.subplots(n_filters, n_channels, figsize=size, squeeze=False)
        for i in range(n_filters):
            StepByStep._visualize_tensors(axes[i, :], weights[i], layer_name=f"Filter #{i}",
                                          title="Channel")
        for ax in axes.flat:
            ax.label_outer()
        fig.tight_layout()
        return fig

    # ----------------------------------------------------------------- hooks
    def attach_hooks(self, layers_to_hook: str | Sequence[str],
                     hook_fn: Callable | None = None) -> None:
        """Register forward hooks on the named layers; by default they store their outputs."""
        layers_to_hook, modules = self._resolve_layers(layers_to_hook)
        self.visualization = {}
        layer_names = {module: name for name, module in modules.items()}

        if hook_fn is None:
            def hook_fn(layer, inputs, outputs):
                name = layer_names[layer]
                values = outputs.detach().cpu().numpy()
                if self.visualization[name] is None:
                    self.visualization[name] = values
                else:
                    self.visualization[name] = np.concatenate([self.visualization[name], values])

        for name in layers_to_hook:
            self.visualization[name] = None
            self.handles[name] = modules[name].register_forward_hook(hook_fn)

    def remove_hooks(self) -> None:
        """Remove every hook attached by this trainer."""
        for handle in self.handles.values():
            handle.remove()
        self.handles = {}

    def visualize_outputs(self, layers: Sequence[str], n_images: int = 10, y=None, yhat=None):
        """Draw the captured outputs of ``layers`` for the first ``n_images`` images."""
        layers = [name for name in layers if self.visualization.get(name) is not None]
        if not layers:
            raise RuntimeError("No captured outputs: call attach_hooks(layers) and run the model "
                               "(e.g. predict) before visualize_outputs.")
        shapes = [self.visualization[name].shape for name in layers]
        n_rows = [shape[1] if len(shape) == 4 else 1 for shape in shapes]
        total_rows = int(np.sum(n_rows))
        fig, axes = plt.subplots(total_rows, n_images,
                                 figsize=(1.5 * n_images, 1.5 * total_rows), squeeze=False)
        row = 0
        for name, n_row in zip(layers, n_rows):
            output = self.visualization[name]
            is_vector = output.ndim == 2
            for k in range(n_row):
                StepByStep._visualize_tensors(
                    axes[row, :],
                    output if is_vector else output[:, k],
                    y, yhat,
                    layer_name=name if is_vector else f"{name}\nfil#{k}",
                    title="Image" if row == 0 else None)
                row += 1
        for ax in axes.flat:
            ax.label_outer()
        fig.tight_layout()
        return fig

    # -------------------------------------------------------------- accuracy
    def correct(self, x: torch.Tensor, y: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
        """Return a (n_classes, 2) tensor: correct predictions and number of points per class."""
        self.model.eval()
        with torch.no_grad():
            yhat = self.model(x.to(self.device))
        y = y.to(self.device)
        self.model.train()

        n_samples, n_dims = yhat.shape
        if n_dims > 1:
            _, predicted = torch.max(yhat, 1)
        else:
            n_dims += 1
            # a model ending in a sigmoid already outputs probabilities; otherwise these are logits
            ends_in_sigmoid = isinstance(self.model, nn.Sequential) and \
                isinstance(self.model[-1], nn.Sigmoid)
            probs = yhat if ends_in_sigmoid else torch.sigmoid(yhat)
            predicted = (probs > threshold).long()

        result = []
        for c in range(n_dims):
            n_class = (y == c).sum().item()
            n_correct = (predicted[y == c] == c).sum().item()
            result.append((n_correct, n_class))
        return torch.tensor(result)

    @staticmethod
    def loader_apply(loader, func: Callable, reduce: str = "sum") -> torch.Tensor:
        """Apply ``func(x, y)`` to every mini-batch of ``loader`` and reduce ('sum' or 'mean')."""
        if reduce not in ("sum", "mean"):
            raise ValueError(f"reduce must be 'sum' or 'mean', got {reduce!r}.")
        results = torch.stack([func(x, y) for x, y in loader])
        if reduce == "sum":
            return results.sum(dim=0)
        return results.float().mean(dim=0)
