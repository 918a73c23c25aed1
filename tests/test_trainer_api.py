"""The trainer's public API, version by version, as readers of chapters 2.1 to Extra use it.

The table below was taken from the code before the trainer was rewritten in our own words
(issue 15). Every name in it must keep existing, with the same parameters in the same order and
the same defaults, so that code written against any version keeps working. A version may add
names; it may not drop or reshape one.
"""
import inspect

import pytest
import torch
from torch import nn, optim

from helpers.stepbystep import v0, v1, v2, v3, v4

NO_DEFAULT = inspect.Parameter.empty

# name -> (kind, [(parameter, default), ...]); "self" is left out of methods
V0 = {
    "__init__": ("method", [("model", NO_DEFAULT), ("loss_fn", NO_DEFAULT),
                            ("optimizer", NO_DEFAULT)]),
    "to": ("method", [("device", NO_DEFAULT)]),
    "set_loaders": ("method", [("train_loader", NO_DEFAULT), ("val_loader", None)]),
    "set_tensorboard": ("method", [("name", NO_DEFAULT), ("folder", "runs")]),
    "set_seed": ("method", [("seed", 42)]),
    "train": ("method", [("n_epochs", NO_DEFAULT), ("seed", 42), ("progress", None)]),
    "save_checkpoint": ("method", [("filename", NO_DEFAULT)]),
    "load_checkpoint": ("method", [("filename", NO_DEFAULT)]),
    "predict": ("method", [("x", NO_DEFAULT)]),
    "plot_losses": ("method", []),
    "add_graph": ("method", []),
}
V1 = {**V0, "count_parameters": ("method", [])}
V2 = {
    **V1,
    "visualize_filters": ("method", [("layer_name", NO_DEFAULT), ("kwargs", NO_DEFAULT)]),
    "attach_hooks": ("method", [("layers_to_hook", NO_DEFAULT), ("hook_fn", None)]),
    "remove_hooks": ("method", []),
    "visualize_outputs": ("method", [("layers", NO_DEFAULT), ("n_images", 10), ("y", None),
                                     ("yhat", None)]),
    "correct": ("method", [("x", NO_DEFAULT), ("y", NO_DEFAULT), ("threshold", 0.5)]),
    "loader_apply": ("static", [("loader", NO_DEFAULT), ("func", NO_DEFAULT),
                                ("reduce", "sum")]),
}
V3 = {
    **V2,
    "statistics_per_channel": ("static", [("images", NO_DEFAULT), ("labels", None)]),
    "make_normalizer": ("static", [("loader", NO_DEFAULT)]),
    "set_optimizer": ("method", [("optimizer", NO_DEFAULT)]),
    "lr_range_test": ("method", [("data_loader", NO_DEFAULT), ("end_lr", NO_DEFAULT),
                                 ("num_iter", 100), ("step_mode", "exp"), ("alpha", 0.05),
                                 ("ax", None)]),
    "set_lr_scheduler": ("method", [("scheduler", NO_DEFAULT)]),
    "capture_gradients": ("method", [("layers_to_hook", NO_DEFAULT)]),
    "capture_parameters": ("method", [("layers_to_hook", NO_DEFAULT)]),
}
V4 = {
    **V3,
    "set_clip_grad_value": ("method", [("clip_value", NO_DEFAULT)]),
    "set_clip_grad_norm": ("method", [("max_norm", NO_DEFAULT), ("norm_type", 2)]),
    "set_clip_backprop": ("method", [("clip_value", NO_DEFAULT)]),
    "remove_clip": ("method", []),
}
API = {"v0": (v0, V0), "v1": (v1, V1), "v2": (v2, V2), "v3": (v3, V3), "v4": (v4, V4)}

# attributes a trainer holds right after construction (notebooks and plots read them)
ATTRIBUTES = {
    "v0": ["model", "loss_fn", "optimizer", "device", "train_loader", "val_loader", "writer",
           "losses", "val_losses", "total_epochs", "train_step_fn", "val_step_fn"],
    "v1": [],
    "v2": ["visualization", "handles"],
    "v3": ["scheduler", "is_batch_lr_scheduler", "learning_rates", "_gradients", "_parameters"],
    "v4": ["clipping"],
}


def _parameters(func, kind):
    params = list(inspect.signature(func).parameters.values())
    if kind == "method":
        assert params and params[0].name == "self"
        params = params[1:]
    return [(p.name, p.default) for p in params]


@pytest.mark.parametrize("version", list(API))
def test_every_public_name_keeps_its_parameters(version):
    module, table = API[version]
    cls = module.StepByStep
    for name, (kind, expected) in table.items():
        assert hasattr(cls, name), f"{version}.StepByStep lost {name}"
        static = inspect.getattr_static(cls, name)
        assert isinstance(static, staticmethod) == (kind == "static"), f"{version}.{name}"
        assert _parameters(getattr(cls, name), kind) == expected, f"{version}.{name}"


@pytest.mark.parametrize("version", list(API))
def test_every_attribute_exists_after_construction(version):
    module, _ = API[version]
    model = nn.Sequential(nn.Linear(1, 1))
    sbs = module.StepByStep(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1))
    names = [n for v in list(API)[:list(API).index(version) + 1] for n in ATTRIBUTES[v]]
    for name in names:
        assert hasattr(sbs, name), f"{version}.StepByStep has no attribute {name}"
    assert sbs.losses == [] and sbs.val_losses == [] and sbs.total_epochs == 0
    assert callable(sbs.train_step_fn) and callable(sbs.val_step_fn)


def test_module_level_names():
    for module in (v3, v4):
        assert set(module.__all__) == {"StepByStep", "make_lr_fn"}
        assert [p for p in inspect.signature(module.make_lr_fn).parameters] == \
            ["start_lr", "end_lr", "num_iter", "step_mode"]
        assert inspect.signature(module.make_lr_fn).parameters["step_mode"].default == "exp"
    assert v0.PROGRESS_MIN_STEPS == 2000
    for module in (v0, v1, v2):
        assert module.__all__ == ["StepByStep"]


def test_step_functions_take_a_mini_batch_and_return_its_loss():
    model = nn.Sequential(nn.Linear(1, 1))
    sbs = v4.StepByStep(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1))
    x, y = torch.ones(4, 1), torch.zeros(4, 1)
    val = sbs.val_step_fn(x, y)
    train = sbs.train_step_fn(x, y)
    assert float(val) == pytest.approx(float(train))
    assert float(sbs.val_step_fn(x, y)) < float(train)
