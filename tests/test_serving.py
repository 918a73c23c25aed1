"""helpers/serving.py: the handlers, the FastAPI app's answers to good and bad requests, and a real
uvicorn server on loopback that is always stopped (no process or port left behind)."""
from __future__ import annotations

import os
import pickle
import socket
import warnings

import pytest
import torch
from fastapi.testclient import TestClient

from data_generation.fizzbuzz import FizzBuzzDataset, encode_binary, fizzbuzz_split, say
from helpers.export import save_atomically
from helpers.nn.fizzbuzz import fizzbuzz_classifier, train_fizzbuzz
from helpers.serving import (FizzBuzzHandler, ImageHandler, ModelHandler, create_app, free_port,
                             load_test, serve)

LINE_CLASSES = ("parallel", "diagonal /", "diagonal \\")


@pytest.fixture(scope="module")
def trained_weights(tmp_path_factory):
    """Chapter 12's FizzBuzz recipe (500 epochs, seed 42) saved as a state_dict file."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        x, y = FizzBuzzDataset(0, 1000).tensors()
        train, _ = fizzbuzz_split(1000, 100, seed=42)
        model = fizzbuzz_classifier(seed=42)
        train_fizzbuzz(model, x[train], y[train], epochs=500, seed=42, progress=False)
    finally:
        torch.set_num_threads(threads)
    return save_atomically(model.state_dict(), tmp_path_factory.mktemp("ch18") / "fizzbuzz.pth")


@pytest.fixture
def handler():
    """An untrained (seeded) FizzBuzz handler: enough for everything but the answers' words."""
    return FizzBuzzHandler().initialize(fizzbuzz_classifier(seed=0))


def line_cnn():
    return torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                               torch.nn.Flatten(), torch.nn.Linear(64, 16), torch.nn.ReLU(),
                               torch.nn.Linear(16, 3))


@pytest.fixture
def client(handler):
    torch.manual_seed(0)
    image = ImageHandler(LINE_CLASSES, height=10, width=10).initialize(line_cnn())
    return TestClient(create_app(fizzbuzz=handler, image=image, max_body_bytes=10_000))


# ---- the handler, without HTTP -----------------------------------------------------------------

def test_handler_works_on_lists_and_times_each_stage(handler):
    answers = handler.handle([3, 14, 999])
    assert [a["number"] for a in answers] == [3, 14, 999]
    assert all(isinstance(a["answer"], str) for a in answers)
    assert set(handler.last_timings) == {"preprocess", "inference", "postprocess"}
    assert all(ms >= 0 for ms in handler.last_timings.values())
    assert torch.equal(handler.preprocess([14]), encode_binary(14).unsqueeze(0))


def test_the_next_number_contract_is_applied_once(trained_weights):
    model = fizzbuzz_classifier(seed=None)
    served = FizzBuzzHandler().initialize(model, trained_weights)
    assert served.handle([14]) == [{"number": 14, "answer": "FizzBuzz"}]
    x, _ = FizzBuzzDataset(0, 1000).tensors()
    with torch.no_grad():
        classes = model(x).argmax(1).tolist()
    answers = served.handle(list(range(1000)))
    assert [a["answer"] for a in answers] == [say(n + 1, c) for n, c in enumerate(classes)]


@pytest.mark.parametrize("bad, error", [(14.0, TypeError), (True, TypeError), ("14", TypeError),
                                        (-1, ValueError), (1000, ValueError)])
def test_handler_refuses_bad_numbers(handler, bad, error):
    with pytest.raises(error, match="0..999|integer"):
        handler.handle([bad])


def test_handler_needs_a_non_empty_list_and_initialisation(handler):
    with pytest.raises(TypeError, match="non-empty list"):
        handler.handle(14)
    with pytest.raises(TypeError, match="non-empty list"):
        handler.handle([])
    with pytest.raises(RuntimeError, match="initialize"):
        FizzBuzzHandler().inference(torch.zeros(1, 10))
    with pytest.raises(NotImplementedError):
        ModelHandler().initialize(fizzbuzz_classifier()).handle([1])


def test_initialize_loads_state_dicts_only(tmp_path):
    source = fizzbuzz_classifier(seed=3)
    path = save_atomically(source.state_dict(), tmp_path / "w.pth")
    target = fizzbuzz_classifier(seed=4)
    FizzBuzzHandler().initialize(target, path)
    assert torch.equal(target[0].weight, source[0].weight)
    torch.save(source, tmp_path / "module.pth")             # a pickled module
    with pytest.raises(pickle.UnpicklingError):
        FizzBuzzHandler().initialize(fizzbuzz_classifier(), tmp_path / "module.pth")
    with pytest.raises(TypeError, match="nn.Module"):
        FizzBuzzHandler().initialize("model")
    with pytest.raises(TypeError, match="state_dict"):
        FizzBuzzHandler().initialize(fizzbuzz_classifier(), weights=[1, 2])


def test_image_handler_scales_like_training_and_checks_the_grid():
    image = ImageHandler(LINE_CLASSES, height=10, width=10).initialize(line_cnn())
    pixels = [[255 * ((r + c) % 2) for c in range(10)] for r in range(10)]
    batch = image.preprocess([pixels])
    assert batch.shape == (1, 1, 10, 10) and batch.min() == -1 and batch.max() == 1
    answer = image.handle([pixels])[0]
    assert answer["label"] in LINE_CLASSES
    assert sum(answer["probabilities"].values()) == pytest.approx(1, abs=1e-3)
    with pytest.raises(ValueError, match=r"shape \(10, 10\)"):
        image.preprocess([pixels[:9]])
    with pytest.raises(ValueError, match="different lengths"):
        image.preprocess([pixels[:9] + [[0] * 3]])
    with pytest.raises(ValueError, match="0..255"):
        image.preprocess([[[300] * 10] * 10])
    with pytest.raises(TypeError, match="integers"):
        image.preprocess([[[0.5] * 10] * 10])


# ---- the app, in-process -----------------------------------------------------------------------

def test_good_requests(client):
    health = client.get("/health").json()
    assert health == {"status": "ok", "pid": os.getpid(), "models": ["fizzbuzz", "image"]}
    one = client.post("/v1/fizzbuzz", json={"number": 14})
    assert one.status_code == 200 and one.json()["number"] == 14
    many = client.post("/v1/fizzbuzz/batch", json={"numbers": [1, 2, 3]})
    assert [a["number"] for a in many.json()["answers"]] == [1, 2, 3]
    image = client.post("/v1/image", json={"pixels": [[0] * 10] * 10})
    assert image.status_code == 200 and image.json()["label"] in LINE_CLASSES


JSON = {"content-type": "application/json"}
BAD_REQUESTS = {
    "malformed JSON": ("/v1/fizzbuzz", dict(content=b'{"number": 14', headers=JSON), 422, "json_invalid"),
    "string": ("/v1/fizzbuzz", dict(json={"number": "14"}), 422, "int_type"),
    "float": ("/v1/fizzbuzz", dict(json={"number": 14.5}), 422, "int_type"),
    "boolean": ("/v1/fizzbuzz", dict(json={"number": True}), 422, "int_type"),
    "negative": ("/v1/fizzbuzz", dict(json={"number": -1}), 422, "greater_than_equal"),
    "too large": ("/v1/fizzbuzz", dict(json={"number": 1000}), 422, "less_than_equal"),
    "missing": ("/v1/fizzbuzz", dict(json={}), 422, "missing"),
    "extra": ("/v1/fizzbuzz", dict(json={"number": 1, "x": 2}), 422, "extra_forbidden"),
    "list": ("/v1/fizzbuzz", dict(json=[14]), 422, "model_attributes_type"),
    "empty batch": ("/v1/fizzbuzz/batch", dict(json={"numbers": []}), 422, "too_short"),
    "long batch": ("/v1/fizzbuzz/batch", dict(json={"numbers": [1] * 257}), 422, "too_long"),
    "wrong shape": ("/v1/image", dict(json={"pixels": [[0] * 10] * 9}), 422, "invalid_input"),
    "pixel type": ("/v1/image", dict(json={"pixels": [[0.5] * 10] * 10}), 422, "int_type"),
    "pixel range": ("/v1/image", dict(json={"pixels": [[256] * 10] * 10}), 422, "invalid_input"),
    "oversize": ("/v1/fizzbuzz/batch", dict(json={"numbers": list(range(5000))}), 413, None),
}


@pytest.mark.parametrize("name", BAD_REQUESTS)
def test_bad_requests_get_a_clear_4xx_and_the_app_keeps_serving(client, name):
    path, request, status, kind = BAD_REQUESTS[name]
    reply = client.post(path, **request)
    assert reply.status_code == status
    detail = reply.json()["detail"]
    if kind is None:
        assert "limit is 10000" in detail
    else:
        assert detail[0]["type"] == kind and detail[0]["msg"]
    assert client.post("/v1/fizzbuzz", json={"number": 14}).status_code == 200


def test_wrong_method_missing_model_and_missing_length(handler):
    client = TestClient(create_app(fizzbuzz=handler))
    assert client.get("/v1/fizzbuzz").status_code == 405
    assert client.post("/v1/image", json={"pixels": [[0] * 10] * 10}).status_code == 404
    chunked = client.post("/v1/fizzbuzz", content=iter([b'{"number": 14}']), headers=JSON)
    assert chunked.status_code == 411
    with pytest.raises(ValueError, match="max_body_bytes"):
        create_app(fizzbuzz=handler, max_body_bytes=0)


def test_a_bug_in_the_model_is_a_500_and_the_next_request_works(client, handler, monkeypatch):
    def broken(batch):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(handler, "inference", broken)
    reply = client.post("/v1/fizzbuzz", json={"number": 14})
    assert reply.status_code == 500 and "secret" not in reply.text
    monkeypatch.undo()
    assert client.post("/v1/fizzbuzz", json={"number": 14}).status_code == 200


# ---- a real server on 127.0.0.1 ----------------------------------------------------------------

def _gone(ident: int, probe=os.kill) -> bool:
    """True once no process (``os.kill``) or process group (``os.killpg``) has this id."""
    try:
        probe(ident, 0)
    except ProcessLookupError:
        return True
    return False


def _port_refuses(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_free_port_is_a_loopback_port_nobody_uses():
    port = free_port()
    assert 1024 <= port <= 65535 and _port_refuses(port)


def test_live_server_with_two_workers_answers_and_leaves_nothing_behind(trained_weights):
    import httpx

    env = {"BOOK_FIZZBUZZ_WEIGHTS": str(trained_weights)}
    pids = set()
    with pytest.raises(KeyboardInterrupt):   # the block fails: the server must stop all the same
        with serve(workers=2, env=env) as server:
            assert server.base_url == f"http://127.0.0.1:{server.port}"
            with httpx.Client(base_url=server.base_url, trust_env=False) as http:
                assert http.post("/v1/fizzbuzz", json={"number": 14}).json()["answer"] == "FizzBuzz"
                assert http.post("/v1/fizzbuzz", json={"number": "14"}).status_code == 422
                assert http.post("/v1/fizzbuzz", json={"number": 30}).status_code == 200
                pids |= {http.get("/health").json()["pid"] for _ in range(20)}
            stats = load_test(server.base_url, "/v1/fizzbuzz", [{"number": 14}, {"number": 29}],
                              n_requests=30, concurrency=3)
            assert stats["requests"] == 30 and stats["errors"] == 0
            assert 0 < stats["p50_ms"] <= stats["p95_ms"] <= stats["p99_ms"]
            assert stats["items_per_s"] == pytest.approx(stats["requests_per_s"])
            port, group = server.port, server.pid
            raise KeyboardInterrupt
    assert server.pid not in pids   # the answers came from worker processes, not the supervisor
    assert _gone(group, os.killpg)
    assert all(_gone(pid) for pid in pids | {group})
    assert _port_refuses(port)


def test_a_server_that_cannot_start_raises_with_its_log_and_leaves_nothing():
    env = {"BOOK_FIZZBUZZ_WEIGHTS": "/nonexistent/weights.pth"}
    with pytest.raises(RuntimeError, match="BOOK_FIZZBUZZ_WEIGHTS") as caught:
        with serve(workers=1, env=env, timeout=60):
            pass
    assert "did not answer /health" in str(caught.value)
    with pytest.raises(ValueError, match="workers"):
        with serve(workers=0):
            pass


def test_load_test_checks_its_arguments():
    with pytest.raises(ValueError, match="n_requests"):
        load_test("http://127.0.0.1:1", "/", [{}], n_requests=0)
    with pytest.raises(TypeError, match="payloads"):
        load_test("http://127.0.0.1:1", "/", [], n_requests=1)


def test_load_test_counts_refused_connections_as_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats = load_test(f"http://127.0.0.1:{free_port()}", "/", [{}], n_requests=3,
                          concurrency=1, timeout=5)
    assert stats["requests"] == 0 and stats["errors"] == 3
