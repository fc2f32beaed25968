"""Real TallySync servers for tests/services: databases, server processes and raw socket clients.

The servers cannot see pytest-django's test database (its data is never committed where another
process could read it), so a test makes books of its own — a throwaway PostgreSQL database or a
SQLite file in tmp_path — migrates and seeds them with `manage.py`, and serves them with the
command line `manage.py serve` uses (server.launch: uvicorn). A server here can be stopped
(SIGTERM), killed (SIGKILL) and started again on the same port; its log survives restarts and is
printed by the test.

The socket clients speak RFC 6455 over a plain asyncio stream (no global state, no library that
hides what the server sends); `SyncClient` adds what static/sync.js does on top.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import glob
import hashlib
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import psycopg
import redis

from server.launch import server_argv
from tests.conftest import sale
from tests.services.conftest import CONNECT_TIMEOUT, pg_connect

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0  # seconds for a server process to listen
HTTP_TIMEOUT = 30.0
DELIVERY_TIMEOUT = 30.0  # seconds for every frame to reach the sockets after the saves
STOP_TIMEOUT = 10.0

SEED = """
import datetime as dt
import json

from django.contrib.auth.models import User
from django.db import connection

from companies.auth import token_issue
from companies.models import Company
from books.services import company_create
from ledgers.services import ledger_create

# A company id no parallel run shares, so its channel-layer group `company.<id>` is this run's
# (SQLite books have the in-memory layer, which no other process shares).
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
            [Company._meta.db_table, FIRST_COMPANY_ID],
        )
owner = User.objects.create_user("meena", is_staff=True)  # as /setup/ makes the first owner
company = company_create(
    actor=owner, name="Sharma Traders", financial_year_start=dt.date(2026, 4, 1)
)
for name, group in [("Sharma Enterprises", "Sundry Debtors"), ("Sales", "Sales Accounts")]:
    ledger_create(company=company, actor=owner, data={"name": name, "group": group})
print(json.dumps({"token": token_issue(user=owner), "company": company.pk}))
"""


# --- databases -------------------------------------------------------------------------------


def _admin_connection() -> psycopg.Connection:
    """Autocommit connection to the configured database (CREATE/DROP DATABASE need it)."""
    # The URL as given, not pytest-django's test_<name>.
    return pg_connect(dj_database_url.config(), autocommit=True)


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


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def query(database_url: str, sql: str, params: tuple | list = ()) -> list[tuple]:
    """Rows of `sql` (%s placeholders) run on the servers' database, PostgreSQL or SQLite."""
    if database_url.startswith("sqlite:"):
        path = database_url.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(path, timeout=CONNECT_TIMEOUT)) as conn:
            return conn.execute(sql.replace("%s", "?"), params).fetchall()
    with psycopg.connect(database_url, connect_timeout=CONNECT_TIMEOUT) as conn:
        return conn.execute(sql, params).fetchall()


def last_seq(database_url: str, company_id: int) -> int:
    rows = query(database_url, "SELECT last_seq FROM companies_company WHERE id = %s", [company_id])
    assert rows, f"no company {company_id}"
    return rows[0][0]


class PostgresCluster:
    """A private PostgreSQL server (initdb in a temporary directory) that a test may stop and
    start. initdb refuses to run as root: then it runs as the `postgres` OS user, in a
    directory of /tmp it owns (pytest's tmp_path is private to root)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.directory = Path(tempfile.mkdtemp(prefix="tallysync-pg-"))
        self.data = self.directory / "data"
        self.log_path = self.directory / "postgres.log"
        self.as_user: list[str] = []

    @staticmethod
    def problem() -> str | None:
        """Why no private cluster can run here (None: it can)."""
        if not _postgres_tool("initdb") or not _postgres_tool("pg_ctl"):
            return "initdb/pg_ctl not found (install PostgreSQL's server binaries)"
        if os.geteuid() == 0 and not shutil.which("runuser"):
            return "running as root without runuser: initdb cannot run"
        return None

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [*self.as_user, _postgres_tool(tool), *args],  # type: ignore[list-item]
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, f"{tool} {' '.join(args)} failed:\n{done.stdout}{done.stderr}"

    def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, user="postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log_path), "-w", "start"
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def remove(self) -> None:
        """Stop the server if it runs, and delete its files."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
                self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def _postgres_tool(name: str) -> str | None:
    """A PostgreSQL program: on PATH, else Debian's newest /usr/lib/postgresql/<n>/bin/."""
    if found := shutil.which(name):
        return found
    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda path: (len(path), path)
    )
    return versions[-1] if versions else None


class RedisServer:
    """A private redis-server on its own port (never the machine's), in memory only, that a
    test may stop and start again on the same port."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.log_path = workdir / f"redis-{port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @staticmethod
    def program() -> str | None:
        return shutil.which("redis-server") or (
            "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
        )

    def start(self) -> float:
        """Start it and wait until it answers PING; the monotonic time it did."""
        program = self.program()
        assert program, "redis-server not found"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
                + ["--appendonly", "no", "--dir", str(self.workdir)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"redis-server exited:\n{self.log()}"
            client = redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=1)
            try:
                if client.ping():
                    return time.monotonic()
            except redis.RedisError:
                pass
            finally:
                client.close()
            time.sleep(0.02)  # polling a condition under a deadline
        raise AssertionError(f"redis-server on port {self.port} never answered PING")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        terminate(self.process)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# --- the server processes --------------------------------------------------------------------


def terminate(process: subprocess.Popen) -> None:
    """SIGTERM, as a service manager stops a server; SIGKILL if it does not go in time."""
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


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


def server_env(database_url: str, workdir: Path, redis_url: str = "") -> dict[str, str]:
    """The environment of a server process: these books, and Redis only when given."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="tallysync.settings",
        TALLYSYNC_VAR_DIR=str(workdir),
        SECRET_KEY="services-tests-only-secret",
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


@dataclass
class Books:
    """A migrated database with one seeded company, and how servers reach it."""

    database_url: str
    env: dict[str, str]
    token: str
    company_id: int


def books_prepare(database_url: str, workdir: Path, redis_url: str = "") -> Books:
    """Migrate `database_url` and seed meena's company with two ledgers (see SEED)."""
    env = server_env(database_url, workdir, redis_url)
    manage(env, "migrate", "--noinput", "-v0")
    first_id = 10**6 + secrets.randbelow(10**9)
    seeded = json.loads(
        manage(env, "shell", "-v0", stdin=f"FIRST_COMPANY_ID = {first_id}\n" + SEED)
    )
    return Books(database_url, env, seeded["token"], seeded["company"])


class Server:
    """One server process (uvicorn, as `manage.py serve` starts it), which may be stopped or
    killed and started again on its port; its output (every run's) goes to a log file the test
    prints."""

    def __init__(
        self, name: str, port: int, env: dict[str, str], workdir: Path, *, workers: int = 1
    ) -> None:
        self.name = name
        self.port = port
        self.workers = workers
        self.env = env
        self.log_path = workdir / f"{name}.log"
        self.process: subprocess.Popen | None = None
        self.runs = 0

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, f"{self.name} runs"
        self.runs += 1
        with self.log_path.open("ab") as log:
            log.write(f"===== {self.name} run {self.runs} =====\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                server_argv("127.0.0.1", self.port, workers=self.workers),
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_listening(self, deadline: float) -> float:
        """Wait until the port accepts; the monotonic time it first did."""
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return time.monotonic()
            time.sleep(0.02)  # polling a condition under a deadline
        raise AssertionError(f"{self.name}: nothing listens on port {self.port}")

    def start_and_wait(self) -> float:
        self.start()
        return self.wait_listening(time.monotonic() + START_TIMEOUT)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it (SIGKILL if it does not go in time)."""
        if self.process is None or self.process.poll() is not None:
            return
        terminate(self.process)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine's power goes."""
        assert self.process is not None and self.process.poll() is None, f"{self.name} not running"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# --- a minimal RFC 6455 client: a real socket, no global state --------------------------------

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class WebSocket:
    """One client socket. Every message is kept (with its arrival time) and, if given, handed
    to `on_message` as it arrives; server PINGs are answered while the socket reads."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        on_message: Callable[[WebSocket, dict[str, Any]], None] | None = None,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.on_message = on_message
        self.messages: list[dict[str, Any]] = []
        self.arrivals: list[float] = []  # time.monotonic() of each message
        self.changed = asyncio.Condition()
        self.closed: tuple[int, str] | None = None
        self.handshake: dict[str, str] = {}
        self.task = asyncio.create_task(self._read_all())

    @classmethod
    async def open(
        cls,
        port: int,
        path: str,
        headers: dict[str, str],
        on_message: Callable[[WebSocket, dict[str, Any]], None] | None = None,
        source: str | None = None,
    ) -> WebSocket:
        """A socket from `source` (another 127.x.y.z address: another computer to the server)."""
        local = (source, 0) if source else None
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, local_addr=local), CONNECT_TIMEOUT
        )
        try:
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
        except BaseException:
            writer.close()
            raise
        socket = cls(reader, writer, on_message)
        socket.handshake = answered  # the server's 101 headers, lower-cased names
        return socket

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
                            self.arrivals.append(time.monotonic())
                            if self.on_message is not None:
                                self.on_message(self, message)
                            self.changed.notify_all()
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            self.closed = (1006, repr(exc))
        finally:
            async with self.changed:
                self.changed.notify_all()

    def _send(self, opcode: int, payload: bytes) -> None:
        if self.writer.is_closing():
            return
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

    def send_text(self, text: str) -> None:
        self._send(TEXT, text.encode())

    def pause_reading(self) -> None:
        """Stop reading for good, as a hung browser tab: nothing more is read from the kernel,
        so the server's frames and pings pile up unanswered."""
        self.task.cancel()
        self.writer.transport.pause_reading()  # type: ignore[attr-defined]

    def changes(self) -> list[int]:
        return [m["seq"] for m in self.messages if m.get("type") == "change"]

    def arrival_of(self, seq: int) -> float | None:
        for message, at in zip(self.messages, self.arrivals, strict=True):
            if message.get("type") == "change" and message["seq"] == seq:
                return at
        return None

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
        if self.closed is None and not self.writer.is_closing() and not self.task.done():
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


class SyncClient:
    """A browser page's socket as static/sync.js keeps it: connect with `?since=<last seq>`,
    apply only seq == last + 1 (a gap: send `resume`), ping every `ping_every` seconds (a pong
    ahead of us: `resume`), and after any close reconnect with jittered backoff, 0.5 s
    doubling to 10 s. `reached[seq]` is when each seq was applied."""

    FIRST_DELAY, MAX_DELAY = 0.5, 10.0

    def __init__(
        self,
        name: str,
        port: int,
        *,
        company_id: int,
        token: str,
        since: int,
        ping_every: float = 10.0,
    ) -> None:
        self.name = name
        self.port = port
        self.company_id = company_id
        self.headers = {"Authorization": f"Token {token}", "User-Agent": f"sync-client {name}"}
        self.ping_every = ping_every
        self.last_seq = since
        self.applied: list[int] = []
        self.reached: dict[int, float] = {}
        self.statuses: list[tuple[float, bool]] = []  # (when, live) of each status frame
        self.resyncs: list[int] = []
        self.resumes = 0
        self.connects: list[float] = []
        self.closes: list[tuple[float, tuple[int, str] | None]] = []
        self.socket: WebSocket | None = None
        self.task: asyncio.Task | None = None
        self.gave_up: tuple[int, str] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name=f"sync-client {self.name}")

    @property
    def connected(self) -> bool:
        return self.socket is not None and self.socket.closed is None

    async def _run(self) -> None:
        delay = self.FIRST_DELAY
        while True:
            path = f"/ws/c/{self.company_id}/?since={self.last_seq}"
            try:
                self.socket = await WebSocket.open(self.port, path, self.headers, self._on_message)
            except (OSError, TimeoutError, asyncio.IncompleteReadError, AssertionError):
                self.socket = None
            else:
                delay = self.FIRST_DELAY  # as sync.js's onopen
                self.connects.append(time.monotonic())
                pinger = asyncio.create_task(self._ping(self.socket))
                try:
                    await self.socket.task
                finally:
                    pinger.cancel()
                self.closes.append((time.monotonic(), self.socket.closed))
                if self.socket.closed and self.socket.closed[0] in (4401, 4403):
                    self.gave_up = self.socket.closed  # sync.js stops retrying here too
                    return
                self.socket.writer.close()
            # The client's own backoff between attempts, as sync.js's retry(): not a wait for
            # anything the test checks.
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, self.MAX_DELAY)

    async def _ping(self, ws: WebSocket) -> None:
        while ws.closed is None:
            now = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
            ws.send_json({"type": "ping", "seq": self.last_seq, "client_time": now})
            await asyncio.sleep(self.ping_every)  # the page's ping interval

    def _resume(self, ws: WebSocket) -> None:
        self.resumes += 1
        ws.send_json({"type": "resume", "since": self.last_seq})

    def _on_message(self, ws: WebSocket, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "change":
            seq = message["seq"]
            if seq <= self.last_seq:
                return
            if seq != self.last_seq + 1:
                self._resume(ws)  # a gap: ask for what is missing
                return
            self.last_seq = seq
            self.applied.append(seq)
            self.reached[seq] = time.monotonic()
        elif kind == "resync":
            self.resyncs.append(message["seq"])
            self.last_seq = message["seq"]
            self.reached[self.last_seq] = time.monotonic()
        elif kind == "status":
            self.statuses.append((time.monotonic(), bool(message.get("live"))))
        elif kind == "pong" and message.get("seq", 0) > self.last_seq:
            self._resume(ws)  # something was committed that never reached us

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        if self.socket is not None:
            await self.socket.close()

    def brief(self) -> dict[str, Any]:
        return {
            "last_seq": self.last_seq,
            "connected": self.connected,
            "connects": len(self.connects),
            "closes": [close for _, close in self.closes][-3:],
            "resumes": self.resumes,
            "resyncs": self.resyncs,
        }


async def until(condition: Callable[[], bool], timeout: float, what: str | Callable) -> float:
    """Poll `condition` (every 20 ms) until it holds; the monotonic time it did. Fails saying
    what was awaited (`what` may be a callable, for a description made at the time)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what() if callable(what) else what} within {timeout}s")
        await asyncio.sleep(0.02)  # polling a condition under a deadline
    return time.monotonic()


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


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: Any  # the JSON, or the first 500 characters of anything else
    seconds: float  # from sending the request to the end of the answer
    at: float  # time.monotonic() at the end of the answer


def call(
    port: int,
    method: str,
    path: str,
    token: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = HTTP_TIMEOUT,
    source: str | None = None,
) -> Answer:
    """One HTTP request with the API token (from `source`, as WebSocket.open); any status is an
    Answer. A connection that fails or breaks before the answer raises (OSError,
    http.client.HTTPException)."""
    started = time.monotonic()
    local = (source, 0) if source else None
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=local
    )
    try:
        sent = {"Authorization": f"Token {token}", "Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers={**sent, **(headers or {})})
        response = connection.getresponse()
        raw = response.read()
        answered = {name.lower(): value for name, value in response.getheaders()}
    finally:
        connection.close()
    try:
        parsed: Any = json.loads(raw)
    except ValueError:
        parsed = raw[:500].decode(errors="replace")
    now = time.monotonic()
    return Answer(response.status, answered, parsed, now - started, now)


def percentiles(values: list[float]) -> dict[str, float]:
    """Median, p95 and max of `values` (seconds) in milliseconds, for printing."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }
