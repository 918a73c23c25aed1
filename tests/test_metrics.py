"""Tests for helpers/metrics.py, checked against scikit-learn."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, precision_score, recall_score

from helpers.metrics import accuracy, precision_recall, split_cm, threshold_sweep, tpr_fpr

CM_50 = np.array([[7, 2], [1, 10]])  # the chapter's validation set at threshold 0.5


def test_split_cm_reads_scikit_learns_layout():
    y_true = [0, 0, 0, 1, 1, 1, 1]
    y_pred = [0, 1, 1, 0, 1, 1, 1]
    assert split_cm(confusion_matrix(y_true, y_pred)) == (1, 2, 1, 3)
    assert split_cm(CM_50) == (7, 2, 1, 10)


def test_rates_and_precision_on_the_chapter_matrix():
    assert tpr_fpr(CM_50) == (10 / 11, 2 / 9)
    assert precision_recall(CM_50) == (10 / 12, 10 / 11)
    assert accuracy(CM_50) == pytest.approx(0.85)


def test_agrees_with_scikit_learn_on_random_predictions():
    rng = np.random.default_rng(0)
    for _ in range(20):
        y_true = rng.integers(0, 2, 50)
        y_pred = rng.integers(0, 2, 50)
        cm = confusion_matrix(y_true, y_pred)
        precision, recall = precision_recall(cm)
        assert precision == pytest.approx(precision_score(y_true, y_pred))
        assert recall == pytest.approx(recall_score(y_true, y_pred))
        assert tpr_fpr(cm)[0] == pytest.approx(recall)


def test_undefined_ratios_raise_or_use_the_chosen_value():
    nothing_predicted = [[9, 0], [11, 0]]
    with pytest.raises(ValueError, match="zero_division"):
        precision_recall(nothing_predicted)
    assert precision_recall(nothing_predicted, zero_division=1.0) == (1.0, 0.0)
    with pytest.raises(ValueError, match="no actual positives"):
        tpr_fpr([[5, 0], [0, 0]])
    with pytest.raises(ValueError, match="no actual negatives"):
        tpr_fpr([[0, 0], [2, 3]])
    with pytest.raises(ValueError, match="2x2"):
        split_cm(np.eye(3))
    with pytest.raises(ValueError, match="non-negative whole counts"):
        split_cm([[1.5, 0], [0, 1]])
    with pytest.raises(TypeError, match="zero_division"):
        precision_recall(nothing_predicted, zero_division="one")


def test_threshold_sweep_matches_confusion_matrices():
    y = np.array([0, 0, 1, 1, 0, 1])
    p = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.9])
    sweep = threshold_sweep(y, p, [0.0, 0.5, 1.0])
    for i, t in enumerate([0.0, 0.5, 1.0]):
        cm = confusion_matrix(y, p >= t, labels=[0, 1])
        assert (sweep["tpr"][i], sweep["fpr"][i]) == tpr_fpr(cm)
    # Threshold 0: everything positive; precision equals the share of positives
    assert sweep["tpr"][0] == sweep["fpr"][0] == 1.0
    assert sweep["precision"][0] == pytest.approx(0.5)
    # Threshold 1: nothing positive; precision defaults to 1 by convention
    assert sweep["tpr"][2] == sweep["fpr"][2] == 0.0 and sweep["precision"][2] == 1.0
    with pytest.raises(ValueError, match="sigmoid"):
        threshold_sweep(y, p * 3, [0.5])
    with pytest.raises(ValueError, match="same number"):
        threshold_sweep(y, p[:3], [0.5])
    with pytest.raises(ValueError, match="0 and 1"):
        threshold_sweep(y + 1, p, [0.5])
