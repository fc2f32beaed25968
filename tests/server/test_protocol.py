"""server.protocol's decisions on an event loop, with transports that record what the server
writes: refusals at connection time, and the request-head timer (from the connection, and again
from the first byte of each later request). tests/services/test_connection_limits.py shows the
same against a real server."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from server import protocol as protocol_module
from server.limits import Limits
from server.protocol import (
    LINGER_MAX,
    ConnectionLimits,
    LimitedH11Protocol,
    LimitedHttpToolsProtocol,
    refusal_answer,
)

TIMEOUT = 0.1  # the tests' request-head timeout, seconds
LIMITS = Limits(max_connections=4, per_address=2, header_timeout=TIMEOUT, asked=4, descriptors=0)
REQUEST = b"GET / HTTP/1.1\r\nHost: example\r\n\r\n"


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    headers = [(b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


class Transport(asyncio.Transport):
    """What a protocol needs of a socket, keeping what is written and whether it was closed;
    closing tells the protocol soon after, as a socket's transport does."""

    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address
        self.written = b""
        self.write_ended = False
        self.closed = False
        self.protocol: asyncio.Protocol | None = None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": (self.address, 50_000), "sockname": ("127.0.0.1", 9000)}.get(name)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        assert not self.write_ended
        self.written += bytes(data)

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        self.write_ended = True

    def close(self) -> None:
        if not self.closed and self.protocol is not None:
            asyncio.get_running_loop().call_soon(self.protocol.connection_lost, None)
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        pass


# Each test runs with httptools' protocol (where httptools is installed) and with h11's, which
# serves where httptools is not (server.launch).
PROTOCOLS = [p for p in (LimitedHttpToolsProtocol, LimitedH11Protocol) if p is not None]
PROTOCOL: Any = PROTOCOLS[0]


class Office:
    """One server's shared state, and a way to open connections to it."""

    def __init__(self) -> None:
        self.config = Config(app=app, http=PROTOCOL, log_level="warning")
        self.state = ServerState()

    def connect(self, address: str = "10.0.0.5") -> tuple[Any, Transport]:
        protocol = PROTOCOL(self.config, self.state, app_state={})
        protocol.limits = LIMITS
        transport = Transport(address)
        transport.protocol = protocol
        protocol.connection_made(transport)
        return protocol, transport


async def until(condition: Any, what: str, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {timeout}s"
        await asyncio.sleep(0.01)  # polling a condition under a deadline


def run(scenario: Any) -> None:
    asyncio.run(scenario())


@pytest.fixture(autouse=True, params=PROTOCOLS, ids=lambda protocol: protocol.__name__)
def each_protocol(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test with each protocol; a test's refused connections may outlive its loop: count
    from 0 in each."""
    monkeypatch.setattr(f"{__name__}.PROTOCOL", request.param)
    monkeypatch.setattr(ConnectionLimits, "lingering", 0)


def test_beyond_the_per_address_cap_a_connection_is_refused_at_once_and_others_still_come_in():
    async def scenario() -> None:
        office = Office()
        for _ in range(2):
            office.connect()
        _, refused = office.connect()
        assert refused.write_ended
        assert refused.written == refusal_answer(
            "This computer (10.0.0.5) has 2 connections to this server open, as many as it "
            "takes from one computer. Close some pages and try again."
        )
        assert refused.written.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
        assert b"\r\nretry-after: 10\r\n" in refused.written
        assert b"\r\nconnection: close\r\n" in refused.written
        _, other = office.connect("10.0.0.6")
        assert not other.closed and other.written == b""

    run(scenario)


def test_a_refused_client_gets_the_answer_before_the_close_not_a_reset():
    """Its request, sent before it read the refusal, is read and dropped (closing with it unread
    would reset the connection, losing the answer); the server closes when the client does."""

    async def scenario() -> None:
        office = Office()
        for _ in range(2):
            office.connect()
        refused, transport = office.connect()
        assert transport.write_ended and not transport.closed
        assert ConnectionLimits.lingering == 1
        assert refused not in office.state.connections  # others are not refused for it
        refused.data_received(REQUEST)
        assert transport.written.count(b"HTTP/1.1") == 1  # the request was not answered
        refused.eof_received()
        transport.close()  # as a transport does when eof_received returns nothing
        await until(lambda: ConnectionLimits.lingering == 0, "the linger ended")

    run(scenario)


def test_a_flood_of_refusals_is_closed_at_once():
    async def scenario() -> None:
        ConnectionLimits.lingering = LINGER_MAX
        office = Office()
        for _ in range(2):
            office.connect()
        _, transport = office.connect()
        assert transport.closed and transport.written.startswith(b"HTTP/1.1 503")

    run(scenario)


def test_a_client_that_never_closes_after_its_refusal_is_closed(monkeypatch):
    monkeypatch.setattr(protocol_module, "LINGER_SECONDS", TIMEOUT)

    async def scenario() -> None:
        office = Office()
        for _ in range(2):
            office.connect()
        _, transport = office.connect()
        await until(lambda: transport.closed, "the refused connection closed")
        await until(lambda: ConnectionLimits.lingering == 0, "the linger ended")

    run(scenario)


def test_beyond_the_server_wide_cap_everyone_is_refused_until_one_closes():
    async def scenario() -> None:
        office = Office()
        opened = [office.connect(f"10.0.0.{n}") for n in range(4)]
        _, refused = office.connect("10.0.0.9")
        assert refused.write_ended
        assert b"This server has 4 connections open" in refused.written
        opened[0][1].close()
        await until(lambda: len(office.state.connections) == 3, "two connections gone")
        _, accepted = office.connect("10.0.0.9")
        assert not accepted.closed

    run(scenario)


def test_a_silent_connection_is_closed_after_the_timeout_without_an_answer():
    async def scenario() -> None:
        _, transport = Office().connect()
        started = time.monotonic()
        await until(lambda: transport.closed, "the silent connection closed")
        assert time.monotonic() - started >= TIMEOUT * 0.9
        assert transport.written == b""  # a browser's unused spare connection: nothing to say

    run(scenario)


def test_a_half_sent_head_gets_408_and_is_closed():
    async def scenario() -> None:
        protocol, transport = Office().connect()
        protocol.data_received(b"GET / HTTP/1.1\r\nHost: exa")
        await until(lambda: transport.closed, "the half-sent connection closed")
        assert transport.written.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
        assert transport.written.endswith(b"The request did not arrive within 0.1 s.\n")

    run(scenario)


def test_dripping_the_head_does_not_restart_the_clock():
    async def scenario() -> None:
        protocol, transport = Office().connect()
        started = time.monotonic()
        for byte in b"GET / HTTP/1.1\r\nHost: example\r\n":
            if transport.closed:
                break
            protocol.data_received(bytes([byte]))
            await asyncio.sleep(TIMEOUT / 10)  # the drip's pace, as a slow-headers client
        await until(lambda: transport.closed, "the dripping connection closed")
        assert time.monotonic() - started < TIMEOUT * 3

    run(scenario)


def test_a_whole_request_is_answered_and_its_kept_alive_connection_timed_again():
    """After an answer uvicorn's keep-alive timer runs; a next request that starts and stalls is
    the head timer's again, from its first byte."""

    async def scenario() -> None:
        protocol, transport = Office().connect()
        protocol.data_received(REQUEST)
        await until(lambda: b"\r\n\r\nok" in transport.written, "the answer")
        assert protocol.head_timer is None and not transport.closed
        answered = len(transport.written)
        protocol.data_received(b"GET /next HTTP/1.1\r\n")
        assert protocol.head_timer is not None
        await until(lambda: transport.closed, "the stalled second request closed")
        assert transport.written[answered:].startswith(b"HTTP/1.1 408 Request Timeout\r\n")

    run(scenario)


def test_a_refused_connection_never_starts_the_timer():
    async def scenario() -> None:
        office = Office()
        for _ in range(2):
            office.connect()
        refused, _ = office.connect()
        assert refused.head_timer is None

    run(scenario)
