"""`manage.py serve --workers 2`: two uvicorn processes share one port over PostgreSQL and
Redis. Sockets land on both; saves made through either reach every socket as exactly the
committed seqs, in order — what `serve` promises when it accepts several workers."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import psycopg

from tests.services.conftest import CONNECT_TIMEOUT, run_together
from tests.services.servers import (
    DELIVERY_TIMEOUT,
    HTTP_TIMEOUT,
    START_TIMEOUT,
    Server,
    WebSocket,
    books_prepare,
    free_ports,
    last_seq,
    save_voucher,
    throwaway_database,
)
from tests.services.test_two_processes import redis_url  # noqa: F401 (the fixture)

SOCKETS_AT_MOST = 40  # opened one by one until both workers hold some
SAVES = 20
THREADS = 4


def test_two_workers_on_one_port_deliver_every_save_to_every_socket_in_order(
    postgres: None,
    redis_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    server: Server | None = None
    try:
        with throwaway_database() as database_url:
            books = books_prepare(database_url, tmp_path, redis_url)
            token, company_id = books.token, books.company_id
            [port] = free_ports(1)
            server = Server("workers", port, books.env, tmp_path, workers=2)
            server.start()
            server.wait_listening(time.monotonic() + START_TIMEOUT)
            start = last_seq(database_url, company_id)
            asyncio.run(
                deliver(port, company_id=company_id, token=token, start=start, db=database_url)
            )
            assert last_seq(database_url, company_id) == start + SAVES
            server.stop()
            assert "Traceback" not in server.log(), server.log()
    finally:
        if server is not None:
            server.stop()
            print(f"----- {server.name} (port {server.port}) -----\n{server.log()}")


async def deliver(port: int, *, company_id: int, token: str, start: int, db: str) -> None:
    auth = {"Authorization": f"Token {token}"}
    sockets: list[WebSocket] = []
    try:
        while len(processes(db)) < 2:  # the kernel hands connections to either worker
            assert len(sockets) < SOCKETS_AT_MOST, f"every socket landed on {processes(db)}"
            socket_ = await WebSocket.open(port, f"/ws/c/{company_id}/", auth)
            assert (await socket_.ping())["seq"] == start  # joined its worker's hub
            sockets.append(socket_)
            await asyncio.sleep(0.05)  # the registry row is written as the socket joins
        assert len(processes(db)) == 2

        def saves(t: int) -> list[int]:
            per_thread = SAVES // THREADS
            return [
                save_voucher(port, company_id, token, f"{100 + t * per_thread + i}.00")
                for i in range(per_thread)
            ]

        results = await asyncio.to_thread(
            run_together,
            [lambda t=t: saves(t) for t in range(THREADS)],
            timeout=HTTP_TIMEOUT * SAVES,
        )
        saved = sorted(seq for outcome, value in results for seq in value if outcome == "ok")
        expected = list(range(start + 1, start + SAVES + 1))
        assert saved == expected, results
        for n, socket_ in enumerate(sockets):
            await socket_.wait_until(
                lambda ws: len(ws.changes()) >= SAVES, DELIVERY_TIMEOUT, f"socket {n}: all saves"
            )
            assert socket_.changes() == expected, f"socket {n} got {socket_.changes()}"
            assert socket_.closed is None
    finally:
        for socket_ in sockets:
            await socket_.close()


def processes(database: str) -> set[str]:
    """The server processes the registry says hold sockets."""
    with psycopg.connect(database, connect_timeout=CONNECT_TIMEOUT) as conn:
        return {row[0] for row in conn.execute("SELECT process FROM sync_connection")}
