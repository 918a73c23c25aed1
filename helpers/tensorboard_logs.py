"""Read TensorBoard event files back into NumPy arrays, so a book page can plot them statically.

TensorBoard is an interactive web app; a static book cannot embed it. Everything it shows is
stored in ``events.out.tfevents.*`` files, and :func:`read_run` loads the scalars from them with
TensorBoard's own ``EventAccumulator``. ``SummaryWriter.add_scalars('loss', {...})`` writes each
curve into its own sub-folder (``loss_training``, ``loss_validation``), and the reader walks them.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import numpy as np

__all__ = ["RunLog", "read_run"]


@dataclass
class RunLog:
    """What a log folder holds: scalar curves, whether a model graph was logged, and any warnings.

    ``scalars`` maps a curve name to ``(steps, values)``. Curves logged with ``add_scalar(tag, ...)``
    are named by their tag; curves logged with ``add_scalars(main_tag, {key: ...})`` are named
    ``key`` (e.g. ``'training'``). ``messages`` holds the warnings TensorBoard itself printed
    while reading (for instance when two runs were written into one folder).
    """

    scalars: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    has_graph: bool = False
    messages: list[str] = field(default_factory=list)


class _ListHandler(logging.Handler):
    """Collect log records' messages in a list instead of printing them."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _event_dirs(logdir: str) -> list[str]:
    """Every folder under ``logdir`` (itself included) that holds an event file, sorted."""
    found = []
    for root, _dirs, files in os.walk(logdir):
        if any(name.startswith("events.out.tfevents") for name in files):
            found.append(root)
    return sorted(found)


def read_run(logdir: str | os.PathLike) -> RunLog:
    """Load every scalar curve under ``logdir`` (e.g. ``'runs/simple_linear_regression'``)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logdir = os.fspath(logdir)
    if not os.path.isdir(logdir):
        raise FileNotFoundError(f"no log folder at {logdir!r}; pass the folder you gave "
                                "SummaryWriter (relative to the notebook), e.g. 'runs/my_run'.")
    folders = _event_dirs(logdir)
    if not folders:
        raise ValueError(f"{logdir!r} holds no TensorBoard event files; log something with a "
                         "SummaryWriter and call writer.flush() or writer.close() first.")
    run = RunLog()
    handler = _ListHandler()
    tb_logger = logging.getLogger("tensorboard")
    old_propagate = tb_logger.propagate
    tb_logger.addHandler(handler)
    tb_logger.propagate = False  # keep TensorBoard's own warnings out of stderr; we return them
    try:
        for folder in folders:
            accumulator = EventAccumulator(folder, size_guidance={"scalars": 0})
            accumulator.Reload()
            tags = accumulator.Tags()
            run.has_graph = run.has_graph or bool(tags.get("graph"))
            sub = os.path.relpath(folder, logdir)
            for tag in tags.get("scalars", []):
                events = accumulator.Scalars(tag)
                steps = np.array([event.step for event in events], dtype=int)
                values = np.array([event.value for event in events], dtype=float)
                if sub == ".":
                    name = tag
                else:
                    prefix = tag.replace("/", "_") + "_"
                    name = sub[len(prefix):] if sub.startswith(prefix) else f"{sub}/{tag}"
                run.scalars[name] = (steps, values)
    finally:
        tb_logger.removeHandler(handler)
        tb_logger.propagate = old_propagate
    run.messages = handler.messages
    return run
