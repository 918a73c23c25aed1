"""Scores for dense predictions (chapter 16), written from a confusion matrix.

Every score of a segmentation model follows from one C x C table: how many pixels of true class i
were predicted as class j. Pixel accuracy is its trace over its total; the intersection over union
of class c is TP / (TP + FP + FN), read off row c and column c. tests/test_segmentation.py checks
these against torchmetrics.
"""
from __future__ import annotations

import numpy as np
import torch

from helpers.checks import check_int

__all__ = ["confusion_matrix", "pixel_accuracy", "iou_per_class", "mean_iou", "segmentation_scores",
           "evaluate_segmentation"]


def confusion_matrix(pred: torch.Tensor, target: torch.Tensor, n_classes: int,
                     ignore_index: int | None = None) -> torch.Tensor:
    """(n_classes, n_classes) int64 counts: row = true class, column = predicted class.

    ``pred`` holds labels of the same shape as ``target`` (take ``logits.argmax(1)`` first);
    pixels whose target equals ``ignore_index`` are left out.
    """
    n_classes = check_int("n_classes", n_classes, minimum=2)
    if not (isinstance(pred, torch.Tensor) and isinstance(target, torch.Tensor)):
        raise TypeError("pred and target must be tensors of integer labels; "
                        "use torch.as_tensor(...) first.")
    if pred.shape != target.shape:
        raise ValueError(f"pred {tuple(pred.shape)} and target {tuple(target.shape)} must have the "
                         "same shape; for logits (N, C, H, W) pass logits.argmax(1).")
    pred, target = pred.reshape(-1).long(), target.reshape(-1).long()
    if ignore_index is not None:
        keep = target != ignore_index
        pred, target = pred[keep], target[keep]
    if len(target) and (target.min() < 0 or target.max() >= n_classes
                        or pred.min() < 0 or pred.max() >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1} (or equal ignore_index).")
    # each (true, predicted) pair becomes one bin of a single bincount
    counts = torch.bincount(target * n_classes + pred, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)


def pixel_accuracy(cm: torch.Tensor) -> float:
    """Share of pixels whose predicted class is the true one."""
    return float(cm.diagonal().sum() / cm.sum())


def iou_per_class(cm: torch.Tensor) -> np.ndarray:
    """TP / (TP + FP + FN) for each class; NaN for a class absent from both truth and prediction."""
    cm = cm.double()
    tp = cm.diagonal()
    union = cm.sum(0) + cm.sum(1) - tp
    iou = torch.where(union > 0, tp / union.clamp(min=1), torch.full_like(tp, float("nan")))
    return iou.numpy()


def mean_iou(cm: torch.Tensor) -> float:
    """The mean of the per-class IoUs over the classes that appear (NaNs left out)."""
    return float(np.nanmean(iou_per_class(cm)))


def segmentation_scores(cm: torch.Tensor) -> dict:
    """Pixel accuracy, per-class IoU and mIoU of one confusion matrix, as plain Python numbers."""
    return {"pixel_accuracy": pixel_accuracy(cm), "iou": iou_per_class(cm).tolist(),
            "miou": mean_iou(cm)}


@torch.no_grad()
def evaluate_segmentation(model: torch.nn.Module, images: torch.Tensor, masks: torch.Tensor,
                          n_classes: int, batch_size: int = 100) -> torch.Tensor:
    """The confusion matrix of ``model`` (put in eval mode) over a whole set, batch by batch."""
    model.eval()
    cm = torch.zeros(n_classes, n_classes, dtype=torch.int64)
    for start in range(0, len(images), batch_size):
        pred = model(images[start:start + batch_size]).argmax(1)
        cm += confusion_matrix(pred, masks[start:start + batch_size], n_classes)
    return cm
