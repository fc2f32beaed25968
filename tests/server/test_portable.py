"""Where offices run: each Linux-only call has a fallback, and the server serves without uvloop
and httptools (Windows has no uvloop). Absence is simulated the way Python sees it — a module
that cannot be imported (None in sys.modules) — in this process or in a fresh one."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from server import limits
from server.launch import ROOT, loop_and_http, server_argv
from sync import layers, registry
from tallysync import var

HIDDEN = str(ROOT / ".ci" / "no-extensions")  # sitecustomize: uvloop and httptools unimportable


def test_without_the_resource_module_nothing_limits_the_connections(monkeypatch):
    monkeypatch.setitem(sys.modules, "resource", None)
    assert limits._resource() is None
    monkeypatch.setattr(limits, "resource", None)
    assert limits.descriptors_soft() == limits.NO_LIMIT
    assert limits.descriptors_raise() == limits.NO_LIMIT
    read = limits.limits_read({}, descriptors=limits.descriptors_soft())
    assert read.max_connections == limits.MAX_CONNECTIONS
    assert read.descriptor_warning() is None


class LockingStandIn:
    """msvcrt's locking() as Windows behaves: one holder of a file's first byte at a time."""

    LK_NBLCK = 2

    def __init__(self) -> None:
        self.held: set[tuple[int, int]] = set()

    def locking(self, descriptor: int, mode: int, length: int) -> None:
        assert (mode, length) == (self.LK_NBLCK, 1)
        stat = os.fstat(descriptor)
        if (stat.st_dev, stat.st_ino) in self.held:
            raise OSError(36, "Resource deadlock avoided")
        self.held.add((stat.st_dev, stat.st_ino))


def test_without_fcntl_the_single_process_claim_locks_with_msvcrt(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "fcntl", None)
    assert layers._module("fcntl") is None
    monkeypatch.setattr(layers, "fcntl", None)
    monkeypatch.setattr(layers, "msvcrt", LockingStandIn())
    path = tmp_path / "server.lock"
    with path.open("a+") as first, path.open("a+") as second:
        assert layers.lock_exclusive(first) is True
        assert layers.lock_exclusive(second) is False  # the second server is refused


def test_with_no_file_lock_at_all_the_claim_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(layers, "fcntl", None)
    monkeypatch.setattr(layers, "msvcrt", None)
    with (tmp_path / "server.lock").open("a+") as handle, pytest.raises(ImproperlyConfigured):
        layers.lock_exclusive(handle)


def test_a_process_is_looked_for_through_psutil_not_os_kill(monkeypatch):
    """On Windows os.kill(pid, 0) would end the process it names: psutil asks each system its
    own way (OpenProcess there; on POSIX, os.kill with 0, which is harmless)."""
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    assert registry._alive(os.getpid()) is True
    assert registry._alive(ended.pid) is False
    assert registry._alive(0) is False
    asked = []
    monkeypatch.setattr(registry.psutil, "pid_exists", lambda pid: asked.append(pid) or True)
    monkeypatch.setattr(registry.os, "kill", lambda *args: pytest.fail("os.kill called"))
    assert registry._alive(4242) is True
    assert asked == [4242]


def test_an_installed_server_keeps_its_data_in_the_accounts_own_folder():
    windows = var.installed_var_dir({"LOCALAPPDATA": r"C:\Users\ravi\AppData\Local"}, windows=True)
    assert windows == Path(r"C:\Users\ravi\AppData\Local") / "TallySync"
    assert var.installed_var_dir({"XDG_DATA_HOME": "/srv/d"}, windows=False) == Path(
        "/srv/d/tallysync"
    )
    assert var.CHECKOUT and var.FILES_DIR == ROOT  # this run is a checkout: templates/ beside


def test_without_uvloop_and_httptools_the_server_takes_asyncio_and_h11():
    def found(module: str) -> bool:
        return module not in {"uvloop", "httptools"}

    assert loop_and_http(found) == ("asyncio", "server.protocol:LimitedH11Protocol")
    argv = server_argv("127.0.0.1", 9000, found=found)
    assert argv[argv.index("--loop") + 1] == "asyncio"
    code = (
        "import server.protocol as p, server.launch as l; "
        "print(p.LimitedHttpToolsProtocol, l.loop_and_http())"
    )
    env = {**os.environ, "PYTHONPATH": HIDDEN}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "None ('asyncio', 'server.protocol:LimitedH11Protocol')"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, deadline: float, process: subprocess.Popen) -> Any:
    while True:
        assert process.poll() is None, "the server stopped"
        try:
            return urllib.request.urlopen(url, timeout=5)
        except OSError:
            assert time.monotonic() < deadline, f"no answer from {url}"
            time.sleep(0.1)  # polling a condition under a deadline


def test_a_real_server_serves_pages_without_uvloop_and_httptools(tmp_path):
    """`serve`'s command line in a Python where neither can be imported: pages and /healthz."""
    env = {
        **os.environ,
        "PYTHONPATH": HIDDEN,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "TALLYSYNC_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "portable-only-secret",
        "DJANGO_SETTINGS_MODULE": "tallysync.settings",
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, "manage.py", "migrate", "--noinput", "-v0"]
    subprocess.run(manage, cwd=ROOT, env=env, check=True, timeout=300)
    port = _free_port()
    argv = server_argv("127.0.0.1", port, found=lambda name: name not in {"uvloop", "httptools"})
    with (tmp_path / "server.log").open("w") as log:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        health = _get(f"http://127.0.0.1:{port}/healthz", deadline, process)
        assert json.load(health)["status"] == "ok"
        setup = _get(f"http://127.0.0.1:{port}/setup/", deadline, process)
        assert b"Welcome to TallySync" in setup.read()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "Uvicorn running" in (tmp_path / "server.log").read_text()
