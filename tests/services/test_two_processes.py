"""Two real daphne processes on one PostgreSQL database and one Redis channel layer.

A save made through process 1's JSON API must reach a socket held open on process 2 (and one on
process 1) as exactly the committed seqs, in order, nothing missing or repeated — the promise
of DESIGN §3 once the office runs more than one server process.

The servers cannot see pytest-django's test database (its data is never committed where another
process could read it), so this test makes a throwaway database of its own, migrates and seeds
it with `manage.py`, and drops it at the end. It asks for no Django database fixture.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import secrets
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import psycopg
import pytest
from django.conf import settings

from tests.conftest import sale
from tests.services.conftest import CI, CONNECT_TIMEOUT, run_together

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = 3  # not the in-process tests' database: this test's keys never meet theirs
SAVES = 30  # checked saves; one sentinel save follows them
SEQUENTIAL = 10  # of which these go one after another, the rest from threads at once
THREADS = 5
assert (SAVES - SEQUENTIAL) % THREADS == 0
START_TIMEOUT = 30.0  # seconds for a daphne process to listen
HTTP_TIMEOUT = 30.0
DELIVERY_TIMEOUT = 30.0  # seconds for every frame to reach both sockets after the saves
STOP_TIMEOUT = 10.0

SEED = """
import datetime as dt
import json

from django.contrib.auth.models import User
from django.db import connection

from companies.auth import token_issue
from companies.models import Company
from companies.services import company_create
from ledgers.services import ledger_create

# A company id no parallel run shares, so its channel-layer group `company.<id>` is this run's.
with connection.cursor() as cursor:
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
        [Company._meta.db_table, FIRST_COMPANY_ID],
    )
owner = User.objects.create_user("meena")
company = company_create(
    actor=owner, name="Sharma Traders", financial_year_start=dt.date(2026, 4, 1)
)
for name, group in [("Sharma Enterprises", "Sundry Debtors"), ("Sales", "Sales Accounts")]:
    ledger_create(company=company, actor=owner, data={"name": name, "group": group})
print(json.dumps({"token": token_issue(user=owner), "company": company.pk}))
"""


# --- the throwaway database ------------------------------------------------------------------


def _admin_connection() -> psycopg.Connection:
    """Autocommit connection to the configured database (CREATE/DROP DATABASE need it)."""
    db = dj_database_url.config()  # the URL as given, not pytest-django's test_<name>
    return psycopg.connect(
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        dbname=db.get("NAME"),
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        connect_timeout=CONNECT_TIMEOUT,
        autocommit=True,
    )


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    """A new empty PostgreSQL database for the servers; yields its DATABASE_URL."""
    name = f"tallysync_two_{secrets.token_hex(4)}"
    with _admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        yield urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))
    finally:
        with _admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def last_seq(database_url: str, company_id: int) -> int:
    with psycopg.connect(database_url, connect_timeout=CONNECT_TIMEOUT) as conn:
        row = conn.execute(
            "SELECT last_seq FROM companies_company WHERE id = %s", [company_id]
        ).fetchone()
    assert row is not None
    return row[0]


# --- the server processes --------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports (all bound at once, so they differ)."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]


def manage(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


class Daphne:
    """One daphne process; its output goes to a log file the test prints if it fails."""

    def __init__(self, name: str, port: int, env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.port = port
        self.env = env
        self.log_path = workdir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port)]
                + ["tallysync.asgi:application"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_listening(self, deadline: float) -> None:
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)  # polling a condition under a deadline
        raise AssertionError(f"{self.name}: nothing listens on port {self.port}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# --- a minimal RFC 6455 client: a real socket, no global state --------------------------------

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class WebSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.messages: list[dict[str, Any]] = []
        self.changed = asyncio.Condition()
        self.closed: tuple[int, str] | None = None
        self.task = asyncio.create_task(self._read_all())

    @classmethod
    async def open(cls, port: int, path: str, headers: dict[str, str]) -> WebSocket:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port), CONNECT_TIMEOUT
        )
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), CONNECT_TIMEOUT)
        status, *fields = head.decode("latin-1").split("\r\n")
        assert status.split()[1] == "101", f"handshake refused: {head!r}"
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        answered = {
            name.strip().lower(): value.strip()
            for name, _, value in (field.partition(":") for field in fields if field)
        }
        assert answered.get("sec-websocket-accept") == accept, head
        return cls(reader, writer)

    async def _frame(self) -> tuple[int, bytes]:
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        mask = await self.reader.readexactly(4) if second & 0x80 else None
        payload = await self.reader.readexactly(length)
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return first, payload

    async def _read_all(self) -> None:
        parts: list[bytes] = []
        try:
            while True:
                first, payload = await self._frame()
                opcode = first & 0x0F
                if opcode == PING:
                    self._send(PONG, payload)
                elif opcode == CLOSE:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                    self.closed = (code, payload[2:].decode(errors="replace"))
                    return
                elif opcode in (0x0, TEXT):
                    parts.append(payload)
                    if first & 0x80:  # FIN
                        message = json.loads(b"".join(parts))
                        parts.clear()
                        async with self.changed:
                            self.messages.append(message)
                            self.changed.notify_all()
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            self.closed = (1006, repr(exc))
        finally:
            async with self.changed:
                self.changed.notify_all()

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(head + mask + body)

    def send_json(self, message: dict[str, Any]) -> None:
        self._send(TEXT, json.dumps(message).encode())

    def changes(self) -> list[int]:
        return [m["seq"] for m in self.messages if m.get("type") == "change"]

    async def wait_until(self, condition: Any, timeout: float, what: str) -> None:
        """Wait (bounded) until `condition(self)` holds; fail saying what was awaited."""
        async with self.changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.changed.wait_for(lambda: condition(self) or self.closed), timeout
                )
        assert condition(self), (
            f"{what} within {timeout}s: closed={self.closed} messages={self.messages_brief()}"
        )

    def messages_brief(self) -> list[Any]:
        return [m.get("seq") if m.get("type") == "change" else m for m in self.messages]

    async def ping(self, timeout: float = 10) -> dict[str, Any]:
        pongs = len([m for m in self.messages if m.get("type") == "pong"])
        self.send_json({"type": "ping"})
        await self.wait_until(
            lambda ws: len([m for m in ws.messages if m.get("type") == "pong"]) > pongs,
            timeout,
            "a pong",
        )
        return [m for m in self.messages if m.get("type") == "pong"][-1]

    async def close(self) -> None:
        if self.closed is None and not self.writer.is_closing():
            with contextlib.suppress(ConnectionError):
                self._send(CLOSE, struct.pack("!H", 1000))
                await self.writer.drain()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self.task), 5)
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


# --- the JSON API ----------------------------------------------------------------------------


def save_voucher(port: int, company_id: int, token: str, amount: str) -> int:
    """POST one two-line Sales voucher to the server on `port`; its Change's seq."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/c/{company_id}/vouchers/",
        data=json.dumps(sale(amount)).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
        assert response.status == 201
        return json.loads(response.read())["seq"]


IDLE_SECONDS = 12

# --- the test --------------------------------------------------------------------------------


@pytest.fixture
def redis_url(services_available: None) -> str:
    if not settings.REDIS_URL:
        message = "two server processes need the Redis channel layer: set REDIS_URL=redis://…"
        if CI:
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    return urlunsplit(urlsplit(settings.REDIS_URL)._replace(path=f"/{REDIS_DB}"))


def test_a_save_on_one_process_reaches_sockets_on_both_in_order(
    postgres: None, redis_url: str, tmp_path: Path
) -> None:
    servers: list[Daphne] = []
    try:
        with throwaway_database() as database_url:
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "DJANGO_SETTINGS_MODULE": "tallysync.settings",
                "TALLYSYNC_VAR_DIR": str(tmp_path),
                "SECRET_KEY": "two-processes-only-secret",
                "PYTHONUNBUFFERED": "1",
            }
            manage(env, "migrate", "--noinput", "-v0")
            first_id = 10**6 + secrets.randbelow(10**9)
            seeded = json.loads(
                manage(env, "shell", "-v0", stdin=f"FIRST_COMPANY_ID = {first_id}\n" + SEED)
            )
            token, company_id = seeded["token"], seeded["company"]

            servers = [
                Daphne(f"daphne-{i}", port, env, tmp_path)
                for i, port in enumerate(free_ports(2), start=1)
            ]
            for server in servers:
                server.start()
            deadline = time.monotonic() + START_TIMEOUT
            for server in servers:
                server.wait_listening(deadline)

            start = last_seq(database_url, company_id)
            asyncio.run(deliver_and_check(servers, company_id=company_id, token=token, start=start))
            assert last_seq(database_url, company_id) == start + SAVES + 1

            for server in servers:
                server.stop()
            for server in servers:
                log = server.log()
                for bad in ("Traceback", "broadcast of change", "channel layer receive failed"):
                    assert bad not in log, f"{server.name} logged {bad!r}:\n{log}"
    finally:
        for server in servers:
            server.stop()
        for server in servers:
            print(f"----- {server.name} (port {server.port}) -----\n{server.log()}")


async def deliver_and_check(
    servers: list[Daphne], *, company_id: int, token: str, start: int
) -> None:
    one, two = servers
    auth = {"Authorization": f"Token {token}"}
    path = f"/ws/c/{company_id}/"
    # Process 2 resumes from the seq the client knows; process 1 starts from "now".
    far = await WebSocket.open(two.port, f"{path}?since={start}", auth)
    near = await WebSocket.open(one.port, path, auth)
    sockets = {"process 2": far, "process 1": near}
    try:
        # A pong is answered after connect() returned, so each socket has joined its hub.
        for socket_ in sockets.values():
            assert (await socket_.ping())["seq"] == start

        def save(n: int) -> int:
            return save_voucher(one.port, company_id, token, f"{100 + n}.00")

        def saves() -> list[int]:
            seqs = [save(n) for n in range(SEQUENTIAL)]
            per_thread = (SAVES - SEQUENTIAL) // THREADS
            workers = [
                (lambda t=t: [save(SEQUENTIAL + t * per_thread + i) for i in range(per_thread)])
                for t in range(THREADS)
            ]
            results = run_together(workers, timeout=HTTP_TIMEOUT * per_thread)
            for outcome, value in results:
                assert outcome == "ok", value
                seqs.extend(value)
            return seqs

        saved = await asyncio.to_thread(saves)
        assert sorted(saved) == list(range(start + 1, start + SAVES + 1))

        expected = list(range(start + 1, start + SAVES + 1))
        for name, socket_ in sockets.items():
            await socket_.wait_until(
                lambda ws: len(ws.changes()) >= SAVES, DELIVERY_TIMEOUT, f"{name}: {SAVES} frames"
            )
            assert socket_.changes() == expected, f"{name} got {socket_.changes()}"
            pong = await socket_.ping()
            assert pong["seq"] == start + SAVES, f"{name}: {pong}"

        # A sentinel save: once its frame is in, nothing else (no late duplicate) came between.
        sentinel = await asyncio.to_thread(save, SAVES)
        assert sentinel == start + SAVES + 1
        for name, socket_ in sockets.items():
            await socket_.wait_until(
                lambda ws: sentinel in ws.changes(), DELIVERY_TIMEOUT, f"{name}: the sentinel"
            )
            assert socket_.changes() == [*expected, sentinel], f"{name} got {socket_.changes()}"
            others = [m for m in socket_.messages if m.get("type") not in ("change", "pong")]
            assert not others, f"{name}: unexpected frames {others}"
            assert all("html" in m for m in socket_.messages if m.get("type") == "change")
            assert socket_.closed is None, f"{name} closed: {socket_.closed}"

        # Quiet for longer than redis-py's default 5 s read timeout: an idle subscription must
        # stay up (it used to error out and close every socket with 1011).
        await asyncio.sleep(IDLE_SECONDS)
        for name, socket_ in sockets.items():
            assert socket_.closed is None, f"{name} closed while idle: {socket_.closed}"
            assert (await socket_.ping())["seq"] == sentinel, name
    finally:
        for socket_ in sockets.values():
            await socket_.close()
