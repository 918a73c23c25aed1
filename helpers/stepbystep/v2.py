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
        shown = x[:len(axs)]
        # one grey scale for the whole row, so that brightness means the same in every image
        grey = {"cmap": "gray", "vmin": np.min(shown), "vmax": np.max(shown)}
        for j, (ax, image) in enumerate(zip(axs, shown)):
            height, width = np.atleast_2d(image).shape[:2]
            ax.imshow(np.atleast_2d(image.squeeze()), **grey)
            ax.set_xticks([])
            ax.set_yticks([])
            # the row's name on the left, horizontal, with the size of each map
            ax.set_ylabel(f"{layer_name}\n{height}x{width}", rotation=0, labelpad=40)
            if title is not None:
                ax.set_title(f"{title} #{j}", fontsize=12)
            captions = [f"{what}: {values[j]}"
                        for what, values in (("Label", y), ("Predicted", yhat)) if values is not None]
            if captions:
                ax.set_xlabel("\n".join(captions), fontsize=12)

    @staticmethod
    def _tidy_grid(fig, axes) -> None:
        """Keep the labels of the outer axes only and pack the grid."""
        for ax in axes.flat:
            ax.label_outer()
        fig.tight_layout()

    # --------------------------------------------------------------- filters
    def visualize_filters(self, layer_name: str, **kwargs):
        """Draw every kernel of the ``nn.Conv2d`` called ``layer_name``: filters x channels."""
        layer = self._get_layer(layer_name)
        if not isinstance(layer, nn.Conv2d):
            raise ValueError(f"{layer_name!r} is a {type(layer).__name__}, not an nn.Conv2d; "
                             "only convolutional layers have filters to draw.")
        kernels = layer.weight.data.cpu().numpy()  # (filters, channels, height, width)
        n_filters, n_channels = kernels.shape[:2]
        # one row per filter, one column per input channel
        fig, axes = plt.subplots(n_filters, n_channels, squeeze=False,
                                 figsize=(2 * n_channels + 2, 2 * n_filters))
        for number, (row, filter_kernels) in enumerate(zip(axes, kernels)):
            self._visualize_tensors(row, filter_kernels, title="Channel",
                                    layer_name=f"Filter #{number}")
        self._tidy_grid(fig, axes)
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
                # keep every batch this layer produces, stacked along the first axis
                name = layer_names[layer]
                batch = outputs.detach().cpu().numpy()
                earlier = self.visualization[name]
                self.visualization[name] = batch if earlier is None else \
                    np.concatenate([earlier, batch])

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
        # every row of the figure: (its label, one image per input)
        rows = []
        for name in layers:
            output = self.visualization.get(name)
            if output is None:
                continue
            if output.ndim == 2:  # a vector per input (e.g. a linear layer): a single row
                rows.append((name, output))
            else:  # feature maps: a row for each channel
                n_maps = output.shape[1] if output.ndim == 4 else 1
                rows.extend((f"{name}\nfil#{k}", output[:, k]) for k in range(n_maps))
        if not rows:
            raise RuntimeError("No captured outputs: call attach_hooks(layers) and run the model "
                               "(e.g. predict) before visualize_outputs.")
        fig, axes = plt.subplots(len(rows), n_images, squeeze=False,
                                 figsize=(1.5 * n_images, 1.5 * len(rows)))
        for number, (label, images) in enumerate(rows):
            self._visualize_tensors(axes[number], images, y, yhat, layer_name=label,
                                    title=None if number else "Image")
        self._tidy_grid(fig, axes)
        return fig

    # -------------------------------------------------------------- accuracy
    def correct(self, x: torch.Tensor, y: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
        """Return a (n_classes, 2) tensor: correct predictions and number of points per class."""
        labels = y.to(self.device)
        self.model.eval()
        with torch.no_grad():
            outputs = self.model(x.to(self.device))
        self.model.train()

        if outputs.shape[1] > 1:  # one score per class: the largest one wins
            n_classes = outputs.shape[1]
            predicted = outputs.max(dim=1).indices
        else:  # a single output: the probability of class 1, against the threshold
            n_classes = 2
            # a model ending in a sigmoid already outputs probabilities; otherwise these are logits
            ends_in_sigmoid = isinstance(self.model, nn.Sequential) and \
                isinstance(self.model[-1], nn.Sigmoid)
            probabilities = outputs if ends_in_sigmoid else torch.sigmoid(outputs)
            predicted = (probabilities > threshold).long()

        # one row per class: (points of the class predicted right, points of the class)
        counts = []
        for label in range(n_classes):
            members = labels == label
            counts.append(((predicted[members] == label).sum().item(), members.sum().item()))
        return torch.tensor(counts)

    @staticmethod
    def loader_apply(loader, func: Callable, reduce: str = "sum") -> torch.Tensor:
        """Apply ``func(x, y)`` to every mini-batch of ``loader`` and reduce ('sum' or 'mean')."""
        if reduce not in ("sum", "mean"):
            raise ValueError(f"reduce must be 'sum' or 'mean', got {reduce!r}.")
        results = torch.stack([func(x, y) for x, y in loader])
        if reduce == "sum":
            return results.sum(dim=0)
        return results.float().mean(dim=0)
