"""Two real server processes on one PostgreSQL database and one Redis channel layer.

A save made through process 1's JSON API must reach a socket held open on process 2 (and one on
process 1) as exactly the committed seqs, in order, nothing missing or repeated — the promise
of DESIGN §3 once the office runs more than one server process.

The servers cannot see pytest-django's test database (its data is never committed where another
process could read it), so this test makes a throwaway database of its own, migrates and seeds
it with `manage.py`, and drops it at the end. It asks for no Django database fixture.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings

from tests.services.conftest import CI, CONNECT_TIMEOUT, run_together
from tests.services.servers import (
    DELIVERY_TIMEOUT,
    HTTP_TIMEOUT,
    SEED,
    START_TIMEOUT,
    Server,
    WebSocket,
    free_ports,
    last_seq,
    manage,
    save_voucher,
    throwaway_database,
)

REDIS_DB = 3  # not the in-process tests' database: this test's keys never meet theirs
SAVES = 30  # checked saves; one sentinel save follows them
SEQUENTIAL = 10  # of which these go one after another, the rest from threads at once
THREADS = 5
assert (SAVES - SEQUENTIAL) % THREADS == 0

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
    servers: list[Server] = []
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
                Server(f"server-{i}", port, env, tmp_path)
                for i, port in enumerate(free_ports(2), start=1)
            ]
            for server in servers:
                server.start()
            deadline = time.monotonic() + START_TIMEOUT
            for server in servers:
                server.wait_listening(deadline)

            start = last_seq(database_url, company_id)
            asyncio.run(
                deliver_and_check(
                    servers, company_id=company_id, token=token, start=start, database=database_url
                )
            )
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
    servers: list[Server], *, company_id: int, token: str, start: int, database: str
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
        # The Server Monitor's registry sees both sockets, each on its own process.
        processes = {f"{socket.gethostname()}:{server.process.pid}" for server in servers}
        rows = await registry_rows(database, lambda rows: len(rows) == 2)
        assert {row[0] for row in rows} == processes

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

        # Counters reach the registry in the batches the pings mark (every 2 s), not per frame.
        rows = await registry_rows(
            database, lambda rows: len(rows) == 2 and all(row[2] >= SAVES for row in rows)
        )
        assert all(row[1] == 2 and row[3] > SAVES * 500 for row in rows), rows  # two pings in

        # Quiet for longer than redis-py's default 5 s read timeout: an idle subscription must
        # stay up (it used to error out and close every socket with 1011).
        await asyncio.sleep(IDLE_SECONDS)
        for name, socket_ in sockets.items():
            assert socket_.closed is None, f"{name} closed while idle: {socket_.closed}"
            assert (await socket_.ping())["seq"] == sentinel, name
    finally:
        for socket_ in sockets.values():
            await socket_.close()
    await registry_rows(database, lambda rows: not rows)  # each process forgets its closed socket
    with psycopg.connect(database, connect_timeout=CONNECT_TIMEOUT) as conn:
        closes = conn.execute(
            "SELECT process, code FROM sync_connectionevent WHERE kind = 'disconnect'"
        ).fetchall()
    assert sorted(code for _, code in closes) == [1000, 1000]
    assert {process for process, _ in closes} == processes


async def registry_rows(database: str, condition: Any, timeout: float = 15) -> list[tuple]:
    """The registry's (process, messages_in, messages_out, bytes_out) once `condition` holds."""

    def read() -> list[tuple]:
        with psycopg.connect(database, connect_timeout=CONNECT_TIMEOUT) as conn:
            return conn.execute(
                "SELECT process, messages_in, messages_out, bytes_out FROM sync_connection"
            ).fetchall()

    deadline = time.monotonic() + timeout
    while not condition(rows := await asyncio.to_thread(read)):
        assert time.monotonic() < deadline, f"registry rows {rows} within {timeout}s"
        await asyncio.sleep(0.2)  # polling a condition under a deadline
    return rows
