"""The connection registry: each socket's row in the database, its counters, and the
connection event log — what the Server Monitor reads, across every server process.

Counters live in memory and reach the database in one batch every FLUSH_EVERY seconds (pings
mark a socket for the next batch); nothing is written per message.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass, field

import psutil
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Min, Q, QuerySet
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.text import get_text_list

from config.models import ServerConfig
from sync import protocol
from sync.models import Connection, ConnectionEvent, TrafficSample

HOST = socket.gethostname()
PROCESS = f"{HOST}:{os.getpid()}"
STARTED_AT = timezone.now()
FLUSH_EVERY = 2.0  # seconds between batches of counters
HEARTBEAT_EVERY = 20.0  # seconds between "this process's sockets are still open" marks
STALE_AFTER = dt.timedelta(seconds=60)  # rows not marked for this long: their process died
REFUSAL_NOTE_EVERY = 10.0  # seconds between refusal lines per kind of refusal and address
REFUSALS_KEPT = 10_000  # (kind, address) pairs remembered before the quiet ones are dropped
EVENT_RETENTION = dt.timedelta(days=7)
SAMPLE_RETENTION = dt.timedelta(minutes=10)
Kind = ConnectionEvent.Kind


class SeatsTaken(Exception):
    """The user limit is reached by other users; the message names who holds the seats."""


def utf8_len(text: str | bytes) -> int:
    """Bytes on the wire: a str's UTF-8 length, a binary frame's own length."""
    if isinstance(text, bytes) or text.isascii():
        return len(text)
    return len(text.encode())


@dataclass
class Traffic:
    messages_in: int = 0
    messages_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0

    def received(self, size: int) -> None:
        self.messages_in += 1
        self.bytes_in += size

    def sent(self, size: int) -> None:
        self.messages_out += 1
        self.bytes_out += size


@dataclass
class SocketStats(Traffic):
    """One socket's counters and what its pings told us."""

    connection_id: str = ""
    ack_seq: int | None = None
    clock_skew_ms: int | None = None
    last_ping_at: dt.datetime | None = None


@dataclass
class ProcessTraffic:
    """This process's traffic since the last sample, and the sockets to flush next."""

    since: float = 0.0
    totals: Traffic = field(default_factory=Traffic)
    dirty: dict[str, SocketStats] = field(default_factory=dict)

    def take(self, now: float) -> tuple[Traffic, float, list[SocketStats]]:
        """What to flush, handed over on the event loop so the flushing thread owns a copy."""
        totals, seconds = self.totals, now - (self.since or now)
        dirty = [SocketStats(**vars(stats)) for stats in self.dirty.values()]  # the loop counts on
        self.totals, self.since, self.dirty = Traffic(), now, {}
        return totals, seconds, dirty


traffic = ProcessTraffic()


def received(stats: SocketStats, text: str | bytes) -> None:
    size = utf8_len(text)
    stats.received(size)
    traffic.totals.received(size)


def sent(stats: SocketStats, text: str) -> None:
    size = utf8_len(text)
    stats.sent(size)
    traffic.totals.sent(size)


def pinged(stats: SocketStats, *, ack_seq: int | None, clock_skew_ms: int | None) -> None:
    stats.ack_seq, stats.clock_skew_ms = ack_seq, clock_skew_ms
    stats.last_ping_at = timezone.now()
    traffic.dirty[stats.connection_id] = stats


class Refusals:
    """Which refused handshakes get a line in the event log: the first of each kind from an
    address, then at most one every REFUSAL_NOTE_EVERY seconds saying how many were left out.
    A browser retrying, or a script hammering the socket URL, must not turn every try into a
    database write. Used on the event loop only."""

    def __init__(self) -> None:
        self.noted: dict[tuple[str, str | None], tuple[float, int]] = {}

    def take(self, kind: str, ip: str | None, now: float) -> int | None:
        """None: leave this refusal out; else note it, with the number left out since."""
        noted_at, left_out = self.noted.get((kind, ip), (-REFUSAL_NOTE_EVERY, 0))
        if now - noted_at < REFUSAL_NOTE_EVERY:
            self.noted[(kind, ip)] = (noted_at, left_out + 1)
            return None
        if len(self.noted) >= REFUSALS_KEPT:
            self.noted = {
                key: value
                for key, value in self.noted.items()
                if now - value[0] < REFUSAL_NOTE_EVERY
            }
        self.noted[(kind, ip)] = (now, 0)
        return left_out

    def forget(self) -> None:
        self.noted.clear()


refusals = Refusals()


def refusal_detail(detail: str, left_out: int) -> str:
    if not left_out:
        return detail
    more = f"{left_out} more like it left out since the last line"
    return f"{detail} ({more})" if detail else more


def event_record(
    *,
    kind: str,
    username: str = "",
    company_id: int | None = None,
    ip: str | None = None,
    code: int | None = None,
    detail: str = "",
) -> None:
    """Append one line to the connection event log."""
    ConnectionEvent.objects.create(
        at=timezone.now(),
        kind=kind,
        process=PROCESS,
        username=username[:150],
        company_id=company_id,
        ip=ip,
        code=code,
        detail=detail[:300],
    )


def connection_open(
    *, connection_id: str, user: AbstractBaseUser, company_id: int, ip: str | None, browser: str
) -> None:
    """Register a socket, or raise SeatsTaken when other users hold every seat."""
    ServerConfig.objects.get_or_create(pk=1)  # not the cached row: this one is locked next
    now = timezone.now()
    with transaction.atomic():
        # The config row is the turnstile: two users arriving together are counted one by one.
        limit, per_user, per_address = ServerConfig.objects.select_for_update().values_list(
            "max_users", "max_sockets_per_user", "max_sockets_per_address"
        )[0]
        if limit:
            seats_check(limit=limit, user=user, now=now)
        sockets_check(user=user, ip=ip, per_user=per_user, per_address=per_address, now=now)
        Connection.objects.create(
            id=connection_id,
            process=PROCESS,
            user=user,
            company_id=company_id,
            ip=ip,
            browser=browser[:200],
            connected_at=now,
            seen_at=now,
        )
        event_record(kind=Kind.CONNECT, username=user.get_username(), company_id=company_id, ip=ip)


def seats_check(*, limit: int, user: AbstractBaseUser, now: dt.datetime) -> None:
    """Raise SeatsTaken when `limit` other users hold open sockets."""
    holders = list(
        connections_live(now=now)
        .exclude(user=user)
        .values("user__username")
        .annotate(since=Min("connected_at"))
        .order_by("since")
    )
    if len(holders) < limit:
        return
    users = "1 user" if limit == 1 else f"{limit} users"
    if len(holders) == 1:
        who = f"{holders[0]['user__username']} is connected since {_clock(holders[0]['since'])}"
    else:
        names = [f"{h['user__username']} (since {_clock(h['since'])})" for h in holders]
        who = f"{get_text_list(names, 'and')} are connected"
    raise SeatsTaken(f"This server allows {users} at a time; {who}.")


def sockets_check(
    *, user: AbstractBaseUser, ip: str | None, per_user: int, per_address: int, now: dt.datetime
) -> None:
    """Raise SeatsTaken when the user, or the address, already holds its share of open pages
    (0: no limit): one client cannot take every connection the server has."""
    live = connections_live(now=now)
    if per_user and live.filter(user=user).count() >= per_user:
        raise SeatsTaken(
            f"You have {per_user} pages of this server open; close one to open another here."
        )
    if per_address and ip and live.filter(ip=ip).count() >= per_address:
        raise SeatsTaken(
            f"This computer has {per_address} pages of this server open; close one to open "
            "another here."
        )


def _clock(moment: dt.datetime) -> str:
    return time_format(timezone.localtime(moment), "H:i")


def connections_live(*, now: dt.datetime | None = None) -> QuerySet[Connection]:
    """Open sockets of every process: rows marked recently by a process that is alive."""
    now = now or timezone.now()
    return Connection.objects.filter(seen_at__gte=now - STALE_AFTER).exclude(
        process__in=_dead_local_processes()
    )


def connection_close(
    *, stats: SocketStats, username: str, company_id: int, ip: str | None, code: int
) -> None:
    """Forget a closed socket and log why it closed."""
    with transaction.atomic():
        Connection.objects.filter(pk=stats.connection_id).delete()
        event_record(
            kind=Kind.DISCONNECT,
            username=username,
            company_id=company_id,
            ip=ip,
            code=code,
            detail=close_reason(code),
        )


def close_reason(code: int) -> str:
    return {
        1000: "closed",
        1001: "page closed or reloaded",
        1006: "connection lost",
        1011: "server error",
        protocol.CLOSE_TOO_SLOW: "too slow: cut off to resume",
        protocol.CLOSE_FORBIDDEN: "not a member",
        protocol.CLOSE_UNAUTHENTICATED: "not signed in",
        protocol.CLOSE_USER_LIMIT: "user limit",
    }.get(code, "")


def flush(*, totals: Traffic, seconds: float, dirty: list[SocketStats]) -> None:
    """Write one batch: the pinged sockets' counters and this process's traffic sample.

    One parameterised UPDATE run for every row (executemany), its parameters built before the
    transaction: SQLite's IMMEDIATE transaction holds the write lock from BEGIN, so nothing but
    the statements runs inside it. (bulk_update's CASE WHEN, built in Python inside the
    transaction, held saves up for ~1 ms per socket: bench/registry.py.)
    """
    now = timezone.now()
    ops = connection.ops
    seen = ops.adapt_datetimefield_value(now)
    rows = [
        (
            s.messages_in,
            s.messages_out,
            s.bytes_in,
            s.bytes_out,
            s.ack_seq,
            s.clock_skew_ms,
            ops.adapt_datetimefield_value(s.last_ping_at),
            seen,
            s.connection_id,
        )
        for s in dirty
    ]
    traffic_moved = bool(totals.messages_in or totals.messages_out)
    if not rows and not traffic_moved:  # an idle tick takes no write lock from the saves
        return
    with transaction.atomic():
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(_FLUSH_SQL, rows)
        if traffic_moved:
            TrafficSample.objects.create(process=PROCESS, at=now, seconds=seconds, **vars(totals))


FLUSHED_FIELDS = [
    "messages_in",
    "messages_out",
    "bytes_in",
    "bytes_out",
    "ack_seq",
    "clock_skew_ms",
    "last_ping_at",
    "seen_at",
]
_FLUSH_SQL = (
    f"UPDATE {Connection._meta.db_table} SET {', '.join(f'{f} = %s' for f in FLUSHED_FIELDS)}"
    " WHERE id = %s"
)


def heartbeat_and_prune() -> None:
    """Mark this process's sockets open; drop dead processes' rows and old events and samples."""
    now = timezone.now()
    with transaction.atomic():
        Connection.objects.filter(process=PROCESS).update(seen_at=now)
        Connection.objects.filter(
            Q(seen_at__lt=now - STALE_AFTER) | Q(process__in=_dead_local_processes())
        ).delete()
        ConnectionEvent.objects.filter(at__lt=now - EVENT_RETENTION).delete()
        TrafficSample.objects.filter(at__lt=now - SAMPLE_RETENTION).delete()


def _dead_local_processes() -> list[str]:
    """Processes of this machine that left rows behind and no longer run (a server restart)."""
    names = (
        Connection.objects.filter(process__startswith=f"{HOST}:")
        .exclude(process=PROCESS)
        .values_list("process", flat=True)
        .distinct()
    )
    return [name for name in names if not _alive(int(name.rpartition(":")[2] or 0))]


def _alive(pid: int) -> bool:
    # psutil, not os.kill(pid, 0): on Windows os.kill with any signal but CTRL_C/CTRL_BREAK
    # terminates the process it names.
    return pid > 0 and psutil.pid_exists(pid)
