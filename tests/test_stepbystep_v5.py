"""StepByStep v5 (chapter 19): one test per option, and the DDP entry point under torchrun."""
from __future__ import annotations

import copy
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

from helpers.stepbystep import v4, v5
from helpers.stepbystep.v5 import NonFiniteLossError, StepByStep

REPO = Path(__file__).resolve().parents[1]


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def _data(n=50, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, 10, generator=gen), torch.randint(0, 4, (n,), generator=gen)


def _trainer(cls=StepByStep, batch=16, x=None, y=None, lr=0.1, opt=optim.SGD):
    if x is None:
        x, y = _data()
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 4))
    sbs = cls(model, nn.CrossEntropyLoss(), opt(model.parameters(), lr=lr))
    sbs.to("cpu")
    sbs.set_loaders(DataLoader(TensorDataset(x, y), batch_size=batch))
    return sbs


class _NoLen(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 4)

    def forward(self, x):
        return self.fc(x)


def _max_diff(a: nn.Module, b: nn.Module) -> float:
    return max((p - q).abs().max().item() for p, q in zip(a.parameters(), b.parameters()))


def test_default_path_matches_v4_bit_for_bit_and_can_be_v4s_own_function():
    old, new = _trainer(v4.StepByStep), _trainer()
    old.train(4)
    new.train(4)
    assert old.losses == new.losses
    assert _max_diff(old.model, new.model) == 0.0
    new.set_nonfinite_check(False)
    assert new.train_step_fn is new._v4_train_step_fn
    assert len(new.epoch_times) == 4 and new.throughput() > 0


def test_mixed_precision_bfloat16_on_cpu():
    sbs, plain = _trainer(), _trainer()
    sbs.set_amp()
    assert sbs.amp_dtype == torch.bfloat16 and sbs.scaler is None
    seen = []
    sbs.model[0].register_forward_hook(lambda m, i, out: seen.append(out.dtype))
    sbs.train(3)
    plain.train(3)
    assert set(seen) == {torch.bfloat16}  # the linear layers computed in bfloat16 ...
    assert all(p.dtype == torch.float32 for p in sbs.model.parameters())  # ... weights did not
    assert sbs.losses != plain.losses  # a lower precision really ran
    assert max(abs(a - b) for a, b in zip(sbs.losses, plain.losses)) < 0.05
    sbs.set_amp(False)
    assert sbs.amp_dtype is None
    with pytest.raises(ValueError, match="bfloat16 or torch.float16"):
        sbs.set_amp(dtype=torch.float64)
    with pytest.raises(TypeError, match="torch.dtype"):
        sbs.set_amp(dtype="bf16")


def test_float16_brings_a_grad_scaler_that_skips_overflowing_steps(tmp_path):
    """The float16 + GradScaler path (CUDA's default) runs on the CPU too, so it is tested here."""
    sbs = _trainer()
    sbs.set_amp(dtype=torch.float16)
    assert isinstance(sbs.scaler, torch.amp.GradScaler) and sbs.scaler.get_scale() == 2.0 ** 16
    seen = []
    sbs.model[0].register_forward_hook(lambda m, i, out: seen.append(out.dtype))
    sbs.train(3)
    assert set(seen) == {torch.float16} and sbs.losses[-1] < sbs.losses[0]
    # a scale so large that the scaled gradients overflow: the step must be skipped and the
    # scale lowered, leaving the weights untouched
    sbs.scaler = torch.amp.GradScaler("cpu", init_scale=1e38)
    sbs._rebuild_steps()
    before = [p.detach().clone() for p in sbs.model.parameters()]
    x, y = next(iter(sbs.train_loader))
    sbs.train_step_fn(x, y)
    assert all(torch.equal(a, b) for a, b in zip(before, sbs.model.parameters()))
    assert sbs.scaler.get_scale() < 1e38
    sbs.save_checkpoint(tmp_path / "fp16.pt")
    saved = torch.load(tmp_path / "fp16.pt", weights_only=True)
    assert saved["v5_settings"]["amp_dtype"] == "float16" and "scaler_state_dict" in saved
    sbs.set_amp(dtype=torch.bfloat16)
    assert sbs.scaler is None


def test_compile_is_opt_in_and_keeps_checkpoint_keys(tmp_path):
    eager, compiled = _trainer(), _trainer()
    assert compiled.compiled_model is None
    compiled.set_compile(backend="eager")  # dynamo's capture without the slow C++ code generation
    assert compiled.compiled_model is not None
    eager.train(2)
    compiled.train(2)
    assert _max_diff(eager.model, compiled.model) < 1e-6
    assert compiled.compile_seconds is not None and compiled.compile_seconds > 0
    compiled.save_checkpoint(tmp_path / "c.pt")
    keys = torch.load(tmp_path / "c.pt", weights_only=True)["model_state_dict"].keys()
    assert not any(k.startswith("_orig_mod.") for k in keys)
    compiled.set_compile(False)
    assert compiled.compiled_model is None
    # a model without len(): the compiled wrapper of such a model refuses bool()
    no_len = _NoLen()
    sbs = StepByStep(no_len, nn.CrossEntropyLoss(), optim.SGD(no_len.parameters(), lr=0.1))
    sbs.set_loaders(DataLoader(TensorDataset(*_data()), batch_size=16))
    sbs.set_compile(backend="eager")
    sbs.train(1)
    assert sbs.compile_seconds is not None
    with pytest.raises(TypeError, match="True or False"):
        compiled.set_compile("yes")


def test_accumulation_equals_one_large_batch_and_schedulers_step_per_update():
    big = _trainer(batch=50)  # 50 samples: one optimizer step per epoch
    small = _trainer(batch=16)  # 16 + 16 + 16 + 2, a remainder group flushed at the epoch end
    small.set_accumulation(4)
    big.train(5)
    small.train(5)
    assert _max_diff(big.model, small.model) < 1e-6
    # a mini-batch scheduler steps once per optimizer step, not once per micro-batch
    sched = _trainer(batch=16)
    sched.set_accumulation(2)  # 4 micro-batches -> 2 optimizer steps per epoch
    sched.set_lr_scheduler(optim.lr_scheduler.CyclicLR(sched.optimizer, 0.01, 0.1, step_size_up=3))
    sched.train(3)
    assert len(sched.learning_rates) == 6
    with pytest.raises(ValueError, match="at least 1"):
        sched.set_accumulation(0)
    with pytest.raises(TypeError, match="integer"):
        sched.set_accumulation(2.0)


@pytest.mark.parametrize("accumulation", [1, 2])
def test_nonfinite_loss_stops_with_epoch_and_batch_and_keeps_the_weights(accumulation):
    x, y = _data()
    sbs = _trainer(x=x, y=y)
    sbs.set_accumulation(accumulation)
    sbs.train(1)
    good = copy.deepcopy(sbs.model.state_dict())
    bad_x = x.clone()
    bad_x[3] = float("nan")  # in the first mini-batch of the next epoch
    sbs.set_loaders(DataLoader(TensorDataset(bad_x, y), batch_size=16))
    with pytest.raises(NonFiniteLossError, match=r"nan at epoch 2, mini-batch 1 of 4"):
        sbs.train(3)
    for name, value in sbs.model.state_dict().items():
        assert torch.equal(value, good[name]), name
    assert all(p.grad is None or not p.grad.abs().sum() for p in sbs.model.parameters())
    assert len(sbs.losses) == 1


def test_profiler_window_writes_a_labelled_trace(tmp_path):
    sbs = _trainer()
    trace = tmp_path / "trace.json"
    with sbs.profile(wait=1, warmup=1, active=2, trace_file=trace) as prof:
        assert isinstance(prof, torch.profiler.profile)
        sbs.train(2)  # 8 steps: the window (steps 3 and 4) closes inside
    events = json.loads(trace.read_text())["traceEvents"]
    names = {e.get("name") for e in events}
    assert {"forward", "loss+backward", "optimizer"} <= names
    assert sbs.profiler is None and sbs.train_step_fn is sbs._v4_train_step_fn   # back to plain
    with pytest.raises(ValueError, match="at least 1"):
        with sbs.profile(active=0):
            pass


def test_distribute_needs_a_process_group_and_auto_device():
    sbs = _trainer()
    assert (sbs.rank, sbs.world_size, sbs.is_main_process) == (0, 1, True)
    with pytest.raises(RuntimeError, match="init_process_group"):
        sbs.distribute()
    sbs.to("auto")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert torch.device(sbs.device).type == expected


def _no_process_mentions(marker: str) -> bool:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline:
            return False
    return True


def test_ddp_two_processes_match_one_process_with_twice_the_batch(tmp_path):
    """2 ranks x batch 32 under torchrun (gloo) reproduce 1 process x batch 64."""
    from helpers.distributed import reference_run

    out, ckpt = tmp_path / "ddp.json", tmp_path / "ddp.pt"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "helpers.distributed", "--batch", "32", "--epochs", "3", "--out", str(out),
           "--checkpoint", str(ckpt)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        log, _ = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:  # never leave the launcher or its workers behind
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, log
    assert log.count("rank 0 of 2: 3 epochs") == 1  # rank 0 alone logs
    ddp = json.loads(out.read_text())
    single = reference_run(batch=64, epochs=3)
    half = reference_run(batch=32, epochs=3)
    diff = max(abs(a - b) for a, b in zip(ddp["weights"], single["weights"]))
    diff_half = max(abs(a - b) for a, b in zip(half["weights"], single["weights"]))
    assert ddp["world_size"] == 2
    assert diff < 1e-6 < 0.01 < diff_half
    assert ddp["losses"] == pytest.approx(single["losses"], abs=1e-6)
    saved = torch.load(ckpt, weights_only=True)
    assert saved["epoch"] == 3 and not any(k.startswith("module.") for k in saved["model_state_dict"])
    # the launcher and both workers are gone
    assert _no_process_mentions(str(out))


def test_appendix_documents_v5():
    page = (REPO / "book" / "trainer.md").read_text()
    section = next(s for s in re.split(r"^## ", page, flags=re.M) if s.startswith("v5 "))
    documented = set(re.findall(r"^\| `(\w+)\(", section, flags=re.M))
    own = {n for n, v in vars(v5.StepByStep).items()
           if not n.startswith("_") and callable(v) and not isinstance(v, property)}
    assert documented == own


def test_v5_keeps_every_v4_name_with_the_same_signature():
    import inspect

    for name, member in vars(v4.StepByStep).items():
        if name.startswith("_") or not callable(member):
            continue
        assert inspect.signature(getattr(v5.StepByStep, name)) == inspect.signature(member), name
    for name in ("train", "to", "set_tensorboard", "save_checkpoint", "lr_range_test"):
        old = inspect.signature(getattr(v4.StepByStep, name))
        assert list(inspect.signature(getattr(v5.StepByStep, name)).parameters) == list(old.parameters)


def test_amp_with_clipping_and_resume_from_a_checkpoint(tmp_path):
    sbs = _trainer(lr=1.0)
    sbs.set_amp()
    sbs.set_clip_grad_norm(0.01)
    before = [p.detach().clone() for p in sbs.model.parameters()]
    sbs.train(1)  # 4 optimizer steps of lr 1.0 on gradients clipped to norm 0.01
    moved = torch.cat([(p - b).reshape(-1) for p, b in zip(sbs.model.parameters(), before)])
    assert 0 < moved.norm().item() <= 4 * 0.01 + 1e-6
    sbs.set_accumulation(2)
    sbs.save_checkpoint(tmp_path / "amp.pt")
    saved = torch.load(tmp_path / "amp.pt", weights_only=True)
    assert saved["v5_settings"] == {"amp_dtype": "bfloat16", "accumulation_steps": 2}
    again = _trainer()
    again.load_checkpoint(tmp_path / "amp.pt")
    assert _max_diff(again.model, sbs.model) == 0.0
