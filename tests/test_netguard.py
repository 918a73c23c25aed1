"""The test run is offline: outside connections fail loudly (see tests/netguard)."""
import os
import subprocess
import sys
from pathlib import Path

GUARD = Path(__file__).resolve().parent / "netguard"
PROBE = """
import socket
try:
    socket.create_connection(("192.0.2.1", 80), timeout=1)
except ConnectionRefusedError as err:
    print("refused:", err)
except OSError as err:
    print("other:", err)
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
socket.create_connection(s.getsockname(), timeout=1).close()
print("loopback ok")
"""


def run_probe(guard_on: bool) -> str:
    env = dict(os.environ, PYTHONPATH=str(GUARD), BOOK_NETGUARD="1" if guard_on else "0")
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                          text=True, timeout=60).stdout


def test_outside_connections_are_refused_but_loopback_works():
    out = run_probe(guard_on=True)
    assert "refused: network access to ('192.0.2.1', 80) is blocked while testing" in out
    assert "loopback ok" in out


def test_guard_is_off_unless_asked():
    assert "blocked while testing" not in run_probe(guard_on=False)


def test_this_test_run_is_guarded_under_ci():
    # `make test` turns the guard on for pytest and every notebook kernel; CI runs `make test`
    if os.environ.get("CI") == "true":
        assert os.environ.get("BOOK_NETGUARD") == "1"
