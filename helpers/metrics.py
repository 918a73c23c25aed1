"""Binary-classification metrics from a confusion matrix (chapter 3).

All functions use scikit-learn's layout for a 2x2 confusion matrix: rows are the actual classes,
columns the predicted ones, negatives first::

    [[TN, FP],
     [FN, TP]]

so ``confusion_matrix(y_true, y_pred)`` from ``sklearn.metrics`` can be passed straight in.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["split_cm", "tpr_fpr", "precision_recall", "accuracy", "threshold_sweep"]


def _as_cm(cm) -> np.ndarray:
    """Return ``cm`` as a 2x2 integer array, or raise a ValueError that says what is expected."""
    arr = np.asarray(cm)
    if arr.shape != (2, 2):
        raise ValueError(f"cm must be a 2x2 confusion matrix [[TN, FP], [FN, TP]] (binary "
                         f"classification), got shape {arr.shape}.")
    if not np.issubdtype(arr.dtype, np.number) or np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise ValueError("cm must hold non-negative whole counts, as sklearn's confusion_matrix "
                         "returns.")
    return arr.astype(int)


def split_cm(cm) -> tuple[int, int, int, int]:
    """Return ``(tn, fp, fn, tp)`` from a 2x2 confusion matrix in scikit-learn's layout."""
    arr = _as_cm(cm)
    tn, fp, fn, tp = (int(v) for v in arr.ravel())
    return tn, fp, fn, tp


def tpr_fpr(cm) -> tuple[float, float]:
    """Return ``(TPR, FPR)``: TP / (TP + FN) and FP / (FP + TN).

    Raises ValueError if there are no actual positives (TPR undefined) or no actual negatives
    (FPR undefined).
    """
    tn, fp, fn, tp = split_cm(cm)
    if tp + fn == 0:
        raise ValueError("the confusion matrix has no actual positives, so the TPR is undefined.")
    if fp + tn == 0:
        raise ValueError("the confusion matrix has no actual negatives, so the FPR is undefined.")
    return tp / (tp + fn), fp / (fp + tn)


def precision_recall(cm, zero_division: float | None = None) -> tuple[float, float]:
    """Return ``(precision, recall)``: TP / (TP + FP) and TP / (TP + FN).

    When nothing is predicted positive, precision is 0/0. By default that raises ValueError;
    pass ``zero_division=1.0`` (scikit-learn's choice for the end of a PR curve) to use a value.
    """
    tn, fp, fn, tp = split_cm(cm)
    if tp + fn == 0:
        raise ValueError("the confusion matrix has no actual positives, so recall is undefined.")
    if tp + fp == 0:
        if zero_division is None:
            raise ValueError("nothing was predicted positive, so precision is 0/0; pass "
                             "zero_division=1.0 (or 0.0) to choose a value.")
        if isinstance(zero_division, bool) or not isinstance(zero_division, numbers.Real):
            raise TypeError(f"zero_division must be a number, got {zero_division!r}.")
        precision = float(zero_division)
    else:
        precision = tp / (tp + fp)
    return precision, tp / (tp + fn)


def accuracy(cm) -> float:
    """Return (TP + TN) / total."""
    tn, fp, fn, tp = split_cm(cm)
    total = tn + fp + fn + tp
    if total == 0:
        raise ValueError("the confusion matrix is empty (all counts are zero).")
    return (tp + tn) / total


def threshold_sweep(y_true, probabilities, thresholds) -> dict[str, np.ndarray]:
    """Confusion-matrix metrics for each threshold (a point is positive if probability >= threshold).

    Returns a dict of arrays, one entry per threshold: ``threshold``, ``tpr``, ``fpr``,
    ``precision`` (1.0 where nothing is predicted positive) and ``recall``.
    """
    y_true = np.asarray(y_true).ravel()
    probabilities = np.asarray(probabilities, dtype=float).ravel()
    thresholds = np.atleast_1d(np.asarray(thresholds, dtype=float))
    if y_true.shape != probabilities.shape:
        raise ValueError(f"y_true and probabilities must have the same number of points, got "
                         f"{y_true.size} and {probabilities.size}.")
    if not np.isin(y_true, (0, 1)).all():
        raise ValueError("y_true must hold only the labels 0 and 1.")
    if np.any((probabilities < 0) | (probabilities > 1)) or np.isnan(probabilities).any():
        raise ValueError("probabilities must lie in [0, 1]; apply a sigmoid to logits first.")
    rows = {"threshold": [], "tpr": [], "fpr": [], "precision": [], "recall": []}
    for threshold in thresholds:
        predicted = probabilities >= threshold
        tp = int(np.sum(predicted & (y_true == 1)))
        fp = int(np.sum(predicted & (y_true == 0)))
        fn = int(np.sum(~predicted & (y_true == 1)))
        tn = int(np.sum(~predicted & (y_true == 0)))
        cm = [[tn, fp], [fn, tp]]
        tpr, fpr = tpr_fpr(cm)
        precision, recall = precision_recall(cm, zero_division=1.0)
        for key, value in zip(rows, (float(threshold), tpr, fpr, precision, recall)):
            rows[key].append(value)
    return {key: np.array(values) for key, values in rows.items()}
