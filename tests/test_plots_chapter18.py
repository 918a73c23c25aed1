"""helpers/plots/chapter18.py: each figure draws what it is given, and empty input raises."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.plots import chapter18 as p18


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_artefact_sizes_draws_one_labelled_bar_per_file_on_a_log_axis():
    fig = p18.artefact_sizes({"onnx": 10_259, "pt2": 17_790, "int8": 5_517})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["int8", "onnx", "pt2"]
    assert [round(b.get_width()) for b in ax.patches] == [5_517, 10_259, 17_790]
    assert ax.get_xscale() == "log"
    assert "17,790" in [t.get_text() for t in ax.texts]
    with pytest.raises(ValueError):
        p18.artefact_sizes({})


def test_load_test_summary_draws_three_percentiles_and_throughput():
    run = {"p50_ms": 5.0, "p95_ms": 9.0, "p99_ms": 20.0, "items_per_s": 100.0}
    fig = p18.load_test_summary({"1w": run, "2w": {**run, "items_per_s": 3000.0}})
    left, right = fig.axes
    assert len(left.patches) == 6 and [t.get_text() for t in left.get_legend().texts] == \
        ["p50", "p95", "p99"]
    assert [b.get_height() for b in right.patches] == [100.0, 3000.0]
    with pytest.raises(ValueError):
        p18.load_test_summary({})


def test_quantization_summary_compares_fp32_and_int8():
    row = {"fp32_bytes": 8000, "int8_bytes": 2000, "fp32_us": 30.0, "int8_us": 60.0}
    fig = p18.quantization_summary({"a": row, "b": row})
    size, speed = fig.axes
    assert [b.get_height() for b in size.patches] == [8000, 8000, 2000, 2000]
    assert [b.get_height() for b in speed.patches] == [30.0, 30.0, 60.0, 60.0]
    with pytest.raises(ValueError):
        p18.quantization_summary({})


def test_served_images_titles_each_image_with_its_answer():
    images = [np.zeros((10, 10), dtype=np.uint8)] * 2
    answers = [{"label": "parallel", "probabilities": {"parallel": 0.9, "other": 0.1}},
               {"label": "other", "probabilities": {"parallel": 0.25, "other": 0.75}}]
    fig = p18.served_images(images, answers)
    assert [ax.get_title() for ax in fig.axes] == ["parallel\np = 0.90", "other\np = 0.75"]
    with pytest.raises(ValueError):
        p18.served_images(images, answers[:1])


def test_pipeline_map_draws_one_box_per_stage_and_the_arrows_between():
    fig = p18.pipeline_map(["a", "b", "c"], ["x", "y"], branch_from=1)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts if t.get_text()] == ["a", "b", "c", "x", "y"]
    arrows = [t for t in ax.texts if not t.get_text()]
    assert len(arrows) == 2 + 1 + 1      # two on top, one below, one joining the rows
    with pytest.raises(ValueError):
        p18.pipeline_map(["a"], ["x"], branch_from=3)
