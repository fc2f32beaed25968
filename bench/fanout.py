"""Live fan-out benchmark: saves through the JSON API, frames on N real WebSocket clients.

Starts its own servers (127.0.0.1 only, a temp folder, its own SQLite file) with the command
line `manage.py serve` uses (server.launch: uvicorn), seeds an office, opens N sockets from
separate listener processes, drives saves over HTTP and times each save until the LAST socket
holds its frame. Compares the hub (sync/hub.py) against the stock Channels pattern
(bench/stock_asgi.py), the app's sync code as it was before two adopted changes (`--variants
blocking`, bench/variant_asgi.py), the same app under daphne (the server before uvicorn)
and the two channels-redis layers. JSON on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import http.client
import json
import math
import multiprocessing as mp
import os
import resource
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_connections
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # server.launch: the app's own server command line
from server.launch import PACKAGES, server_argv  # noqa: E402  (a leaf module: no Django set-up)
from server.limits import DESCRIPTOR_RESERVE  # noqa: E402  (Django-free too)

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux; Python 3.11 lacks the name
ANCILLARY = socket.CMSG_SPACE(16)
CHANGE = b'{"type":"change","seq":'  # sync.protocol.encode: compact, "type" then "seq"
LATENCY_GOAL_MS = {100: 25.0, 1000: 100.0}  # p99 save -> last client, per client count
SAVES_GOAL, SAVES_GOAL_CLIENTS = 300.0, 100  # saves/s with 100 listeners, no growing backlog
WARMUP_SAVES, EDGE, IDLE_SECONDS = (
    10,
    50,
    3.0,
)  # saves before measuring; burst head/tail compared for backlog
VOUCHER_DATE = "2026-11-26"
SEED = """
import datetime as dt, json
from django.contrib.auth.models import User
from companies.auth import token_issue
from books.services import company_create
from ledgers.services import ledger_create
from config.models import ServerConfig
owner = User.objects.create_user("fanout", password="fanout-pass-1", is_staff=True)
# One user on one address holds every socket here: the per-user and per-address caps are off.
ServerConfig.objects.update_or_create(
    pk=1, defaults={"max_sockets_per_user": 0, "max_sockets_per_address": 0}
)
start = dt.date(2026, 4, 1)
company = company_create(actor=owner, name="Fanout Traders", financial_year_start=start)
for name, group, extra in [
    ("Sharma Enterprises", "Sundry Debtors", {}),
    ("Sales", "Sales Accounts", {}),
    ("HDFC Bank", "Bank Accounts", {"opening_debit": "250000"}),
    ("Capital", "Capital Account", {"opening_credit": "250000"}),
    ("Gupta Suppliers", "Sundry Creditors", {}),
    ("Rent", "Indirect Expenses", {}),
]:
    ledger_create(company=company, actor=owner, data={"name": name, "group": group, **extra})
company.refresh_from_db()
print(json.dumps({"cid": company.pk, "token": token_issue(user=owner), "seq": company.last_seq}))
"""


VARIANT_APP = "bench.variant_asgi:application"
MARKS = (  # server log lines counted per scenario: the hub's feed from the Edit Log going wrong
    ("feed_failed", "feeding the sockets of company"),  # sync.hub: a read or render failed
    ("nudged_beyond_log", "the Edit Log ends at"),  # sync.hub: a nudge for a seq not in the log
)
PATCH_ENV = (  # bench/*_variant*
    *("BENCH_APP", "BENCH_PUBLISH", "BENCH_HUB", "BENCH_MIDDLEWARE", "BENCH_GC", "BENCH_SEND"),
    "BENCH_RECHECK",
)
VARIANTS = {  # name -> server environment for bench/variant_asgi.py; blocking: BEFORE
    "blocking": lambda env: {**env, "BENCH_PUBLISH": "blocking"},  # async_to_sync publish
    "nofreeze": lambda env: {**env, "BENCH_GC": "nofreeze"},  # no gc.freeze() after start-up
    "wrapped": lambda env: {**env, "BENCH_SEND": "wrapped"},  # frames via channels' wrapper
    "burstrecheck": lambda env: {**env, "BENCH_RECHECK": "burst"},  # all rechecks at heartbeat
    "sync-last": lambda env: {  # a proposal: sync-only middlewares just before AxesMiddleware
        **env,
        "DJANGO_SETTINGS_MODULE": "bench.settings_variants",
        "BENCH_MIDDLEWARE": "sync-last",
    },
}


def log(message: str) -> None:
    print(f"[fanout] {message}", file=sys.stderr, flush=True)


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def pct(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 2)


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": pct(values, 50),
        "p90": pct(values, 90),
        "p99": pct(values, 99),
        "max": round(max(values), 2) if values else None,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the server under test ------------------------------------------------------------------


class Server:
    """One server process (the app's uvicorn, or daphne) in its own process group, so cleanup
    kills it all."""

    running: set[Server] = set()  # stopped at the end of the run, whatever interrupted it

    def __init__(self, name: str, kind: str, workdir: Path, env: dict[str, str], app: str) -> None:
        self.name, self.kind, self.app = name, kind, app
        self.var = workdir / f"var-{name}"  # the in-memory layer claims its var dir per process
        self.var.mkdir(parents=True, exist_ok=True)
        self.env = {**env, "TALLYSYNC_VAR_DIR": str(self.var)}
        self.log_path = workdir / f"server-{name}.log"
        self.port = 0
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        if self.kind == "uvicorn":  # as `manage.py serve` runs it
            return server_argv("127.0.0.1", self.port, app=self.app)
        return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), self.app]

    def start(self) -> None:
        self.port = free_port()
        with self.log_path.open("a") as out:
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        Server.running.add(self)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_tail()}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise TimeoutError(f"{self.name}: nothing listens on {self.port}: {self.log_tail()}")

    def stop(self) -> None:
        Server.running.discard(self)
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                return
            try:
                process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def rss_kib(self) -> int:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self) -> float:
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def profile(self, py_spy: str) -> subprocess.Popen:
        """py-spy sampling this server into profile-<name>.txt (collapsed stacks) until SIGINT."""
        assert self.process is not None
        out = self.log_path.with_name(f"profile-{self.name}.txt")
        command = [py_spy, "record", "-p", str(self.process.pid), "-r", "250", "--format", "raw"]
        return subprocess.Popen(
            [*command, "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def log_tail(self, lines: int = 15) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def manage(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


# --- the saves ------------------------------------------------------------------------------


def voucher_body(i: int) -> bytes:
    """The i-th two-line Sales voucher the benches save, as JSON for the API."""
    amount = f"{1000 + i % 9000}.00"
    return json.dumps(
        {
            "type": "Sales",
            "date": VOUCHER_DATE,
            "narration": f"fanout {i}",
            "entries": [
                {"ledger": "Sharma Enterprises", "debit": amount},
                {"ledger": "Sales", "credit": amount},
            ],
        }
    ).encode()


class Poster:
    """POSTs two-line Sales vouchers on one keep-alive HTTP connection (blocking, http.client)."""

    def __init__(self, port: int, cid: int, token: str) -> None:
        self.port, self.path = port, f"/c/{cid}/vouchers/"
        self.headers = {
            "Authorization": f"Token {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def save(self, i: int) -> tuple[int, int, int]:
        """(ns before the POST, ns when the answer was read, the Change's seq); wall clock."""
        body = voucher_body(i)
        for attempt in (1, 2):
            sent = time.time_ns()
            try:
                self.conn.request("POST", self.path, body, self.headers)
            except (ConnectionError, http.client.HTTPException):  # a dropped keep-alive
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
                continue
            response = self.conn.getresponse()
            data = response.read()
            answered = time.time_ns()
            if response.status != 201:
                raise RuntimeError(f"save {i}: HTTP {response.status} {data[:300]!r}")
            return sent, answered, json.loads(data)["seq"]
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


# --- the listeners: separate processes, raw sockets, kernel receive timestamps ---------------


class WsClient:
    """A minimal RFC 6455 client on a non-blocking socket; stamps frames with SO_TIMESTAMPNS
    (when the bytes reached the socket), so the listener's own scheduling does not count."""

    def __init__(self, listener: Listener) -> None:
        self.listener = listener
        self.sock: socket.socket | None = None
        self.buf = bytearray()
        self.fragments: list[bytes] = []
        self.seen = bytearray()  # seen[seq - since - 1] == 1: that seq arrived
        self.last = listener.since  # highest seq received; frames must come in order
        self.received = self.late = self.duplicates = 0
        self.close_code: int | None = None
        self.open = False

    async def connect(self, port: int, path: str, token: str) -> None:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock = sock
        sock.setblocking(False)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await loop.sock_connect(sock, ("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://127.0.0.1:{port}\r\nAuthorization: Token {token}\r\n\r\n"
        )
        await loop.sock_sendall(sock, request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = await loop.sock_recv(sock, 4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            head += chunk
        head, _, rest = head.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.split(b"\r\n", 1)[0].decode(errors="replace"))
        self.open = True
        self.listener.open_clients += 1
        loop.add_reader(sock.fileno(), self.readable)
        if rest:
            now = time.time_ns()
            self.buf += rest
            self.parse(now, now)

    def readable(self) -> None:
        assert self.sock is not None
        user = time.time_ns()
        try:
            data, ancillary, _, _ = self.sock.recvmsg(1 << 18, ANCILLARY)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.closed(1006)
            return
        if not data:
            self.closed(1006)
            return
        kernel = user
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= 16:
                seconds, nanos = struct.unpack("qq", payload[:16])
                kernel = seconds * 1_000_000_000 + nanos
        self.buf += data
        self.parse(kernel, user)

    def parse(self, kernel: int, user: int) -> None:
        buf, pos = self.buf, 0
        while len(buf) - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length, head = b1 & 0x7F, 2
            if length == 126:
                if len(buf) - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if len(buf) - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            if b1 & 0x80:  # a server never masks its frames
                self.closed(1002)
                return
            if len(buf) - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            opcode, fin = b0 & 0x0F, b0 & 0x80
            if opcode in (0, 1, 2):
                self.fragments.append(payload)
                if fin:
                    message, self.fragments = b"".join(self.fragments), []
                    self.message(message, kernel, user)
            elif opcode == 9:  # ping: daphne (autobahn) drops sockets that never answer
                self.control(0xA, payload)
            elif opcode == 8:
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self.control(0x8, payload[:2])
                self.closed(code)
                return
        del buf[:pos]

    def message(self, data: bytes, kernel: int, user: int) -> None:
        if data.startswith(CHANGE):
            seq = int(data[len(CHANGE) : data.index(b",", len(CHANGE))])
            index = seq - self.listener.since - 1
            if index < 0:  # the socket asked for changes after `since` only
                self.duplicates += 1
                return
            if index >= len(self.seen):
                self.seen.extend(bytes(index + 256 - len(self.seen)))
            if self.seen[index]:
                self.duplicates += 1
                return
            self.seen[index] = 1
            self.received += 1
            if seq < self.last:
                self.late += 1  # came after a higher seq: out of order
            self.last = max(self.last, seq)
            self.listener.received(seq, kernel, user)
        else:
            try:
                kind = str(json.loads(data).get("type"))
            except (ValueError, AttributeError):
                kind = "unparsable"
            self.listener.other[kind] += 1

    def control(self, opcode: int, payload: bytes) -> None:
        self.listener.sent["pong" if opcode == 0xA else "close"] += 1
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        try:
            assert self.sock is not None
            self.sock.send(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)
        except OSError:
            pass

    def closed(self, code: int) -> None:
        if self.close_code is None:
            self.close_code = code
        if self.open:
            self.open = False
            self.listener.open_clients -= 1
        if self.sock is not None:
            with contextlib.suppress(ValueError, OSError):
                asyncio.get_running_loop().remove_reader(self.sock.fileno())
            self.sock.close()


class Listener:
    """One listener process: opens its share of the sockets on command, reports each seq once
    every open socket holds it, and at the end the per-seq receive times and the losses."""

    def __init__(self, conn: Connection, port: int, cid: int, token: str, since: int) -> None:
        self.conn, self.port, self.cid, self.token, self.since = conn, port, cid, token, since
        self.clients: list[WsClient] = []
        self.open_clients = 0
        self.seqs: dict[int, list[int]] = {}  # seq -> [count, first ns, last ns, max user lag]
        self.other: Counter[str] = Counter()
        self.sent: Counter[str] = Counter({"data": 0})  # the clients never send a data message
        self.done = asyncio.Event()
        self.tasks: set[asyncio.Task] = set()

    def received(self, seq: int, kernel: int, user: int) -> None:
        record = self.seqs.get(seq)
        if record is None:
            record = self.seqs[seq] = [0, kernel, kernel, 0]
        record[0] += 1
        record[1] = min(record[1], kernel)
        record[2] = max(record[2], kernel)
        record[3] = max(record[3], user - kernel)
        if record[0] == self.open_clients:
            self.conn.send(("complete", seq, record[2]))

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_reader(self.conn.fileno(), self.command)
        await self.done.wait()

    def command(self) -> None:
        try:
            message = self.conn.recv()
        except EOFError:  # the parent is gone
            self.done.set()
            return
        kind = message[0]
        if kind == "connect":
            self.spawn(self.connect_all(*message[1:]))
        elif kind == "finish":
            self.spawn(self.finish(*message[1:]))
        else:
            self.done.set()

    def spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def connect_all(self, count: int, parallel: int, timeout: float) -> None:
        path = f"/ws/c/{self.cid}/?since={self.since}"
        gate, errors = asyncio.Semaphore(parallel), Counter[str]()
        start = time.monotonic()

        async def one() -> None:
            client = WsClient(self)
            self.clients.append(client)
            async with gate:
                try:
                    await asyncio.wait_for(client.connect(self.port, path, self.token), timeout)
                except (OSError, TimeoutError, ConnectionError) as exc:
                    errors[f"{type(exc).__name__}: {exc}"[:120]] += 1
                    client.closed(1006)

        await asyncio.gather(*(one() for _ in range(count)))
        await asyncio.sleep(0.5)  # an unauthorised socket is accepted, then closed (4401/4403)
        seconds = round(time.monotonic() - start, 2)
        self.conn.send(("connected", self.open_clients, dict(errors), seconds))

    async def finish(self, last: int, timeout: float) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if all(c.received >= last - self.since for c in self.clients if c.open):
                break
            await asyncio.sleep(0.05)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result = {
            "open": self.open_clients,
            "clients": len(self.clients),
            "lost": sum(
                last - self.since - c.seen[: last - self.since].count(1) for c in self.clients
            ),
            "out_of_order": sum(c.late for c in self.clients),
            "duplicates": sum(c.duplicates for c in self.clients),
            "close_codes": dict(Counter(c.close_code for c in self.clients if not c.open)),
            "other_frames": dict(self.other),
            "sent": dict(self.sent),
            "seqs": {s: r for s, r in self.seqs.items() if self.since < s <= last},
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        }
        for client in self.clients:
            client.closed(1000)
        self.conn.send(("result", result))
        self.done.set()


def listener_main(conn: Connection, port: int, cid: int, token: str, since: int) -> None:
    raise_fd_limit()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(Listener(conn, port, cid, token, since).run())


class Listeners:
    """The parent's side: K listener processes, a thread pumping their reports."""

    def __init__(self, processes: int, port: int, cid: int, token: str, since: int) -> None:
        context = mp.get_context("spawn")
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        for _ in range(processes):
            parent, child = context.Pipe()
            proc = context.Process(
                target=listener_main, args=(child, port, cid, token, since), daemon=True
            )
            proc.start()
            child.close()
            self.conns.append(parent)
            self.procs.append(proc)
        self.lock = threading.Condition()
        self.complete: dict[int, list[int]] = {}  # seq -> last ns per process that has it all
        self.replies: list[list[Any]] = [[] for _ in self.conns]
        self.pump = threading.Thread(target=self._pump, daemon=True)
        self.pump.start()

    def _pump(self) -> None:
        live = dict(enumerate(self.conns))
        while live:
            for conn in wait_connections(list(live.values()), timeout=0.5):
                index = self.conns.index(conn)  # type: ignore[arg-type]
                try:
                    message = conn.recv()  # type: ignore[union-attr]
                except (EOFError, OSError):
                    live.pop(index, None)
                    continue
                with self.lock:
                    if message[0] == "complete":
                        self.complete.setdefault(message[1], []).append(message[2])
                    else:
                        self.replies[index].append(message)
                    self.lock.notify_all()

    def _replies(self, kind: str, timeout: float) -> list[tuple]:
        end = time.monotonic() + timeout
        with self.lock:
            while True:
                ready = [next((m for m in r if m[0] == kind), None) for r in self.replies]
                if all(ready):
                    for replies, message in zip(self.replies, ready, strict=True):
                        replies.remove(message)
                    return ready  # type: ignore[return-value]
                left = end - time.monotonic()
                if left <= 0 or not all(p.is_alive() for p in self.procs):
                    raise TimeoutError(f"listeners gave no {kind!r} in {timeout} s")
                self.lock.wait(min(left, 0.5))

    def connect(self, clients: int, parallel: int, timeout: float) -> dict[str, Any]:
        shares = [
            clients // len(self.conns) + (i < clients % len(self.conns))
            for i in range(len(self.conns))
        ]
        for conn, share in zip(self.conns, shares, strict=True):
            conn.send(("connect", share, max(1, parallel // len(self.conns)), timeout))
        replies = self._replies("connected", timeout + 60)
        errors: Counter[str] = Counter()
        for reply in replies:
            errors.update(reply[2])
        return {
            "open": sum(r[1] for r in replies),
            "errors": dict(errors),
            "seconds": max(r[3] for r in replies),
        }

    def wait_complete(self, seq: int, timeout: float) -> int | None:
        """Wall-clock ns at which the last socket got `seq`, or None after `timeout`."""
        end = time.monotonic() + timeout
        with self.lock:
            while len(self.complete.get(seq, ())) < len(self.conns):
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.lock.wait(left)
            return max(self.complete[seq])

    def finish(self, last: int, timeout: float) -> dict[str, Any]:
        for conn in self.conns:
            conn.send(("finish", last, timeout))
        results = [r[1] for r in self._replies("result", timeout + 30)]
        seqs: dict[int, list[int]] = {}
        for result in results:
            for seq, (count, first, latest, lag) in result["seqs"].items():
                merged = seqs.setdefault(seq, [0, first, latest, lag])
                merged[0] += count
                merged[1], merged[2] = min(merged[1], first), max(merged[2], latest)
                merged[3] = max(merged[3], lag)
        codes: Counter[Any] = Counter()
        others: Counter[str] = Counter()
        sent: Counter[str] = Counter()
        for result in results:
            codes.update(result["close_codes"])
            others.update(result["other_frames"])
            sent.update(result["sent"])
        return {
            "open": sum(r["open"] for r in results),
            "lost": sum(r["lost"] for r in results),
            "out_of_order": sum(r["out_of_order"] for r in results),
            "duplicates": sum(r["duplicates"] for r in results),
            "close_codes": {str(k): v for k, v in codes.items()},
            "other_frames": dict(others),
            "sent_by_clients": {"data": 0, **sent},
            "cpu_seconds": sum(r["cpu_seconds"] for r in results),
            "seqs": seqs,
        }

    def close(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError, ValueError):
                conn.send(("stop",))
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
        for conn in self.conns:
            conn.close()


# --- one scenario: a server kind x a client count -------------------------------------------


class Office:
    """The seeded company, its owner's API token and a save counter shared by all posters."""

    def __init__(self, cid: int, token: str) -> None:
        self.cid, self.token = cid, token
        self.saves = 0
        self.lock = threading.Lock()

    def next_save(self) -> int:
        with self.lock:
            self.saves += 1
            return self.saves


def burst_saves(
    port: int, office: Office, count: int, posters: int, seconds: float
) -> tuple[list[tuple[int, int, int]], bool]:
    """Up to `count` saves back to back from `posters` threads, each on its own connection;
    no new save starts after `seconds`. Returns the saves by seq and whether time ran out."""
    done: list[tuple[int, int, int]] = []
    errors: list[BaseException] = []
    left, deadline = iter(range(count)), time.monotonic() + seconds
    lock, start = threading.Lock(), threading.Barrier(posters)

    def work() -> None:
        poster = Poster(port, office.cid, office.token)
        try:
            start.wait(timeout=60)
            while time.monotonic() < deadline:
                with lock:
                    if next(left, None) is None or errors:
                        return
                result = poster.save(office.next_save())
                with lock:
                    done.append(result)
        except Exception as exc:  # reported below, in the main thread
            errors.append(exc)
        finally:
            poster.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(posters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    if errors or any(t.is_alive() for t in threads):
        raise RuntimeError(f"burst failed: {errors[:1] or 'a poster hung'}")
    return sorted(done, key=lambda row: row[2]), len(done) < count


def timings(saves: list[tuple[int, int, int]], seqs: dict[int, list[int]], open_: int) -> dict:
    """Per save, from the listeners' merged per-seq receive times (kernel stamps, ns)."""
    keys = ("save", "send_to_last", "answer_to_last", "send_to_first", "spread", "lag")
    rows: dict[str, list[float]] = {key: [] for key in keys}
    incomplete = 0
    for sent, answered, seq in saves:
        record = seqs.get(seq)
        if record is None or record[0] < open_:
            incomplete += 1
            continue
        _, first, last, lag = record
        values = (answered - sent, last - sent, last - answered, first - sent, last - first, lag)
        for key, value in zip(keys, values, strict=True):
            rows[key].append(value / 1e6)
    return {
        "incomplete": incomplete,
        **{f"{key}_ms": summary(values) for key, values in rows.items()},
        "_send_to_last": rows["send_to_last"],
    }


def burst_report(
    rows: list[tuple[int, int, int]], seqs: dict[int, list[int]], open_: int, extra: dict
) -> dict[str, Any]:
    t = timings(rows, seqs, open_)
    series = t.pop("_send_to_last")
    edge = max(1, min(EDGE, len(series) // 3))
    head_p50, tail_p50 = pct(series[:edge], 50), pct(series[-edge:], 50)
    sent0 = min(row[0] for row in rows)
    answered = max(row[1] for row in rows)
    delivered = max((seqs.get(row[2], [0, 0, 0])[2] for row in rows), default=0)
    return {
        "saves": len(rows),
        **extra,
        "saves_per_s": round(len(rows) / ((answered - sent0) / 1e9), 1),
        "delivered_per_s": round(len(rows) / ((delivered - sent0) / 1e9), 1) if delivered else 0,
        **t,
        "edge": edge,
        "head_send_to_last_p50_ms": head_p50,
        "tail_send_to_last_p50_ms": tail_p50,
        "backlog_growing": bool(
            head_p50 is None or tail_p50 is None or tail_p50 > 1.5 * head_p50 + 5
        ),
    }


def run_scenario(server: Server, clients: int, office: Office, args: argparse.Namespace) -> dict:
    log(f"{server.name}: starting {server.kind} ({server.app})")
    server.start()
    listeners: Listeners | None = None
    profiler: subprocess.Popen | None = None
    poster = Poster(server.port, office.cid, office.token)
    bursts: list[tuple[int, list[tuple[int, int, int]], bool, float]] = []
    try:
        since = 0
        for _ in range(WARMUP_SAVES):
            since = poster.save(office.next_save())[2]
        alone, cpu = [], server.cpu_seconds()
        for _ in range(args.baseline_saves):  # the same paced saves, with no socket open
            alone.append(poster.save(office.next_save()))
            time.sleep(args.pause_ms / 1000)
        alone_cpu = server.cpu_seconds() - cpu
        since = alone[-1][2] if alone else since
        time.sleep(0.5)
        rss_before = server.rss_kib()
        listeners = Listeners(args.client_procs, server.port, office.cid, office.token, since)
        connect = listeners.connect(clients, args.connect_parallel, timeout=120)
        log(f"{server.name}: {connect['open']}/{clients} sockets open in {connect['seconds']} s")
        if connect["open"] < clients:
            log(f"{server.name}: connect errors {connect['errors']}")
        time.sleep(1.0)
        rss_after = server.rss_kib()
        idle_cpu = server.cpu_seconds()
        time.sleep(IDLE_SECONDS)  # the sockets open, nothing saved: the server's own upkeep
        idle_cpu = (server.cpu_seconds() - idle_cpu) / IDLE_SECONDS
        load_before, cpu = os.getloadavg()[0], server.cpu_seconds()
        paced_start = time.monotonic()
        profiler = server.profile(args.py_spy) if args.py_spy else None

        paced, last = [], since
        for _ in range(args.saves):
            row = poster.save(office.next_save())
            if listeners.wait_complete(row[2], args.frame_timeout) is None:
                log(f"{server.name}: seq {row[2]} not on every socket in {args.frame_timeout} s")
            paced.append(row)
            last = row[2]
            time.sleep(args.pause_ms / 1000)
        paced_cpu, cpu = server.cpu_seconds() - cpu, server.cpu_seconds()
        paced_seconds = time.monotonic() - paced_start
        log(f"{server.name}: {len(paced)} paced saves done")

        for posters in args.posters:
            rows, capped = burst_saves(server.port, office, args.burst, posters, args.burst_seconds)
            if rows:
                last = max(last, rows[-1][2])
                if listeners.wait_complete(last, args.frame_timeout * 6) is None:
                    log(f"{server.name}: seq {last} did not reach every socket")
            bursts.append((posters, rows, capped, server.cpu_seconds() - cpu))
            cpu = server.cpu_seconds()
            log(f"{server.name}: burst of {len(rows)} saves from {posters} posters done")
            time.sleep(0.5)
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=60)
        result = listeners.finish(last, timeout=10)
        load_after = os.getloadavg()[0]
    finally:
        poster.close()
        if profiler is not None and profiler.poll() is None:
            profiler.kill()
            profiler.wait()
        if listeners is not None:
            listeners.close()
        server.stop()

    server_log = server.log_path.read_text(errors="replace")
    open_, seqs = result["open"], result["seqs"]
    paced_t = timings(paced, seqs, open_)
    paced_t.pop("_send_to_last")
    spread = paced_t["spread_ms"]["p50"]
    alone_ms = round(alone_cpu * 1000 / max(1, len(alone)), 2)
    paced_ms = round(paced_cpu * 1000 / max(1, len(paced)), 2)
    upkeep_ms = idle_cpu * paced_seconds * 1000 / max(1, len(paced))  # idle CPU during the saves
    out = {
        "server": server.kind,
        "app": server.app,
        "patched": {k: v for k, v in server.env.items() if k in PATCH_ENV},
        "settings": server.env.get("DJANGO_SETTINGS_MODULE"),
        "channel_layer": server.env.get("BENCH_CHANNEL_LAYER", "in-memory"),
        "clients": clients,
        "clients_open": connect["open"],
        "connect": connect,
        "memory": {
            "rss_before_kib": rss_before,
            "rss_after_kib": rss_after,
            "per_connection_kib": round((rss_after - rss_before) / max(1, connect["open"]), 1),
        },
        "no_sockets": {
            "saves": len(alone),
            "save_ms": summary([(answered - sent) / 1e6 for sent, answered, _ in alone]),
            "server_cpu_ms_per_save": alone_ms,
        },
        "paced": {
            "saves": len(paced),
            "pause_ms": args.pause_ms,
            **paced_t,
            "fanout_us_per_socket": round(spread * 1000 / (open_ - 1), 1)
            if spread is not None and open_ > 1
            else None,
            "server_cpu_ms_per_save": paced_ms,
            "fanout_cpu_us_per_socket": round((paced_ms - alone_ms) * 1000 / max(1, open_), 1)
            if alone
            else None,
            "idle_upkeep_cpu_ms_per_save": round(upkeep_ms, 2),
            "fanout_cpu_us_per_socket_less_upkeep": round(
                (paced_ms - upkeep_ms - alone_ms) * 1000 / max(1, open_), 1
            )
            if alone
            else None,
        },
        "idle_server_cpu_percent": round(idle_cpu * 100, 1),
        "bursts": {
            f"posters_{posters}": burst_report(
                rows,
                seqs,
                open_,
                {
                    "posters": posters,
                    "capped_at_seconds": args.burst_seconds if capped else None,
                    "server_cpu_ms_per_save": round(burst_cpu * 1000 / max(1, len(rows)), 2),
                },
            )
            for posters, rows, capped, burst_cpu in bursts
            if rows
        },
        "frames": {
            "lost": result["lost"],
            "out_of_order": result["out_of_order"],
            "duplicates": result["duplicates"],
            "close_codes": result["close_codes"],
            "other_frames": result["other_frames"],
            "sent_by_clients": result["sent_by_clients"],
        },
        "feed_trouble_in_server_log": {name: server_log.count(mark) for name, mark in MARKS},
        "listener_cpu_seconds": round(result["cpu_seconds"], 2),
        "load_average_1m": [round(load_before, 2), round(load_after, 2)],
    }
    p = out["paced"]["send_to_last_ms"]
    rates = ", ".join(f"{k}: {b['saves_per_s']}/s" for k, b in out["bursts"].items())
    log(
        f"{server.name}: paced send->last p50 {p['p50']} p99 {p['p99']} ms, spread p50 {spread};"
        f" bursts {rates}; lost {result['lost']}; {out['memory']['per_connection_kib']} KiB/socket"
    )
    return out


# --- the run --------------------------------------------------------------------------------


class RunTimeout(BaseException):
    """The whole run's time limit: not an Exception, so no scenario swallows it."""


def redis_problem(url: str) -> str | None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2) as s:
            s.sendall(b"PING\r\n")
            if not s.recv(64).startswith(b"+PONG"):
                return f"Redis at {url} did not answer PING"
    except OSError as exc:
        return f"Redis not reachable at {url}: {exc}"
    return None


def redis_forget(url: str, prefix: str) -> None:
    """Delete the keys this run left in the shared Redis (groups expire only after a day)."""
    try:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=5)
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    except Exception as exc:  # a leftover key is harmless: say so and go on
        log(f"could not clean Redis keys {prefix}*: {exc}")


SERVER_PACKAGES = (
    *("django", "channels", "channels-redis"),
    *PACKAGES,  # the app's server (server.launch)
    *("daphne", "twisted", "autobahn"),  # the daphne scenarios
)


def versions() -> dict[str, Any]:
    """The servers' packages, and the options the app's uvicorn runs with."""
    from importlib import metadata

    out: dict[str, Any] = {"python": sys.version.split()[0]}
    for name in SERVER_PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    out["uvicorn_command"] = " ".join(server_argv("HOST", 0, python="python")[1:])
    return out


def app_commit() -> str:
    """HEAD, with "+dirty" if the sync or wiring code differs from it (read-only git)."""
    git = ["git", "--no-optional-locks", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    paths = ["sync", "tallysync", "companies", "vouchers", "ledgers", "editlog"]
    dirty = subprocess.run([*git, "status", "--porcelain", "--", *paths], capture_output=True)
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def best_burst(scenario: dict) -> dict | None:
    bursts = list(scenario.get("bursts", {}).values())

    def rank(b: dict) -> tuple[bool, float]:  # a burst whose backlog stays flat wins
        return not b["backlog_growing"], min(b["saves_per_s"], b["delivered_per_s"])

    return max(bursts, key=rank, default=None)


def goals(scenarios: dict[str, dict], prefix: str = "hub-", server: str = "uvicorn") -> dict:
    """The issue's goals, on the hub with the app's server and the in-memory layer (with
    `prefix` and `server`, the same checks on the hub under another server).
    `met` is end to end (from just before the POST); `met_fanout_only` takes off the save's own
    time (p50 with no socket open). Not the spread: a server may queue every socket's frame
    before it writes the first (daphne does), so first -> last socket shows only the writes."""
    out: dict[str, Any] = {}
    hub = {k: s for k, s in scenarios.items() if k.startswith(prefix) and "error" not in s}
    for s in hub.values():
        if s["server"] != server or s["channel_layer"] != "in-memory":
            continue
        n, paced = s["clients"], s["paced"]
        if n in LATENCY_GOAL_MS:
            goal, p99 = LATENCY_GOAL_MS[n], paced["send_to_last_ms"]["p99"]
            alone = s.get("no_sockets", {}).get("save_ms", {}).get("p50")
            added = round(p99 - alone, 2) if p99 is not None and alone is not None else None
            out[f"p99_at_{n}_clients"] = {
                "goal_ms": goal,
                "send_to_last_p99_ms": p99,
                "met": p99 is not None and p99 <= goal,
                "save_alone_p50_ms": alone,
                "sockets_added_p99_ms": added,
                "met_fanout_only": added is not None and added <= goal,
                "spread_p99_ms": paced["spread_ms"]["p99"],
            }
        if n == SAVES_GOAL_CLIENTS and (burst := best_burst(s)):
            rate = min(burst["saves_per_s"], burst["delivered_per_s"])
            out[f"saves_per_s_at_{n}_clients"] = {
                "goal": SAVES_GOAL,
                "best_of_posters": burst["posters"],
                "saves_per_s": burst["saves_per_s"],
                "delivered_per_s": burst["delivered_per_s"],
                "backlog_growing": burst["backlog_growing"],
                "server_cpu_ms_per_save": burst["server_cpu_ms_per_save"],
                "met": rate >= SAVES_GOAL and not burst["backlog_growing"],
            }
    out["zero_frames_lost"] = {  # and none out of order or twice: seqs are gap-free, in order
        "lost": {k: s["frames"]["lost"] for k, s in hub.items()},
        "out_of_order": {k: s["frames"]["out_of_order"] for k, s in hub.items()},
        "met": bool(hub)
        and all(
            s["frames"]["lost"] == s["frames"]["out_of_order"] == s["frames"]["duplicates"] == 0
            for s in hub.values()
        ),
    }
    return out


def flood_check(scenarios: dict[str, dict]) -> dict[str, Any]:
    """The app closes a socket that sends more than 100 messages at once or 20/s after that
    (1008, sync.consumers): the bench's clients send no data message, only the protocol's pong
    and close control frames, which the server answers itself; no socket may be closed 1008."""
    ran = {k: s for k, s in scenarios.items() if "error" not in s}
    data = {k: s["frames"].get("sent_by_clients", {}).get("data") for k, s in ran.items()}
    closed = {k: s["frames"]["close_codes"].get("1008", 0) for k, s in ran.items()}
    return {
        "client_data_messages": data,
        "closed_1008": closed,
        "under_limit": bool(ran) and all(v == 0 for v in [*data.values(), *closed.values()]),
    }


def merge(results: list[dict], path: str = "") -> Any:
    """One scenario from its repeats: medians of numbers; frame counts and `backlog_growing`
    take the worst repeat; anything else comes from the first repeat."""
    good = [r for r in results if "error" not in r] or results[:1]
    if len(good) == 1:
        return good[0]
    out: dict[str, Any] = {}
    for key, first in good[0].items():
        values = [r.get(key) for r in good]
        if all(v == first for v in values):
            out[key] = first
        elif isinstance(first, dict):
            out[key] = merge([v for v in values if isinstance(v, dict)], f"{path}.{key}")
        elif isinstance(first, bool):
            out[key] = any(values) if key == "backlog_growing" else first
        elif isinstance(first, int | float):
            numbers = [v for v in values if isinstance(v, int | float)]
            if path.endswith(".frames") or path == ".frames":
                out[key] = max(numbers)
            else:
                out[key] = round(statistics.median(numbers), 2)
        else:
            out[key] = first
    if not path:
        out["repeats"] = len(good)
    return out


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def compare(scenarios: dict[str, dict], base: str, other: str) -> dict[str, Any]:
    """`other` / `base` for each client count that ran both (scenario keys differ in a prefix)."""
    out = {}
    for key, b in scenarios.items():
        o = scenarios.get(key.replace(base, other, 1))
        if not key.startswith(base) or o is None or "error" in b or "error" in o:
            continue
        bp, op = b["paced"], o["paced"]
        bb, ob = best_burst(b), best_burst(o)
        out[f"{b['clients']}_clients"] = {
            "paced_send_to_last_p50": ratio(
                op["send_to_last_ms"]["p50"], bp["send_to_last_ms"]["p50"]
            ),
            "paced_send_to_last_p99": ratio(
                op["send_to_last_ms"]["p99"], bp["send_to_last_ms"]["p99"]
            ),
            "paced_spread_p50": ratio(op["spread_ms"]["p50"], bp["spread_ms"]["p50"]),
            "paced_spread_p99": ratio(op["spread_ms"]["p99"], bp["spread_ms"]["p99"]),
            "paced_server_cpu_per_save": ratio(
                op["server_cpu_ms_per_save"], bp["server_cpu_ms_per_save"]
            ),
            "no_sockets_save_p50": ratio(
                o["no_sockets"]["save_ms"]["p50"], b["no_sockets"]["save_ms"]["p50"]
            ),
            "no_sockets_server_cpu_per_save": ratio(
                o["no_sockets"]["server_cpu_ms_per_save"], b["no_sockets"]["server_cpu_ms_per_save"]
            ),
            "fanout_cpu_per_socket": ratio(
                op["fanout_cpu_us_per_socket"], bp["fanout_cpu_us_per_socket"]
            ),
            "best_burst_saves_per_s": ratio(ob and ob["saves_per_s"], bb and bb["saves_per_s"]),
            "best_burst_delivered_per_s": ratio(
                ob and ob["delivered_per_s"], bb and bb["delivered_per_s"]
            ),
            "kib_per_socket": ratio(
                o["memory"]["per_connection_kib"], b["memory"]["per_connection_kib"]
            ),
            "frames_lost": [b["frames"]["lost"], o["frames"]["lost"]],
            "frames_out_of_order": [b["frames"]["out_of_order"], o["frames"]["out_of_order"]],
        }
    return out


def build_report(
    runs: dict[str, list[dict]],
    args: argparse.Namespace,
    machine: dict[str, Any],
    skipped: dict[str, str],
) -> dict[str, Any]:
    scenarios = {key: merge(results) for key, results in runs.items()}
    redis_runs = {
        k: s for k, s in scenarios.items() if k.startswith("hub-redis-") and "error" not in s
    }
    return {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "app_commit": app_commit(),
        "machine": {**machine, "load_average_end": [round(x, 2) for x in os.getloadavg()]},
        "method": {
            "server": "one process on 127.0.0.1 (uvicorn as manage.py serve runs it; daphne in "
            "daphne-*), SQLite (WAL) in a temp dir",
            "latency": "send_to_last = wall clock just before the POST to the kernel receive "
            "stamp (SO_TIMESTAMPNS) of the frame with that seq on the LAST socket; "
            "answer_to_last starts at the HTTP answer instead (negative: the frame beat it); "
            "spread = last minus first socket (the fan-out alone); lag = listener userspace "
            "minus kernel stamp (what userspace stamping would have added)",
            "paced": f"one save at a time; the next when every socket has it, +{args.pause_ms} ms",
            "bursts": f"up to {args.burst} saves back to back per poster count {args.posters} "
            f"(keep-alive connections), at most {args.burst_seconds} s each",
            "backlog_growing": f"p50 send_to_last of the last {EDGE} > 1.5 x first {EDGE} + 5 ms",
            "memory": "server VmRSS after opening the idle sockets minus before, per socket",
            "listeners": f"{args.client_procs} processes, raw RFC 6455 client, Token + Origin",
            "warmup_saves": WARMUP_SAVES,
        },
        "repeats": args.repeat,
        "scenarios": scenarios,
        **({"runs": runs} if args.repeat > 1 else {}),
        "stock_over_hub": compare(scenarios, "hub-", "stock-"),
        "daphne_over_uvicorn": compare(scenarios, "hub-", "daphne-hub-"),
        **{f"{v}_over_hub": compare(scenarios, "hub-", f"{v}-hub-") for v in args.variants},
        "redis_layers": {
            k: {
                "paced_send_to_last_p50_ms": s["paced"]["send_to_last_ms"]["p50"],
                "paced_send_to_last_p99_ms": s["paced"]["send_to_last_ms"]["p99"],
                "paced_spread_p99_ms": s["paced"]["spread_ms"]["p99"],
                "paced_server_cpu_ms_per_save": s["paced"]["server_cpu_ms_per_save"],
                "best_burst_saves_per_s": (best_burst(s) or {}).get("saves_per_s"),
                "lost": s["frames"]["lost"],
            }
            for k, s in redis_runs.items()
        },
        "skipped": skipped,
        "flood_limit": flood_check(scenarios),
        "goals": goals(scenarios),
        **(
            {"goals_under_daphne": goals(scenarios, "daphne-hub-", "daphne")}
            if any(k.startswith("daphne-hub-") for k in scenarios)
            else {}
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="100,1000", help="comma-separated socket counts")
    parser.add_argument("--saves", type=int, default=200, help="paced saves per scenario (M)")
    parser.add_argument("--burst", type=int, default=300, help="back-to-back saves per burst")
    parser.add_argument("--burst-seconds", type=float, default=45, help="cap on one burst")
    parser.add_argument("--posters", default="1,4", help="parallel HTTP posters, one burst each")
    parser.add_argument("--baseline-saves", type=int, default=50, help="paced, no sockets")
    parser.add_argument("--pause-ms", type=float, default=20, help="idle gap between paced saves")
    parser.add_argument("--client-procs", type=int, default=2, help="listener processes")
    parser.add_argument("--connect-parallel", type=int, default=50, help="handshakes at once")
    parser.add_argument("--frame-timeout", type=float, default=5.0, help="s a frame may take")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--redis-clients", type=int, default=100, help="sockets for the Redis runs")
    parser.add_argument("--no-stock", action="store_true", help="skip the stock Channels baseline")
    parser.add_argument("--no-redis", action="store_true", help="skip the channels-redis runs")
    parser.add_argument(
        "--variants",
        default="",
        help="also run the app changed from outside, comma-separated. Adopted changes taken"
        " back out (the code as it was before, as a baseline): blocking (publish waits in the"
        " saving thread in async_to_sync for the event loop), nofreeze (no"
        " gc.freeze() after start-up), wrapped (feed frames through channels' session wrapper),"
        " burstrecheck (every socket's sign-in recheck at the heartbeat)."
        " A proposal:"
        " sync-last (the sync-only middlewares just before AxesMiddleware). See"
        " bench/variant_asgi.py and bench/settings_variants.py",
    )
    parser.add_argument(
        "--no-daphne",
        action="store_true",
        help="skip the hub under daphne (the server before uvicorn, kept as a baseline)",
    )
    parser.add_argument("--py-spy", help="py-spy binary: profile each server (kept with --keep)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run the plan N times, interleaved; medians"
    )
    parser.add_argument("--time-limit", type=int, default=2700, help="s for the whole run")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs, db)")
    parser.add_argument("--quick", action="store_true", help="smoke test: N=20, M=30, bursts 30")
    args = parser.parse_args()
    if args.quick:
        args.clients, args.saves, args.burst, args.redis_clients = "20", 30, 30, 20
        args.baseline_saves = 10
    counts = [int(n) for n in args.clients.split(",") if n.strip()]
    args.posters = [int(n) for n in args.posters.split(",") if n.strip()]
    args.variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if unknown := set(args.variants) - set(VARIANTS):
        parser.error(f"unknown variants {sorted(unknown)}; choose from {sorted(VARIANTS)}")

    def expire(signum: int, frame: Any) -> None:
        raise RunTimeout(f"stopped by signal {signum} (the time limit is {args.time_limit} s)")

    signal.signal(signal.SIGALRM, expire)
    signal.signal(signal.SIGTERM, expire)
    signal.alarm(args.time_limit)
    fds = raise_fd_limit()
    if fds < max(counts) + DESCRIPTOR_RESERVE + 100:  # the server keeps a reserve; 100 spare
        raise SystemExit(f"the fd limit {fds} is too low for {max(counts)} sockets")

    workdir = Path(tempfile.mkdtemp(prefix="tallysync-fanout-"))
    prefix = f"fanout{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'fanout.sqlite3'}",
        "TALLYSYNC_VAR_DIR": str(workdir / "var-manage"),
        "SECRET_KEY": "fanout-bench-only-not-secret",
        "TALLYSYNC_EDITLOG_KEY": "fanout-bench-only-not-secret",
        "DJANGO_SETTINGS_MODULE": "tallysync.settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        # One address holds every socket here: no connection cap but the descriptor limit's
        # (server.limits), which the check above made sure leaves room for them.
        "TALLYSYNC_MAX_CONNECTIONS": "0",
        "TALLYSYNC_MAX_CONNECTIONS_PER_ADDRESS": "0",
    }
    env.pop("REDIS_URL", None)
    load_start = os.getloadavg()
    runs: dict[str, list[dict]] = {}
    skipped: dict[str, str] = {}
    redis_used = False
    plan: list[tuple[str, str, str, dict[str, str], int]] = []
    machine_versions: dict[str, Any] = {}
    try:
        log(f"workdir {workdir}; migrating and seeding")
        manage(env, "migrate", "--noinput", "-v0")
        seed = json.loads(manage(env, "shell", "-v0", stdin=SEED).strip().splitlines()[-1])
        office = Office(seed["cid"], seed["token"])
        hub_app = "tallysync.asgi:application"
        stock_env = {**env, "BENCH_APP": "stock"}  # bench/stock_asgi.py + publisher.serving
        machine_versions = versions()
        for n in counts:
            plan.append((f"hub-inmemory-{n}", "uvicorn", hub_app, env, n))
            if not args.no_stock:
                plan.append((f"stock-inmemory-{n}", "uvicorn", VARIANT_APP, stock_env, n))
            for variant in args.variants:
                variant_env = VARIANTS[variant](env)
                plan.append((f"{variant}-hub-inmemory-{n}", "uvicorn", VARIANT_APP, variant_env, n))
            if not args.no_daphne:
                plan.append((f"daphne-hub-inmemory-{n}", "daphne", hub_app, env, n))
        if args.no_redis:
            skipped["redis"] = "--no-redis"
        elif problem := redis_problem(args.redis_url):
            skipped["redis"] = problem
        else:
            redis_used = True
            for layer in ("core", "pubsub"):
                layer_env = {
                    **env,
                    "REDIS_URL": args.redis_url,
                    "DJANGO_SETTINGS_MODULE": "bench.settings_variants",
                    "BENCH_CHANNEL_LAYER": layer,
                    "BENCH_LAYER_PREFIX": prefix,
                }
                key = f"hub-redis-{layer}-{args.redis_clients}"
                plan.append((key, "uvicorn", hub_app, layer_env, args.redis_clients))
        for repeat in range(1, args.repeat + 1):  # interleaved, so load drift hits all alike
            for key, kind, app, server_env, n in plan:
                name = key if args.repeat == 1 else f"{key}#{repeat}"
                server = Server(name.replace("#", "-r"), kind, workdir, server_env, app)
                try:
                    runs.setdefault(key, []).append(run_scenario(server, n, office, args))
                except Exception as exc:  # one failed scenario must not hide the others
                    log(f"{name} failed: {type(exc).__name__}: {exc}")
                    error = f"{type(exc).__name__}: {exc}"
                    runs.setdefault(key, []).append({"error": error, "log": server.log_tail()})
    except RunTimeout as exc:  # report what finished; name what did not run
        log(str(exc))
        left = [
            key if args.repeat == 1 else f"{key}#{r}"
            for r in range(1, args.repeat + 1)
            for key, *_ in plan
            if len(runs.get(key, [])) < r
        ]
        skipped["time_limit"] = f"{exc}; not run or cut short: {', '.join(left) or 'none'}"
    finally:
        signal.alarm(0)
        for server in list(Server.running):  # one the time limit interrupted mid-scenario
            server.stop()
        if redis_used:
            redis_forget(args.redis_url, prefix)
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    machine = {
        "cpus": os.cpu_count(),
        "load_average_start": [round(x, 2) for x in load_start],
        "fd_limit": fds,
        "versions": machine_versions,
    }
    try:
        report = build_report(runs, args, machine, skipped)
    except Exception as exc:  # never lose the measurements to a bug in the summary
        report = {"report_error": f"{type(exc).__name__}: {exc}", "runs": runs}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
