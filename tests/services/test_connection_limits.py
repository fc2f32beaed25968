"""A server one client cannot starve (issue 13, item 3), against real servers started as `serve`
starts them (server.launch; server.protocol does the work): beyond its cap one computer is
refused with a 503 that says why while another keeps saving; connections that send nothing or
half a request head are closed after the header timeout; and the server-wide cap refuses every
computer until a connection closes.

Each client computer is another loopback address (Linux routes all of 127/8 to lo), so the
server counts them apart; the limits are set small through the server's environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import sale
from tests.services.servers import (
    Books,
    Server,
    WebSocket,
    books_prepare,
    call,
    free_ports,
    sqlite_url,
)

PER_ADDRESS = 20
HEADER_TIMEOUT = 1.0  # seconds
READ_TIMEOUT = 10.0  # seconds for anything the server should send


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Books:
    workdir = tmp_path_factory.mktemp("limits")
    return books_prepare(sqlite_url(workdir / "books.sqlite3"), workdir)


@contextlib.contextmanager
def served(books: Books, workdir: Path, name: str, **limits: str) -> Iterator[Server]:
    """A server of `books` with these limits in its environment; its log printed at the end."""
    env = {**books.env, "TALLYSYNC_VAR_DIR": str(workdir), **limits}
    server = Server(name, free_ports(1)[0], env, workdir)
    server.start_and_wait()
    try:
        yield server
    finally:
        server.stop()
        print(server.log()[-3000:])


@pytest.fixture(scope="module")
def server(books: Books, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """20 connections per address, request heads within 1 s, the default cap in all."""
    with served(
        books,
        tmp_path_factory.mktemp("server"),
        "limited",
        TALLYSYNC_MAX_CONNECTIONS_PER_ADDRESS=str(PER_ADDRESS),
        TALLYSYNC_HEADER_TIMEOUT=str(HEADER_TIMEOUT),
    ) as server:
        yield server


class Raw:
    """A plain TCP connection from `source`, to send what a test likes and read what comes."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.opened = time.monotonic()

    @classmethod
    async def open(cls, port: int, source: str) -> Raw:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0)), READ_TIMEOUT
        )
        return cls(reader, writer)

    async def until_closed(self) -> tuple[bytes, float]:
        """Everything the server sends until it closes, and how long after opening it closed."""
        data = await asyncio.wait_for(self.reader.read(), READ_TIMEOUT)
        return data, time.monotonic() - self.opened

    def close(self) -> None:
        self.writer.close()


def refusal_of(answer: bytes) -> tuple[str, dict[str, str], str]:
    """Status line, headers (lower-case names) and body of a whole answer."""
    head, _, body = answer.decode().partition("\r\n\r\n")
    status, *fields = head.split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (f.partition(":") for f in fields)}
    return status, headers, body


def test_one_computer_beyond_its_cap_is_refused_while_another_keeps_saving(
    books: Books, server: Server
) -> None:
    """127.0.0.11 holds 20 live pages; every further connection from it is told why, at once,
    even one that sent its request first; 127.0.0.12 saves all the while, and the 20 pages get
    its saves."""

    async def scenario() -> None:
        pages = [
            await WebSocket.open(
                server.port,
                f"/ws/c/{books.company_id}/",
                {"Authorization": f"Token {books.token}"},
                source="127.0.0.11",
            )
            for _ in range(PER_ADDRESS)
        ]
        try:
            seqs = []
            for n in range(5):
                refused = await Raw.open(server.port, "127.0.0.11")
                refused.writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                answer, _ = await refused.until_closed()
                status, headers, body = refusal_of(answer)
                assert status == "HTTP/1.1 503 Service Unavailable", answer
                assert headers["retry-after"] == "10"
                assert headers["connection"] == "close"
                assert headers["content-type"] == "text/plain; charset=utf-8"
                assert body == (
                    "This computer (127.0.0.11) has 20 connections to this server open, as many "
                    "as it takes from one computer. Close some pages and try again.\n"
                )
                saved = await asyncio.to_thread(
                    call,
                    server.port,
                    "POST",
                    f"/c/{books.company_id}/vouchers/",
                    books.token,
                    body=sale(f"{100 + n}.00"),
                    source="127.0.0.12",
                )
                assert saved.status == 201, saved
                seqs.append(saved.body["seq"])
            for page in pages:
                await page.wait_until(lambda ws: seqs[-1] in ws.changes(), 10, "the last save")
        finally:
            for page in pages:
                await page.close()

    asyncio.run(scenario())
    assert "Refused a connection: This computer (127.0.0.11) has 20" in server.log()


def test_silent_and_half_sent_connections_are_closed_after_the_header_timeout(
    server: Server,
) -> None:
    """The review's attack, scaled to the cap: a computer opens 25 connections and sends
    nothing. 20 are held, 5 refused at once; after the timeout the server closes the 20 (a
    half-sent head gets 408), and that computer connects again."""

    async def scenario() -> None:
        silent = [await Raw.open(server.port, "127.0.0.21") for _ in range(PER_ADDRESS - 1)]
        half = await Raw.open(server.port, "127.0.0.21")
        half.writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Ag")
        over = [await Raw.open(server.port, "127.0.0.21") for _ in range(5)]
        for connection in over:
            answer, seconds = await connection.until_closed()
            assert answer.startswith(b"HTTP/1.1 503 "), answer
            assert seconds < HEADER_TIMEOUT / 2, "refused at once"

        closed = await asyncio.gather(*(c.until_closed() for c in [*silent, half]))
        for answer, seconds in closed[:-1]:
            assert answer == b""  # a browser's unused spare connection: nothing to say
            assert HEADER_TIMEOUT * 0.9 <= seconds < HEADER_TIMEOUT + 3, seconds
        answer, seconds = closed[-1]
        assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), answer
        assert answer.endswith(b"\r\n\r\nThe request did not arrive within 1 s.\n")
        assert HEADER_TIMEOUT * 0.9 <= seconds < HEADER_TIMEOUT + 3, seconds

        again = await Raw.open(server.port, "127.0.0.21")
        again.writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer, _ = await again.until_closed()
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n"), answer
        for connection in [*silent, half, *over, again]:
            connection.close()

    asyncio.run(scenario())


def test_the_server_wide_cap_refuses_every_computer_until_a_connection_closes(
    books: Books, tmp_path: Path
) -> None:
    """10 connections in all, from three computers: the eleventh is refused wherever it comes
    from, a save too; when one closes, the save goes through."""
    with served(
        books, tmp_path, "capped", TALLYSYNC_MAX_CONNECTIONS="10", TALLYSYNC_HEADER_TIMEOUT="30"
    ) as capped:
        asyncio.run(cap_scenario(books, capped))
    assert "Refused a connection: This server has 10 connections open" in capped.log()


async def cap_scenario(books: Books, capped: Server) -> None:
    def save() -> int:
        return call(
            capped.port,
            "POST",
            f"/c/{books.company_id}/vouchers/",
            books.token,
            body=sale("500.00"),
            source="127.0.0.34",
        ).status

    # The start's probe closes in its own time; an answer the server closes itself comes after
    # every earlier connection is gone.
    quiet = await Raw.open(capped.port, "127.0.0.30")
    quiet.writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert (await quiet.until_closed())[0].startswith(b"HTTP/1.1 200 OK")

    held = [await Raw.open(capped.port, f"127.0.0.3{n % 3 + 1}") for n in range(10)]
    refused = await Raw.open(capped.port, "127.0.0.35")
    answer, _ = await refused.until_closed()
    status, _, body = refusal_of(answer)
    assert status == "HTTP/1.1 503 Service Unavailable"
    assert body == (
        "This server has 10 connections open, as many as it takes at once. Try again in a moment.\n"
    )
    assert await asyncio.to_thread(save) == 503

    held.pop().close()
    statuses = [await asyncio.to_thread(save)]
    deadline = time.monotonic() + 5
    while statuses[-1] != 201:
        assert time.monotonic() < deadline, f"a save once a connection closed: {statuses}"
        await asyncio.sleep(0.02)  # polling a condition under a deadline
        statuses.append(await asyncio.to_thread(save))
    for connection in [quiet, *held, refused]:
        connection.close()
