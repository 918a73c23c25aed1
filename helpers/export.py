"""Turning a trained model into files other programs can load (chapter 18).

* ``save_atomically`` writes a ``state_dict`` through a temporary file and ``os.replace``, so a
  crash half-way never leaves a truncated checkpoint under the real name.
* ``export_program`` captures a model with ``torch.export`` (batch size left free);
  ``save_program`` writes it to a ``.pt2`` file that is the same on every machine;
  ``export_onnx`` writes an ONNX file with the dynamo-based exporter and checks it with
  ``onnx.checker``; ``program_parity`` and ``onnx_parity`` compare either one with eager PyTorch.
* ``quantize_linear`` swaps every ``nn.Linear`` for a dynamically quantised int8 twin;
  ``state_dict_bytes`` and ``median_latency_us`` measure what that buys.
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from helpers.files import atomic_path

__all__ = ["save_atomically", "file_bytes", "state_dict_bytes", "export_program", "save_program",
           "export_refusal", "program_parity", "export_onnx", "onnx_nodes", "onnx_parity", "quantize_linear",
           "median_latency_us"]


def _check_model(model) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}.")
    return model


def _check_tensor(name: str, x, min_rows: int = 1) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}.")
    if x.dim() == 0 or x.shape[0] < min_rows:
        raise ValueError(f"{name} must be a batch with at least {min_rows} rows along dim 0, "
                         f"got shape {tuple(x.shape)}.")
    return x


def save_atomically(state: dict, path: str | os.PathLike) -> Path:
    """``torch.save(state, path)`` through a temporary file in the same folder, then a rename."""
    if not isinstance(state, dict):
        raise TypeError("state must be a dict such as model.state_dict(); saving whole modules "
                        "pickles their class, which breaks when the code moves.")
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        torch.save(state, f)
        f.flush()
        os.fsync(f.fileno())
    return path


def file_bytes(path: str | os.PathLike) -> int:
    """Size of a file in bytes."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not a file; save or export the artefact first.")
    return path.stat().st_size


def state_dict_bytes(model: nn.Module) -> int:
    """Bytes that ``torch.save(model.state_dict())`` writes, measured in memory."""
    buffer = io.BytesIO()
    torch.save(_check_model(model).state_dict(), buffer)
    return buffer.getbuffer().nbytes


def export_program(model: nn.Module, example: torch.Tensor,
                   dynamic_batch: bool = True) -> torch.export.ExportedProgram:
    """``torch.export.export`` of ``model`` in eval mode, with a free batch dimension.

    ``example`` needs two rows or more: a batch of one is specialised to the constant 1.
    """
    model = _check_model(model).eval()
    example = _check_tensor("example", example, min_rows=2 if dynamic_batch else 1)
    # clone: a slice of a big tensor would drag its whole storage into the saved program
    example = example.detach().clone()
    shapes = ({0: torch.export.Dim("batch")},) if dynamic_batch else None
    return torch.export.export(model, (example,), dynamic_shapes=shapes)


def save_program(program: torch.export.ExportedProgram, path: str | os.PathLike) -> Path:
    """``torch.export.save`` without the per-node stack traces, through a temporary file.

    Each node of an exported graph records the Python stack that created it, with this machine's
    file paths in it (the virtual environment's folder, a notebook kernel's temporary file), so the
    same model would give a ``.pt2`` of a different size on every machine. The traces are only
    debugging aids; the program loads and runs the same without them.
    """
    if not isinstance(program, torch.export.ExportedProgram):
        raise TypeError(f"program must be a torch.export.ExportedProgram (from export_program or "
                        f"torch.export.export), got {type(program).__name__}.")
    for module in program.graph_module.modules():
        if isinstance(module, torch.fx.GraphModule):
            for node in module.graph.nodes:
                node.meta.pop("stack_trace", None)
    path = Path(path)
    # through a file handle: the archive's inner folder is then always "archive" instead of the
    # file's own name, so the same program gives the same bytes under any file name
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        torch.export.save(program, f)
    return path


def export_refusal(model: nn.Module, example: torch.Tensor) -> str:
    """The name of the error ``torch.export.export(model, (example,))`` raises, '' if none.

    On failure torch logs a warning and prints the partial graph; both are swallowed here, so a
    page shows only the verdict.
    """
    _check_model(model)
    chatter = io.StringIO()
    logging.disable(logging.WARNING)
    try:
        with contextlib.redirect_stderr(chatter), contextlib.redirect_stdout(chatter):
            torch.export.export(model.eval(), (example,))
    except Exception as err:   # any refusal is the answer we are after
        return type(err).__name__
    finally:
        logging.disable(logging.NOTSET)
    return ""


def program_parity(program: torch.export.ExportedProgram, model: nn.Module,
                   x: torch.Tensor) -> tuple[float, bool]:
    """(largest absolute difference, same argmax on every row) of the program vs ``model``."""
    x = _check_tensor("x", x)
    with torch.no_grad():
        expected = _check_model(model).eval()(x)
        got = program.module()(x)
    diff = (expected - got).abs().max().item()
    return diff, bool(torch.equal(expected.argmax(1), got.argmax(1)))


def export_onnx(model: nn.Module, example: torch.Tensor, path: str | os.PathLike,
                input_name: str = "input", output_name: str = "logits") -> Path:
    """Write ``model`` as ONNX with the dynamo exporter (free batch), then run ``onnx.checker``."""
    import onnx

    model = _check_model(model).eval()
    example = _check_tensor("example", example, min_rows=2).detach().clone()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    program = torch.onnx.export(model, (example,), dynamo=True, verbose=False,
                                input_names=[input_name], output_names=[output_name],
                                dynamic_shapes=({0: torch.export.Dim("batch")},))
    program.save(str(path))
    # The exporter records each node's Python stack trace, with this machine's file paths (and a
    # notebook kernel's temporary file names) in it; drop them so the file is the same everywhere.
    proto = onnx.load(str(path))
    for node in proto.graph.node:
        kept = [p for p in node.metadata_props if p.key != "pkg.torch.onnx.stack_trace"]
        del node.metadata_props[:]
        node.metadata_props.extend(kept)
    onnx.save(proto, str(path))
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    return path


def onnx_nodes(path: str | os.PathLike) -> list[str]:
    """The op types of an ONNX file's graph, in order."""
    import onnx

    return [node.op_type for node in onnx.load(str(path)).graph.node]


def onnx_parity(model: nn.Module, path: str | os.PathLike,
                x: torch.Tensor) -> tuple[float, bool]:
    """(largest absolute difference, same argmax) of ONNX Runtime on ``path`` vs eager ``model``."""
    import onnxruntime as ort

    x = _check_tensor("x", x)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    got = session.run(None, {name: x.numpy().astype(np.float32)})[0]
    with torch.no_grad():
        expected = _check_model(model).eval()(x).numpy()
    diff = float(np.abs(expected - got).max())
    return diff, bool(np.array_equal(expected.argmax(1), got.argmax(1)))


def quantize_linear(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose ``nn.Linear`` layers hold int8 weights (dynamic quantisation)."""
    model = _check_model(model).eval()
    with warnings.catch_warnings():
        # torch.ao.quantization still works but points to torchao; the warning is not news here
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*")
        return torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)


def median_latency_us(model: nn.Module, x: torch.Tensor, repeats: int = 50) -> float:
    """Median wall time of one forward pass on ``x`` in microseconds (after two warm-up calls)."""
    model = _check_model(model).eval()
    x = _check_tensor("x", x)
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}.")
    times = []
    with torch.inference_mode():
        for i in range(repeats + 2):
            start = time.perf_counter()
            model(x)
            if i >= 2:
                times.append(time.perf_counter() - start)
    return float(np.median(times) * 1e6)
