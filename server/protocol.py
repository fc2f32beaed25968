"""uvicorn's HTTP protocols with what they lack against a client that hoards connections: a
cap on connections (in all and per client address) applied as each is accepted, and a timeout
for the request head. server.launch names one with `--http`: httptools' where httptools is
installed, else h11's (pure Python, which uvicorn always brings); the limits are server.limits'.

uvicorn 0.54 starts no timer when a connection opens (its keep-alive timer starts only after a
response), and its `--limit-concurrency` answers 503 only once a request head has arrived: a
client that connects and sends nothing, or half a head, held a descriptor for as long as it
liked. Imports no Django: uvicorn loads it before the application.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from server.limits import Limits, RefusalLog, limits_running, refusal

RETRY_AFTER = 10  # seconds, in the refusal's Retry-After
# A refused client has usually sent its request already: closing with it unread would make the
# kernel reset the connection, and the client lose the answer (a plain close lost it 187 times
# in 200 on loopback). So the server half-closes, drops what arrives, and closes when the client
# does or after LINGER_SECONDS; at most LINGER_MAX at once (inside server.limits' reserve of
# descriptors), beyond which a flood gets a plain close.
LINGER_SECONDS = 2.0
LINGER_MAX = 64

logger = logging.getLogger("uvicorn.error")


def plain_answer(status: str, text: str, *headers: str) -> bytes:
    """A whole plain-text answer that closes the connection: `status`, `headers`, `text`."""
    body = f"{text}\n".encode()
    head = "".join(
        f"{line}\r\n"
        for line in (
            f"HTTP/1.1 {status}",
            "content-type: text/plain; charset=utf-8",
            f"content-length: {len(body)}",
            *headers,
            "connection: close",
        )
    )
    return f"{head}\r\n".encode() + body


def refusal_answer(text: str) -> bytes:
    """The whole answer to a refused connection: 503, Retry-After, close, and why in plain text."""
    return plain_answer("503 Service Unavailable", text, f"retry-after: {RETRY_AFTER}")


def timeout_answer(seconds: float) -> bytes:
    """The answer to a request head that did not arrive in time (408, then the server closes)."""
    return plain_answer("408 Request Timeout", f"The request did not arrive within {seconds:g} s.")


class ConnectionLimits:
    """Mixed into a uvicorn HTTP protocol: refuses a connection beyond the caps at once, and
    closes one whose request head has not arrived within the timeout (from the connection's
    start, or from the first byte of a later request on a kept-alive connection). The protocol
    calls `_head_begun` and `_head_complete` as its parser sees a head begin and end."""

    limits: Limits = limits_running()
    refusals = RefusalLog()
    lingering = 0  # refused connections waiting for their client to close, in this process
    # What the uvicorn protocol this is mixed into has (for the type checker).
    connections: set[Any]
    client: tuple[str, int] | None
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    cycle: Any

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.head_timer: asyncio.TimerHandle | None = None
        self.head_started = False  # some of a request head arrived, not all
        self.refused = False
        self.linger: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]  # counted in connections now
        address = self.client[0] if self.client else None
        refused = refusal(
            self.limits,
            address=address,
            open_total=len(self.connections) - 1,
            open_from_address=self._open_from(address),
        )
        if refused is None:
            self._head_timer_start()
            return
        if line := self.refusals.line(refused.kind, f"Refused a connection: {refused.text}"):
            logger.warning(line)
        self._refuse(refused.text)

    def _refuse(self, text: str) -> None:
        """Answer 503 and close without a reset (see LINGER_SECONDS); no longer counted."""
        self.refused = True
        self.connections.discard(self)
        self.transport.write(refusal_answer(text))
        if ConnectionLimits.lingering >= LINGER_MAX or not self.transport.can_write_eof():
            self.transport.close()
            return
        ConnectionLimits.lingering += 1
        self.transport.write_eof()
        self.linger = self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def _open_from(self, address: str | None) -> int:
        """How many other open connections (HTTP and WebSocket) come from `address`."""
        if not address or not self.limits.per_address:
            return 0
        return sum(
            1
            for connection in self.connections
            if connection is not self and (connection.client or ("",))[0] == address
        )

    def data_received(self, data: bytes) -> None:
        if not self.refused:  # a refused client's request is read only to be dropped
            super().data_received(data)  # type: ignore[misc]

    def _head_begun(self) -> None:
        self.head_started = True
        self._head_timer_start()  # a later request on a kept-alive connection: from now

    def _head_complete(self) -> None:
        self.head_started = False
        self._head_timer_cancel()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_timer_cancel()
        if self.linger is not None:
            self.linger.cancel()
            self.linger = None
            ConnectionLimits.lingering -= 1
        super().connection_lost(exc)  # type: ignore[misc]

    def _head_timer_start(self) -> None:
        if self.head_timer is None:
            self.head_timer = self.loop.call_later(self.limits.header_timeout, self._head_timed_out)

    def _head_timer_cancel(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        """Close the connection, saying why if a request had begun. While an earlier request is
        still being answered, wait another period: a pipelined head waits unread until then."""
        self.head_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self._head_timer_start()
            return
        if self.head_started:
            self.transport.write(timeout_answer(self.limits.header_timeout))
        self.transport.close()


class LimitedH11Protocol(ConnectionLimits, H11Protocol):
    """h11's protocol with the limits: a head begins when bytes arrive while h11 waits for a
    request, and is complete once h11 has moved past waiting."""

    def data_received(self, data: bytes) -> None:
        waiting = self.conn.their_state is h11.IDLE
        super().data_received(data)
        if not waiting or self.refused or not data:
            return
        if self.conn.their_state is h11.IDLE:
            self._head_begun()
        else:
            self._head_complete()


def _httptools_protocol() -> type | None:
    """httptools' protocol with the limits, or None without httptools."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return None

    class LimitedHttpToolsProtocol(ConnectionLimits, HttpToolsProtocol):  # type: ignore[misc]
        """httptools' protocol with the limits: its parser says where a head begins and ends."""

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._head_begun()

        def on_headers_complete(self) -> None:
            self._head_complete()
            super().on_headers_complete()

    return LimitedHttpToolsProtocol


# server.launch names it when httptools is installed (its module-level name is what uvicorn
# imports); without httptools it is None and launch names LimitedH11Protocol.
LimitedHttpToolsProtocol = _httptools_protocol()


def limits_announce(limits: Limits) -> None:
    """Say at start what this process takes, and whether the descriptor limit lowered it."""
    logger.info("Limits: %s.", limits)
    if warning := limits.descriptor_warning():
        logger.warning(warning)


limits_announce(ConnectionLimits.limits)
