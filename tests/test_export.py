"""helpers/export.py: atomic saves, torch.export and ONNX Runtime parity with PyTorch (tolerance
1e-4 on the logits, identical argmax), TorchScript's frozen loop, and dynamic quantisation."""
from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import onnx
import pytest
import torch
from torch import nn

from data_generation.fizzbuzz import FizzBuzzDataset
from helpers.export import (export_onnx, export_program, export_refusal, file_bytes,
                            median_latency_us, onnx_nodes, onnx_parity, program_parity,
                            quantize_linear, save_atomically, save_program, state_dict_bytes)
from helpers.nn.fizzbuzz import fizzbuzz_classifier

TOLERANCE = 1e-4   # ONNX Runtime adds in its own order: equal to PyTorch up to rounding


@pytest.fixture(scope="module")
def bits():
    return FizzBuzzDataset(0, 1000).tensors()[0]


def small_cnn():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 3)).eval()


class Halver(nn.Module):
    """Halve x while its norm exceeds 1: a loop whose length depends on the data."""

    def forward(self, x):
        while x.norm() > 1:
            x = x / 2
        return x


def test_save_atomically_writes_and_never_leaves_a_half_file(tmp_path):
    model = fizzbuzz_classifier(seed=1)
    path = save_atomically(model.state_dict(), tmp_path / "sub" / "w.pth")
    loaded = torch.load(path, weights_only=True)
    assert all(torch.equal(loaded[k], v) for k, v in model.state_dict().items())
    before = path.read_bytes()
    with pytest.raises(Exception):
        save_atomically({"broken": lambda: 0}, path)     # a lambda cannot be pickled
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["w.pth"]   # no temporary left
    with pytest.raises(TypeError, match="state_dict"):
        save_atomically(model, path)
    with pytest.raises(FileNotFoundError):
        file_bytes(tmp_path / "nothing.pth")
    assert file_bytes(path) == len(before)


def test_exported_program_equals_pytorch_and_keeps_its_guards(tmp_path, bits):
    model = fizzbuzz_classifier(seed=0)
    program = export_program(model, bits[:4])
    ops = [str(n.target) for n in program.graph.nodes if n.op == "call_function"]
    assert ops == ["aten.linear.default", "aten.tanh.default", "aten.linear.default"]
    save_program(program, tmp_path / "f.pt2")
    loaded = torch.export.load(tmp_path / "f.pt2")
    diff, same = program_parity(loaded, model, bits)
    assert diff <= 1e-6 and same
    assert loaded.module()(bits[:7]).shape == (7, 4)
    with pytest.raises(Exception, match="Guard failed"):
        loaded.module()(torch.zeros(3, 9))
    with pytest.raises(ValueError, match="at least 2 rows"):
        export_program(model, bits[:1])
    with pytest.raises(TypeError, match="nn.Module"):
        export_program(lambda x: x, bits[:2])


def test_a_saved_program_holds_no_file_paths_of_this_machine(tmp_path, bits):
    model = fizzbuzz_classifier(seed=0)
    plain = tmp_path / "plain.pt2"
    torch.export.save(export_program(model, bits[:4]), plain)
    here = str(Path(torch.__file__).parent).encode()
    assert here in _archive_text(plain)          # what save_program exists to remove
    path = save_program(export_program(model, bits[:4]), tmp_path / "sub" / "f.pt2")
    assert here not in _archive_text(path) and b"stack_trace" not in _archive_text(path)
    assert [p.name for p in path.parent.iterdir()] == ["f.pt2"]    # no temporary file left
    assert program_parity(torch.export.load(path), model, bits) == (0.0, True)
    again = save_program(export_program(model, bits[:4]), tmp_path / "other_name.pt2")
    assert again.read_bytes() == path.read_bytes()     # same program, same bytes, any file name
    with pytest.raises(TypeError, match="ExportedProgram"):
        save_program(model, tmp_path / "g.pt2")


def _archive_text(path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return b"".join(archive.read(name) for name in archive.namelist() if name.endswith(".json"))


def test_a_sliced_example_drags_its_storage_into_the_file(tmp_path, bits):
    model = fizzbuzz_classifier(seed=0)
    shapes = ({0: torch.export.Dim("batch")},)
    save_program(torch.export.export(model, (bits[:2],), dynamic_shapes=shapes),
                 tmp_path / "sliced.pt2")
    save_program(export_program(model, bits[:2]), tmp_path / "clone.pt2")
    assert file_bytes(tmp_path / "sliced.pt2") > file_bytes(tmp_path / "clone.pt2") + 30_000


def test_onnx_runtime_matches_pytorch_for_the_mlp(tmp_path, bits):
    model = fizzbuzz_classifier(seed=0)
    path = export_onnx(model, bits[:4], tmp_path / "f.onnx", input_name="bits")
    onnx.checker.check_model(onnx.load(path), full_check=True)
    assert onnx_nodes(path) == ["Gemm", "Tanh", "Gemm"]
    graph = onnx.load(path).graph
    assert graph.input[0].name == "bits" and graph.output[0].name == "logits"
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    diff, same = onnx_parity(model, path, bits)
    assert diff < TOLERANCE and same


def test_onnx_runtime_matches_pytorch_for_the_cnn(tmp_path):
    model = small_cnn()
    x = torch.randn(50, 1, 10, 10, generator=torch.Generator().manual_seed(0))
    path = export_onnx(model, x[:2], tmp_path / "cnn.onnx")
    assert onnx_nodes(path)[:3] == ["Conv", "Relu", "MaxPool"]
    diff, same = onnx_parity(model, path, x)
    assert diff < TOLERANCE and same


def test_tracing_freezes_a_data_dependent_loop_and_export_refuses_it():
    halver, example, other = Halver(), torch.tensor([30.0, 40.0]), torch.tensor([0.5, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(halver, example)
        scripted = torch.jit.script(halver)
    assert torch.allclose(traced(other), other / 64)       # [30, 40] needed six halvings
    assert torch.equal(scripted(other), other)
    assert torch.equal(halver(other), other)
    assert export_refusal(halver, example) != ""
    assert export_refusal(nn.Linear(2, 2), torch.ones(3, 2)) == ""


def test_dynamic_quantisation_shrinks_the_linear_layers_and_keeps_the_answers(bits):
    model = fizzbuzz_classifier(seed=0)
    quantized = quantize_linear(model)   # fails loudly the day torch.ao.quantization goes away
    int8_linear = torch.ao.nn.quantized.dynamic.Linear
    assert [isinstance(m, int8_linear) for m in quantized] == [True, False, True]
    assert "DynamicQuantizedLinear" in repr(quantized[0])
    assert type(model[0]) is nn.Linear                    # the original is left alone
    assert state_dict_bytes(quantized) < state_dict_bytes(model)
    with torch.no_grad():
        assert (model(bits) - quantized(bits)).abs().max() < 0.1
    torch.manual_seed(0)
    wide = nn.Sequential(nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))
    assert state_dict_bytes(wide) > 3.5 * state_dict_bytes(quantize_linear(wide))


def test_median_latency_is_positive_and_checks_repeats(bits):
    model = fizzbuzz_classifier(seed=0)
    assert median_latency_us(model, bits[:8], repeats=3) > 0
    with pytest.raises(ValueError, match="repeats"):
        median_latency_us(model, bits[:8], repeats=0)
    with pytest.raises(TypeError, match="torch.Tensor"):
        median_latency_us(model, [1, 2])
