"""Real-browser tests: the server (uvicorn, as `manage.py serve` starts it) on its own SQLite
file, driven by Debian's Chromium.

Without Chromium the tests skip with the reason on a developer's machine; with CI=true they
fail, since `.ci/run` installs it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.launch import server_argv

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CI = os.environ.get("CI", "").lower() == "true"
SEED = Path(__file__).with_name("seed.py")
PASSWORD = "office-pass-1"


def _need_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    message = f"Chromium not found at {CHROMIUM}: `apt-get install chromium` (or set CHROMIUM)"
    if CI:
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, deadline: float = 30) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {deadline} s")


class Server:
    """A server process (server.launch: uvicorn, or daphne) serving TallySync from a database of
    its own."""

    def __init__(self, workdir: Path, *, server: str = "uvicorn", **env: str) -> None:
        self.workdir = workdir
        self.server = server
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{workdir / 'e2e.sqlite3'}",
            "TALLYSYNC_VAR_DIR": str(workdir),
            "SECRET_KEY": "e2e-only-secret",
            "DJANGO_SETTINGS_MODULE": "tallysync.settings",
            **env,
        }
        self.env.pop("REDIS_URL", None)
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def start(self) -> None:
        log = (self.workdir / "server.log").open("a")
        self.process = subprocess.Popen(
            server_argv("127.0.0.1", self.port, server=self.server),
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        _wait_for_port(self.port, self.process)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def seeded_server(
    tmp_path_factory: pytest.TempPathFactory,
    config: dict[str, Any] | None = None,
    *,
    server: str = "uvicorn",
    **env: str,
) -> Server:
    """A started `server` (uvicorn or daphne) whose database holds the seeded office (and
    ServerConfig `config`)."""
    _need_chromium()
    office = Server(tmp_path_factory.mktemp("e2e"), server=server, **env)
    office.manage("migrate", "--noinput", "-v0")
    office.manage("shell", "-v0", stdin=SEED.read_text())
    if config:
        script = "from config.models import ServerConfig as C; C.objects.update_or_create(pk=1, "
        office.manage("shell", "-v0", "-c", f"{script}defaults={config!r})")
    office.start()
    return office


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = seeded_server(tmp_path_factory)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def company_url(server: Server) -> str:
    return server.url + server.manage("shell", "-v0", "-c", SHOW_COMPANY).strip()


SHOW_COMPANY = "from companies.models import Company; print(f'/c/{Company.objects.get().pk}/')"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for one test module. Module scope: Playwright's sync API leaves its
    event loop marked as running in this thread, which would break later async tests."""
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def sign_in(browser: Any, server: Server, username: str) -> Any:
    """A new browser context (its own cookies) signed in as `username`; returns its page."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 860}, locale="en-IN", timezone_id="Asia/Kolkata"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(server.url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(server.url + "/")
    return page


@pytest.fixture
def ravi(browser: Any, server: Server) -> Iterator[Any]:
    """Ravi, the accounts officer (accountant)."""
    page = sign_in(browser, server, "ravi")
    yield page
    page.context.close()


def voucher_to_alter(office: Server) -> str:
    """The alteration page of a voucher to fight over, saved through the API."""
    script = (
        "from django.contrib.auth.models import User; from companies.auth import token_issue; "
        "from companies.models import Company; "
        "print(Company.objects.get().pk, token_issue(user=User.objects.get(username='meena')))"
    )
    cid, token = office.manage("shell", "-v0", "-c", script).split()
    body = {
        "type": "Sales",
        "date": time.strftime("%Y-%m-%d"),
        "entries": [
            {"ledger": "Sharma Enterprises", "debit": "900"},
            {"ledger": "Sales", "credit": "900"},
        ],
    }
    request = urllib.request.Request(
        f"{office.url}/c/{cid}/vouchers/",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        voucher = json.load(answer)
    return f"{office.url}/c/{cid}/vouchers/{voucher['id']}/edit/"
