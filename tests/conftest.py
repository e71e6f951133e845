import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may download at test time


@pytest.fixture(autouse=True)
def _seed():
    import torch

    torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Nothing may download in tests: a connection to anything but this machine fails loudly."""
    import socket

    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1", "")
                                          or sock.family == socket.AF_UNIX):
            raise RuntimeError(f"test tried to reach {address}: tests must not use the network")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


def pytest_collection_modifyitems(config, items):
    """``@pytest.mark.heavy`` tests run only when asked for (``-m heavy``), as the marker's description says."""
    if "heavy" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="heavy: run with -m heavy")
    for item in items:
        if "heavy" in item.keywords:
            item.add_marker(skip)
