"""Chapter 7 trains a tiny Inception-style network with a side head: the helpers it uses, and the
numbers its stored output prints (combined-loss formula, results page, prose)."""
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from helpers.plots.chapter7 import plot_side_head_losses  # noqa: E402
from helpers.nn.vision import TinyInceptionNet  # noqa: E402
from helpers.transfer import inception_loss, train_with_side_head  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EPOCH = re.compile(r"epoch (\d+)  main ([\d.]+)  auxiliary ([\d.]+)  total ([\d.]+)")
ACCURACY = re.compile(r"tiny Inception with a side head, validation accuracy: [\d.]+%")


def stored_stdout() -> str:
    nb = json.loads((ROOT / "notebooks" / "Chapter07.ipynb").read_text())
    return "\n".join("".join(out.get("text", "")) for cell in nb["cells"]
                     for out in cell.get("outputs", []) if out["output_type"] == "stream")


def test_tiny_inception_returns_two_outputs_in_training_and_one_in_eval():
    torch.manual_seed(0)
    net = TinyInceptionNet(n_classes=3)
    x = torch.randn(4, 3, 32, 32)
    main, aux = net(x)
    assert main.shape == aux.shape == (4, 3)
    net.eval()
    assert net(x).shape == (4, 3)


def test_tiny_inception_rejects_bad_sizes():
    with pytest.raises(ValueError):
        TinyInceptionNet(n_classes=0)
    with pytest.raises(TypeError):
        TinyInceptionNet(n_classes=2.5)


def test_combined_loss_is_main_plus_weighted_aux():
    torch.manual_seed(1)
    main, aux, y = torch.randn(8, 3), torch.randn(8, 3), torch.randint(3, (8,))
    expected = F.cross_entropy(main, y) + 0.4 * F.cross_entropy(aux, y)
    assert torch.allclose(inception_loss((main, aux), y), expected)
    assert torch.allclose(inception_loss((main, aux), y, aux_weight=0.0), F.cross_entropy(main, y))


def test_train_with_side_head_history_follows_the_formula_and_learns():
    torch.manual_seed(2)
    x = torch.randn(48, 3, 16, 16)
    y = (x[:, 0].mean(dim=(1, 2)) > 0).long()  # a learnable rule
    net = TinyInceptionNet(n_classes=2)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    history = train_with_side_head(net, torch.optim.Adam(net.parameters(), lr=0.01), loader,
                                   n_epochs=5, aux_weight=0.4)
    assert [len(v) for v in history.values()] == [5, 5, 5]
    for main, aux, total in zip(history["main"], history["aux"], history["total"]):
        assert total == pytest.approx(main + 0.4 * aux, rel=1e-5)
    assert history["total"][-1] < history["total"][0]
    with pytest.raises(ValueError):
        train_with_side_head(net, torch.optim.Adam(net.parameters()), loader, n_epochs=0)


def test_side_head_figure_draws_three_curves():
    fig = plot_side_head_losses({"main": [1.0, 0.5], "aux": [0.9, 0.4], "total": [1.36, 0.66]},
                                aux_weight=0.4)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 3
    assert ax.get_legend().get_texts()[2].get_text() == "Total = main + 0.4 x auxiliary"
    plt.close(fig)
    with pytest.raises(ValueError):
        plot_side_head_losses({"main": [1.0]}, aux_weight=0.4)


def test_notebook_epochs_obey_the_combined_loss_formula():
    epochs = EPOCH.findall(stored_stdout())
    assert [int(e[0]) for e in epochs] == list(range(1, 9)), "eight epochs, printed once each"
    for _, main, aux, total in epochs:
        # each printed number is rounded to 4 decimals: allow for the three roundings
        assert abs(float(total) - (float(main) + 0.4 * float(aux))) <= 1.5e-4
    assert float(epochs[-1][3]) < float(epochs[0][3])


def test_notebook_accuracy_is_the_one_on_the_results_page_and_in_the_prose():
    printed = ACCURACY.findall(stored_stdout())
    assert len(printed) == 1
    page = (ROOT / "book" / "results.md").read_text()
    assert f"`{printed[0]}`" in page
    accuracy = printed[0].rsplit(" ", 1)[1]
    nb = json.loads((ROOT / "notebooks" / "Chapter07.ipynb").read_text())
    prose = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert f"gets {accuracy} of the 372 test images right" in prose
    main, aux, total = EPOCH.findall(stored_stdout())[0][1:]
    assert f"${main} + 0.4 \\times {aux} = {total}$" in prose
