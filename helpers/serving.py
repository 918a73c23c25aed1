"""Serving a trained model over HTTP (chapter 18).

* ``ModelHandler`` and its two subclasses split a prediction into four stages: ``initialize``
  (once per process: weights in, eval mode), ``preprocess`` (requests -> one batch tensor),
  ``inference`` (the forward pass) and ``postprocess`` (logits -> answers a client can read).
  ``handle`` runs the last three and keeps the milliseconds of each in ``last_timings``.
* ``create_app`` puts handlers behind a FastAPI app whose bad requests get a 4xx JSON answer and
  whose unexpected failures get a 500, without stopping the process.
* ``serve`` starts that app with uvicorn on 127.0.0.1 in a child process and always stops it;
  ``load_test`` sends it requests from a few threads and reports latency percentiles and throughput.
"""
from __future__ import annotations

import itertools
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Iterator

import httpx
import numpy as np
import torch
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from torch import nn

from data_generation.fizzbuzz import encode_binary, say

__all__ = ["ModelHandler", "FizzBuzzHandler", "ImageHandler", "create_app",
           "fizzbuzz_app_from_env", "free_port", "RunningServer", "serve", "load_test"]

logger = logging.getLogger(__name__)
WEIGHTS_ENV = "BOOK_FIZZBUZZ_WEIGHTS"


class ModelHandler:
    """The four stages of a prediction; subclasses write ``preprocess`` and ``postprocess``."""

    def __init__(self):
        self.model: nn.Module | None = None
        self.device = torch.device("cpu")
        self.last_timings: dict[str, float] = {}

    def initialize(self, model: nn.Module, weights=None, device: str = "cpu") -> "ModelHandler":
        """Keep ``model`` in eval mode on ``device``, first loading ``weights`` (a path or a
        state_dict) strictly; a path is read with ``weights_only=True``, so no pickled code runs."""
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be an nn.Module, got {type(model).__name__}.")
        self.device = torch.device(device)
        if weights is not None:
            if isinstance(weights, (str, os.PathLike)):
                weights = torch.load(weights, map_location=self.device, weights_only=True)
            if not isinstance(weights, dict):
                raise TypeError("weights must be a file path or a state_dict (a dict of tensors).")
            model.load_state_dict(weights, strict=True)
        self.model = model.to(self.device).eval()
        return self

    def preprocess(self, payloads: list) -> torch.Tensor:
        raise NotImplementedError("a subclass turns its requests into one batch tensor")

    def inference(self, batch: torch.Tensor) -> torch.Tensor:
        """One forward pass without autograd bookkeeping."""
        if self.model is None:
            raise RuntimeError("call initialize(model, weights) before asking for predictions.")
        with torch.inference_mode():
            return self.model(batch.to(self.device)).cpu()

    def postprocess(self, payloads: list, outputs: torch.Tensor) -> list[dict]:
        raise NotImplementedError("a subclass turns the model's outputs into answers")

    def handle(self, payloads: list) -> list[dict]:
        """preprocess -> inference -> postprocess on a list of requests; one answer per request."""
        if not isinstance(payloads, list) or not payloads:
            raise TypeError("payloads must be a non-empty list (one request is a list of one).")
        timings, start = {}, time.perf_counter()
        batch = self.preprocess(payloads)
        timings["preprocess"], start = (time.perf_counter() - start) * 1e3, time.perf_counter()
        outputs = self.inference(batch)
        timings["inference"], start = (time.perf_counter() - start) * 1e3, time.perf_counter()
        answers = self.postprocess(payloads, outputs)
        timings["postprocess"] = (time.perf_counter() - start) * 1e3
        self.last_timings = timings
        return answers


class FizzBuzzHandler(ModelHandler):
    """Chapter 12's model: the request is the number just said, the answer what comes next.

    The model was trained on ``(n, class of n + 1)`` pairs, so the handler encodes ``n`` as it is.
    Adding one here as well would answer for ``n + 2``: a skew between training and serving.
    """

    def __init__(self, bits: int = 10, largest: int = 999):
        super().__init__()
        self.bits, self.largest = bits, largest

    def preprocess(self, payloads: list) -> torch.Tensor:
        for n in payloads:
            if isinstance(n, bool) or not isinstance(n, int):
                raise TypeError(f"each number must be an integer, got {n!r} "
                                f"({type(n).__name__}).")
            if not 0 <= n <= self.largest:
                raise ValueError(f"numbers must lie in 0..{self.largest} (the range the model "
                                 f"learned), got {n}.")
        return torch.stack([encode_binary(n, self.bits) for n in payloads])

    def postprocess(self, payloads: list, outputs: torch.Tensor) -> list[dict]:
        classes = outputs.argmax(dim=1).tolist()
        return [{"number": n, "answer": say(n + 1, c)} for n, c in zip(payloads, classes)]


class ImageHandler(ModelHandler):
    """Grey images sent as ``height`` x ``width`` nested lists of integers 0-255."""

    def __init__(self, class_names: tuple[str, ...], height: int, width: int,
                 mean: float = 0.5, std: float = 0.5):
        super().__init__()
        self.class_names = tuple(class_names)
        self.shape = (height, width)
        self.mean, self.std = mean, std

    def preprocess(self, payloads: list) -> torch.Tensor:
        images = []
        for pixels in payloads:
            try:
                array = np.asarray(pixels)
            except ValueError:  # ragged nested lists
                raise ValueError(f"pixels must be a {self.shape[0]} x {self.shape[1]} grid; "
                                 "the rows have different lengths.") from None
            if array.shape != self.shape:
                raise ValueError(f"pixels must have shape {self.shape} (rows, columns), got "
                                 f"{array.shape}.")
            if array.dtype.kind not in "iu":
                raise TypeError(f"pixels must be integers 0-255, got values of type "
                                f"{array.dtype}.")
            if array.min() < 0 or array.max() > 255:
                raise ValueError(f"pixels must lie in 0..255, got {array.min()}..{array.max()}.")
            images.append(torch.as_tensor(array, dtype=torch.float32) / 255)
        batch = torch.stack(images).unsqueeze(1)   # (N, 1, H, W)
        return (batch - self.mean) / self.std

    def postprocess(self, payloads: list, outputs: torch.Tensor) -> list[dict]:
        probabilities = outputs.softmax(dim=1)
        return [{"label": self.class_names[int(p.argmax())],
                 "probabilities": {name: round(float(q), 4)
                                   for name, q in zip(self.class_names, p)}}
                for p in probabilities]


# ---- the HTTP layer --------------------------------------------------------------------------

Number = Annotated[int, Field(ge=0, le=999)]


class _Strict(BaseModel):
    # strict: "14", 14.5 and true are not numbers; forbid: a misspelled field is an error
    model_config = ConfigDict(strict=True, extra="forbid")


class NumberRequest(_Strict):
    number: Number


class BatchRequest(_Strict):
    numbers: list[Number] = Field(min_length=1, max_length=256)


class ImageRequest(_Strict):
    pixels: list[list[int]]


def _answer(handler: ModelHandler | None, payloads: list, name: str) -> list[dict]:
    """``handler.handle``, with a 422 for a request the handler refuses and a 500 for a bug."""
    if handler is None:
        raise HTTPException(status_code=404, detail=f"this server has no {name} model.")
    try:
        return handler.handle(payloads)
    except (TypeError, ValueError) as err:
        raise HTTPException(status_code=422,
                            detail=[{"type": "invalid_input", "msg": str(err)}]) from None
    except Exception:
        # the details go to the server's log, never to the client; the worker keeps serving
        logger.exception("prediction failed")
        raise HTTPException(status_code=500, detail="internal error while predicting; "
                            "the request was not answered, the server is still up.") from None


def create_app(fizzbuzz: FizzBuzzHandler | None = None, image: ImageHandler | None = None,
               max_body_bytes: int = 1_000_000) -> FastAPI:
    """A FastAPI app with ``/health``, ``/v1/fizzbuzz``, ``/v1/fizzbuzz/batch`` and ``/v1/image``.

    Pass initialised handlers. Bodies over ``max_body_bytes`` get 413 before they are parsed.
    The endpoints are plain ``def`` so FastAPI runs them in its thread pool: a forward pass inside
    an ``async def`` would stall every other request of the worker.
    """
    if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) \
            or max_body_bytes < 1:
        raise ValueError(f"max_body_bytes must be a positive integer, got {max_body_bytes!r}.")
    app = FastAPI(title="PyTorch, step by step: chapter 18 model server")

    @app.middleware("http")
    async def limit_body_size(request: Request, call_next):
        if request.method in ("POST", "PUT", "PATCH"):
            length = request.headers.get("content-length")
            if length is None or not length.isdigit():
                return JSONResponse(status_code=411, content={
                    "detail": "send the body with a Content-Length header."})
            if int(length) > max_body_bytes:
                return JSONResponse(status_code=413, content={
                    "detail": f"the body has {int(length)} bytes; the limit is "
                              f"{max_body_bytes}. Send fewer items per request."})
        return await call_next(request)

    @app.get("/health")
    def health() -> dict:
        models = [name for name, h in (("fizzbuzz", fizzbuzz), ("image", image)) if h]
        return {"status": "ok", "pid": os.getpid(), "models": models}

    @app.post("/v1/fizzbuzz")
    def fizzbuzz_one(request: NumberRequest) -> dict:
        return _answer(fizzbuzz, [request.number], "fizzbuzz")[0]

    @app.post("/v1/fizzbuzz/batch")
    def fizzbuzz_batch(request: BatchRequest) -> dict:
        return {"answers": _answer(fizzbuzz, request.numbers, "fizzbuzz")}

    @app.post("/v1/image")
    def classify_image(request: ImageRequest) -> dict:
        return _answer(image, [request.pixels], "image")[0]

    return app


def fizzbuzz_app_from_env() -> FastAPI:
    """App factory for ``uvicorn --factory``: each worker process loads the FizzBuzz weights named
    by the ``BOOK_FIZZBUZZ_WEIGHTS`` environment variable, once."""
    from helpers.nn.fizzbuzz import fizzbuzz_classifier

    weights = os.environ.get(WEIGHTS_ENV)
    if not weights or not Path(weights).is_file():
        raise RuntimeError(f"set {WEIGHTS_ENV} to the path of a saved FizzBuzz state_dict.")
    torch.set_num_threads(1)   # one thread per worker: workers, not threads, use the cores
    handler = FizzBuzzHandler().initialize(fizzbuzz_classifier(seed=None), weights)
    return create_app(fizzbuzz=handler)


# ---- a real server on loopback -----------------------------------------------------------------

def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class RunningServer:
    """Where a server started by ``serve`` listens, and its main process id."""
    base_url: str
    port: int
    pid: int


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # a recycled id that belongs to somebody else: not ours any more
        return False
    return True


def _stop_group(process: subprocess.Popen, grace: float) -> None:
    """SIGTERM to the whole process group, SIGKILL to whatever is left after ``grace`` seconds."""
    pgid = process.pid   # start_new_session=True made the child the leader of its own group
    if _group_alive(pgid):
        os.killpg(pgid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    deadline = time.monotonic() + grace
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _group_alive(pgid):
        os.killpg(pgid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + grace   # workers adopted by init still need reaping
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)


@contextmanager
def serve(factory: str = "helpers.serving:fizzbuzz_app_from_env", workers: int = 1,
          env: dict[str, str] | None = None, timeout: float = 60.0,
          grace: float = 10.0) -> Iterator[RunningServer]:
    """Run ``uvicorn --factory FACTORY`` on 127.0.0.1 and a free port; stop it on exit, always.

    The server runs in its own process group, so stopping it reaches every worker. Raises
    RuntimeError (with the server's log) if it does not answer ``/health`` within ``timeout``.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}.")
    port = free_port()   # another program could grab it before uvicorn binds: then start fails loudly
    command = [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    server = RunningServer(f"http://127.0.0.1:{port}", port, process.pid)
    try:
        _wait_until_ready(server, process, log, timeout)
        yield server
    finally:
        _stop_group(process, grace)
        log.close()


def _wait_until_ready(server: RunningServer, process: subprocess.Popen, log,
                      timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            # trust_env=False: a proxy set in the environment must not see loopback traffic
            reply = httpx.get(server.base_url + "/health", timeout=1.0, trust_env=False)
            if reply.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    log.seek(0)
    tail = log.read().decode(errors="replace")[-2000:]
    raise RuntimeError(f"the server did not answer /health within {timeout} s "
                       f"(exit code {process.poll()}). Its log ends with:\n{tail}")


def load_test(base_url: str, path: str, payloads: list[dict], n_requests: int = 200,
              concurrency: int = 8, items_per_request: int = 1,
              timeout: float = 30.0) -> dict[str, float]:
    """POST ``n_requests`` JSON bodies (cycling through ``payloads``) from ``concurrency`` threads.

    Returns latency percentiles in milliseconds (p50, p95, p99), requests and items per second,
    and the number of errors (anything but a 200, or no answer). Stops early after ``timeout`` s.
    """
    for name, value in (("n_requests", n_requests), ("concurrency", concurrency),
                        ("items_per_request", items_per_request)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if not isinstance(payloads, list) or not payloads:
        raise TypeError("payloads must be a non-empty list of JSON bodies (dicts).")
    tickets = itertools.count()   # next() on a count is atomic under the GIL
    latencies, errors, lock = [], [0], threading.Lock()
    start = time.perf_counter()
    deadline = start + timeout

    def client_loop():
        with httpx.Client(base_url=base_url, timeout=timeout, trust_env=False) as client:
            while (i := next(tickets)) < n_requests and time.perf_counter() < deadline:
                sent = time.perf_counter()
                try:
                    ok = client.post(path, json=payloads[i % len(payloads)]).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with lock:
                    if ok:
                        latencies.append(time.perf_counter() - sent)
                    else:
                        errors[0] += 1

    threads = [threading.Thread(target=client_loop) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    ms = np.array(latencies) * 1e3 if latencies else np.array([np.nan])
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {"requests": len(latencies), "errors": errors[0], "seconds": seconds,
            "p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99),
            "requests_per_s": len(latencies) / seconds,
            "items_per_s": len(latencies) * items_per_request / seconds}
