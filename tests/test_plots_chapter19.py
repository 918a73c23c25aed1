"""Chapter 19's figures draw what they are given."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from helpers.plots import chapter19 as p19  # noqa: E402


def teardown_function():
    plt.close("all")


def test_step_timeline_one_row_per_label():
    spans = [("forward", 10.0, 2.0), ("loss+backward", 12.0, 3.0), ("optimizer", 15.0, 1.0),
             ("forward", 16.0, 2.0)]
    fig = p19.step_timeline(spans)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["forward", "loss+backward", "optimizer"]
    assert len(ax.collections) == 3
    assert ax.collections[0].get_paths()  # the forward row holds its two bars
    with pytest.raises(ValueError, match="spans is empty"):
        p19.step_timeline([])


def test_throughput_bars_label_each_setting():
    fig = p19.throughput_bars({"0 workers": 1000.0, "2 workers": 1500.0})
    ax = fig.axes[0]
    assert len(ax.patches) == 2
    assert [t.get_text() for t in ax.texts] == [" 1,000", " 1,500"]
    assert ax.get_xlim()[1] == pytest.approx(1875.0)


def test_saved_bytes_bars_in_kib():
    fig = p19.saved_bytes_bars({"plain": 2048, "checkpointed": 1024})
    assert [t.get_text() for t in fig.axes[0].texts] == [" 2 KiB", " 1 KiB"]


def test_ddp_loss_curves_one_line_per_run():
    fig = p19.ddp_loss_curves({"2 x 32": [1.0, 0.5], "1 x 64": [1.0, 0.5], "1 x 32": [1.0, 0.4]})
    ax = fig.axes[0]
    assert len(ax.lines) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["2 x 32", "1 x 64", "1 x 32"]
