"""Refuse network connections outside this machine while the tests run.

Loaded automatically by Python (``sitecustomize``) when ``tests/netguard`` is on PYTHONPATH, which
``make test`` sets for pytest and every notebook kernel it starts. Only active when
``BOOK_NETGUARD=1``. Loopback and Unix sockets stay allowed (Jupyter kernels talk over them).
"""
import ipaddress
import os
import socket

if os.environ.get("BOOK_NETGUARD") == "1":
    _real_connect = socket.socket.connect
    _real_connect_ex = socket.socket.connect_ex

    class NetworkAccessDenied(ConnectionRefusedError):
        """Raised when code under test tries to reach another machine."""

    def _is_local(address) -> bool:
        if not isinstance(address, tuple):  # AF_UNIX paths and the like
            return True
        host = address[0]
        if host in ("localhost", ""):
            return True
        try:
            return ipaddress.ip_address(host.split("%")[0]).is_loopback
        except ValueError:
            return False  # a host name that is not localhost

    def _check(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
            raise NetworkAccessDenied(
                f"network access to {address!r} is blocked while testing (BOOK_NETGUARD=1); "
                "the book must run offline: load data from the repository, generate it, "
                "or read it from an installed package instead.")

    def _guarded_connect(self, address):
        _check(self, address)
        return _real_connect(self, address)

    def _guarded_connect_ex(self, address):
        _check(self, address)
        return _real_connect_ex(self, address)

    socket.socket.connect = _guarded_connect
    socket.socket.connect_ex = _guarded_connect_ex
