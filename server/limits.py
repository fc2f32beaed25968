"""How many connections the server holds at once and how long it waits for a request head: the
values `serve` passes from the Server configuration in the environment, read once by the server
process (server.protocol applies them). Django-free, like server.launch, for the same reason:
the browser tests and the bench start the server without `serve`, and get the defaults.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import NamedTuple


def _resource() -> ModuleType | None:
    """The `resource` module (POSIX), or None where there is none (Windows): there a process's
    sockets are not counted against a descriptor limit, so none holds the cap down."""
    try:
        import resource
    except ImportError:
        return None
    return resource


resource = _resource()
# What the descriptor limit is where nothing limits it (resource.RLIM_INFINITY on POSIX).
NO_LIMIT = resource.RLIM_INFINITY if resource else -1

ENV_MAX_CONNECTIONS = "TALLYSYNC_MAX_CONNECTIONS"
ENV_MAX_CONNECTIONS_PER_ADDRESS = "TALLYSYNC_MAX_CONNECTIONS_PER_ADDRESS"
ENV_HEADER_TIMEOUT = "TALLYSYNC_HEADER_TIMEOUT"

# The defaults. config.models.ServerConfig repeats them (config, a lower layer, cannot import
# server); tests/server/test_config.py checks that they agree.
MAX_CONNECTIONS = 1000
# One office computer: a live socket per open page (max_sockets_per_address: 100) plus the
# browser's own page loads (6 per browser and server); room for a few computers behind one NAT.
MAX_CONNECTIONS_PER_ADDRESS = 200
HEADER_TIMEOUT = 10.0  # seconds; a browser on the LAN sends its request head in milliseconds

# Descriptors kept free of client connections: the process's own files (15 idle), the database
# files of requests being answered (SQLite: 3 per request at once; 40 clients saving together
# peaked at 104 besides their sockets) and refusals waiting to close (server.protocol.LINGER_MAX,
# 64). Half the limit when the limit is under 512.
DESCRIPTOR_RESERVE = 256


@dataclass(frozen=True)
class Limits:
    """The limits one server process applies to the connections it accepts."""

    max_connections: int  # what the process holds at once, after the descriptor limit
    per_address: int  # from one client address at once (0: no limit)
    header_timeout: float  # seconds for a whole request head to arrive
    asked: int  # the max_connections asked for (0: only the descriptor limit)
    descriptors: int  # the process's soft RLIMIT_NOFILE when the limits were read

    def __str__(self) -> str:
        per_address = f"{self.per_address} per address" if self.per_address else "any per address"
        return (
            f"at most {self.max_connections} connections at once ({per_address}), "
            f"request heads within {self.header_timeout:g} s"
        )

    def descriptor_warning(self) -> str | None:
        """What to tell the operator when the descriptor limit lowered the cap (else None)."""
        if not self.max_connections < self.asked:
            return None
        return (
            f"The descriptor limit ({self.descriptors}) holds the server to "
            f"{self.max_connections} connections at once, under the {self.asked} configured: "
            "raise LimitNOFILE (docs/operations.md)."
        )


def connection_cap(*, asked: int, descriptors: int) -> int:
    """At most `asked` connections (0: no cap of its own), and never so many that the process
    runs out of descriptors: the descriptor limit less DESCRIPTOR_RESERVE (or half of it)."""
    if descriptors == NO_LIMIT:
        return asked or sys.maxsize
    room = descriptors - min(DESCRIPTOR_RESERVE, descriptors // 2)
    return min(asked, room) if asked else room


def descriptors_soft() -> int:
    if resource is None:
        return NO_LIMIT
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def descriptors_raise() -> int:
    """Raise this process's soft descriptor limit to its hard limit (a child it starts inherits
    it); the soft limit then (NO_LIMIT where the system has no such limit)."""
    if resource is None:
        return NO_LIMIT
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return descriptors_soft()


def limits_read(environ: Mapping[str, str], *, descriptors: int) -> Limits:
    """The limits the environment asks for, the defaults where unset; a malformed value stops
    the start with its name (ValueError)."""
    asked = _whole(environ, ENV_MAX_CONNECTIONS, MAX_CONNECTIONS)
    header_timeout = _seconds(environ, ENV_HEADER_TIMEOUT, HEADER_TIMEOUT)
    return Limits(
        max_connections=connection_cap(asked=asked, descriptors=descriptors),
        per_address=_whole(environ, ENV_MAX_CONNECTIONS_PER_ADDRESS, MAX_CONNECTIONS_PER_ADDRESS),
        header_timeout=header_timeout,
        asked=asked,
        descriptors=descriptors,
    )


@functools.cache
def limits_running() -> Limits:
    """The limits of this process, read once."""
    return limits_read(os.environ, descriptors=descriptors_soft())


def _whole(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ValueError(f"{name}={value!r}: use a whole number, 0 or more (0: no limit)")
    return int(value)


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise ValueError(f"{name}={value!r}: use a number of seconds above 0")
    return seconds


class Refusal(NamedTuple):
    kind: str  # "server" or "address": which cap
    text: str  # the refusal's body, for the client and the log


def refusal(
    limits: Limits, *, address: str | None, open_total: int, open_from_address: int
) -> Refusal | None:
    """Why a new connection from `address` is refused, given how many are open already in all
    and from that address (None: it is accepted)."""
    if open_total >= limits.max_connections:
        return Refusal(
            "server",
            f"This server has {limits.max_connections} connections open, as many as it takes "
            "at once. Try again in a moment.",
        )
    if limits.per_address and address and open_from_address >= limits.per_address:
        return Refusal(
            "address",
            f"This computer ({address}) has {limits.per_address} connections to this server "
            "open, as many as it takes from one computer. Close some pages and try again.",
        )
    return None


class RefusalLog:
    """At most one log line per kind of refusal every `every` seconds, the next one saying how
    many were left out: a client hammering the port must not fill the log."""

    def __init__(self, every: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self.clock = clock
        self.last: dict[str, float] = {}
        self.left_out: dict[str, int] = {}

    def line(self, kind: str, text: str) -> str | None:
        """`text` to log now (with the count left out since the last line), or None."""
        now = self.clock()
        if kind in self.last and now - self.last[kind] < self.every:
            self.left_out[kind] = self.left_out.get(kind, 0) + 1
            return None
        self.last[kind] = now
        left_out = self.left_out.pop(kind, 0)
        return f"{text} ({left_out} more refused since the last line)" if left_out else text
