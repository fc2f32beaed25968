"""The connection registry: each socket's row with its counters, the event log, and the user
limit, as a Server Monitor on any process sees them."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db.models.functions import Now
from django.utils import timezone

from companies.models import Company
from config.models import ServerConfig
from config.selectors import config_forget
from locking.models import EditLock
from locking.services import lock_acquire
from sync import protocol, registry
from sync.hub import locks_expire_logged
from sync.models import Connection, ConnectionEvent, TrafficSample
from tests.conftest import sale
from tests.sync.conftest import (
    application,
    changes,
    in_thread,
    next_message,
    open_socket,
    run,
    session_headers,
)
from vouchers.services import voucher_create

pytestmark = pytest.mark.django_db(transaction=True)
CHROME = b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36"


async def until(condition, deadline: float = 10):
    """Wait for `condition()` (run in a thread: it reads the database) to be truthy."""
    end = time.monotonic() + deadline
    while not (value := await sync_to_async(condition)()):
        assert time.monotonic() < end, "condition not met before the deadline"
        await asyncio.sleep(0.1)
    return value


def events(kind: str) -> list[ConnectionEvent]:
    return list(ConnectionEvent.objects.filter(kind=kind))


def limit_users(count: int) -> None:
    ServerConfig.objects.update_or_create(pk=1, defaults={"max_users": count})
    config_forget()


def test_a_socket_is_registered_with_growing_counters_and_forgotten_on_close(
    company, alice, bob, ledgers
):
    headers = [*session_headers(bob), (b"user-agent", CHROME)]
    seq = Company.objects.get(pk=company.pk).last_seq
    ahead = (timezone.now() + dt.timedelta(seconds=10)).isoformat()

    async def scenario():
        socket, _, _ = await open_socket(company.pk, headers, since=seq)
        row = await until(lambda: Connection.objects.select_related("user").first())
        await in_thread(voucher_create)(company=company, actor=alice, data=sale("5"))
        await changes(socket, 1)
        await socket.send_json_to({"type": "ping", "seq": seq + 1, "client_time": ahead})
        assert (await next_message(socket))["type"] == "pong"
        flushed = await until(
            lambda: (
                Connection.objects.filter(pk=row.pk, messages_out__gte=2, ack_seq=seq + 1)
                .values()
                .first()
            )
        )
        await socket.disconnect()
        await until(lambda: not Connection.objects.exists())
        return row, flushed

    row, flushed = run(scenario)
    assert (row.user.username, row.company_id, row.process) == ("bob", company.pk, registry.PROCESS)
    assert "Chrome/131" in row.browser
    assert flushed["messages_in"] == 1 and flushed["bytes_in"] > 20
    assert flushed["bytes_out"] > 100  # the change frame's HTML and the pong
    assert 8_000 < flushed["clock_skew_ms"] < 11_000
    assert flushed["last_ping_at"] is not None
    sample = TrafficSample.objects.get()
    assert (sample.messages_in, sample.process) == (1, registry.PROCESS)
    assert sample.messages_out >= 2
    [connected], [closed] = events("connect"), events("disconnect")
    assert (connected.username, connected.company_id) == ("bob", company.pk)
    assert closed.code == 1000 and closed.username == "bob"


@pytest.mark.parametrize(
    ("who", "kind", "code"),
    [("nobody", "refused_auth", 4401), ("dave", "refused_member", 4403)],
)
def test_refused_sockets_are_logged(company, dave, who, kind, code):
    headers = [(b"host", b"testserver"), (b"origin", b"http://testserver")]
    if who == "dave":
        headers = session_headers(dave)

    async def scenario():
        socket, _, _ = await open_socket(company.pk, headers)
        closing = await socket.receive_output(timeout=5)
        await socket.wait()
        return closing

    assert run(scenario)["code"] == code
    [event] = events(kind)
    assert (event.code, event.company_id) == (code, company.pk)
    assert event.username == ("dave" if who == "dave" else "")
    assert not Connection.objects.exists()


def test_a_foreign_origin_is_refused_and_logged(company, bob):
    headers = [
        (b"host", b"testserver"),
        (b"origin", b"http://evil.example"),
        *[h for h in session_headers(bob) if h[0] == b"cookie"],
    ]

    async def scenario():
        _, connected, _ = await open_socket(company.pk, headers)
        return connected

    assert run(scenario) is False
    [event] = events("refused_origin")
    assert event.detail == "Origin http://evil.example on host testserver"
    assert not Connection.objects.exists()


def test_the_user_limit_tells_the_next_user_who_holds_the_seat(company, bob, charlie):
    limit_users(1)
    bob_headers, charlie_headers = session_headers(bob), session_headers(charlie)

    async def scenario():
        first, _, _ = await open_socket(company.pk, bob_headers)
        second_tab, connected_again, _ = await open_socket(company.pk, bob_headers)
        refused, _, _ = await open_socket(company.pk, charlie_headers)
        answer = await next_message(refused)
        closing = await refused.receive_output(timeout=5)
        await first.disconnect()
        await second_tab.disconnect()
        await until(lambda: not Connection.objects.exists())
        later, connected_later, _ = await open_socket(company.pk, charlie_headers)
        await later.disconnect()
        return connected_again, answer, closing, connected_later

    connected_again, answer, closing, connected_later = run(scenario)
    assert connected_again  # bob's second tab is the same user: no second seat
    since = timezone.localtime(ConnectionEvent.objects.filter(kind="connect").last().at)
    assert answer == {
        "type": "refused",
        "detail": f"This server allows 1 user at a time; bob is connected since {since:%H:%M}.",
    }
    assert closing["code"] == protocol.CLOSE_USER_LIMIT
    [event] = events("refused_limit")
    assert event.username == "charlie" and "bob is connected" in event.detail
    assert connected_later  # the seat is free once bob has gone


def test_seats_name_every_holder_and_ignore_dead_processes(company, alice, bob, charlie):
    now = timezone.now()
    row = {"company": company, "connected_at": now - dt.timedelta(minutes=5), "seen_at": now}
    Connection.objects.create(id="a", process=registry.PROCESS, user=alice, **row)
    Connection.objects.create(id="b", process="elsewhere:1", user=bob, **row)
    # A process of this machine that no longer runs, and one that stopped marking its rows:
    Connection.objects.create(id="c", process=f"{registry.HOST}:999999999", user=charlie, **row)
    stale = {**row, "seen_at": now - registry.STALE_AFTER - dt.timedelta(seconds=1)}
    Connection.objects.create(id="d", process="elsewhere:2", user=charlie, **stale)

    with pytest.raises(registry.SeatsTaken) as taken:
        registry.seats_check(limit=2, user=charlie, now=now)
    at = timezone.localtime(row["connected_at"]).strftime("%H:%M")
    assert str(taken.value) == (
        f"This server allows 2 users at a time; alice (since {at}) and bob (since {at}) "
        "are connected."
    )
    registry.seats_check(limit=3, user=charlie, now=now)  # dead rows hold no seat
    registry.heartbeat_and_prune()
    assert set(Connection.objects.values_list("id", flat=True)) == {"a", "b"}


def test_old_events_and_samples_are_pruned_by_age(db):
    now = timezone.now()
    for age in (registry.EVENT_RETENTION + dt.timedelta(minutes=1), dt.timedelta(days=1)):
        ConnectionEvent.objects.create(at=now - age, kind="connect", process="p")
    for age in (registry.SAMPLE_RETENTION + dt.timedelta(seconds=1), dt.timedelta(seconds=30)):
        TrafficSample.objects.create(
            process="p",
            at=now - age,
            seconds=2,
            messages_in=1,
            messages_out=1,
            bytes_in=1,
            bytes_out=1,
        )
    registry.heartbeat_and_prune()
    assert ConnectionEvent.objects.get().at == now - dt.timedelta(days=1)
    assert TrafficSample.objects.get().at == now - dt.timedelta(seconds=30)


def test_an_expired_lock_is_logged_by_the_sweep(company, bob, ledgers):
    ledger = ledgers["party"]
    lock_acquire(company=company, resource=f"ledger:{ledger.pk}", actor=bob)
    EditLock.objects.update(heartbeat_at=Now() - dt.timedelta(minutes=5))
    locks_expire_logged()
    [event] = events("lock_expired")
    assert (event.username, event.company_id) == ("bob", company.pk)
    assert event.detail == f"ledger:{ledger.pk}: no heartbeat from its page"


def test_a_client_hammering_the_socket_gets_one_line_then_a_count(company, monkeypatch):
    """Ten refused handshakes from one address within the quiet interval write one event row;
    the next one after it says how many were left out."""
    headers = [(b"host", b"testserver"), (b"origin", b"http://testserver")]

    async def refused() -> int:
        socket, _, _ = await open_socket(company.pk, headers)
        closing = await socket.receive_output(timeout=5)
        await socket.disconnect()
        return closing["code"]

    async def scenario():
        return [await refused() for _ in range(10)]

    monkeypatch.setattr(registry, "REFUSAL_NOTE_EVERY", 3600.0)  # however slow this machine is
    assert run(scenario) == [protocol.CLOSE_UNAUTHENTICATED] * 10
    [event] = events("refused_auth")
    assert event.detail == ""

    monkeypatch.setattr(registry, "REFUSAL_NOTE_EVERY", 0.0)  # the quiet interval has passed
    assert run(refused) == protocol.CLOSE_UNAUTHENTICATED
    assert [
        e.detail for e in ConnectionEvent.objects.filter(kind="refused_auth").order_by("pk")
    ] == [
        "",
        "9 more like it left out since the last line",
    ]


def test_an_idle_flush_takes_no_write_lock(db):
    """Every 2 s each process flushes; with no pinged socket and no traffic it must not open
    a transaction (on SQLite an IMMEDIATE one, which takes the write lock the saves need)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        registry.flush(totals=registry.Traffic(), seconds=2.0, dirty=[])
    assert [q["sql"] for q in queries] == []


async def open_from(ip: str, company_id: int, headers: list) -> WebsocketCommunicator:
    """A socket from the computer at `ip` (the test communicator sends no address of its own)."""
    app = application()

    async def from_ip(scope, receive, send):
        return await app({**scope, "client": (ip, 50000)}, receive, send)

    socket = WebsocketCommunicator(from_ip, f"/ws/c/{company_id}/", headers=headers)
    await socket.connect(timeout=5)
    return socket


def test_one_user_or_one_computer_cannot_take_every_socket(company, bob, charlie):
    """Beyond its share of open pages a user (or an address) is refused with the reason, and
    the others still connect: the review's viewer opened 500 sockets, all accepted."""
    ServerConfig.objects.update_or_create(
        pk=1, defaults={"max_sockets_per_user": 2, "max_sockets_per_address": 3}
    )
    config_forget()
    bob_headers, charlie_headers = session_headers(bob), session_headers(charlie)
    office, elsewhere = "192.168.1.20", "192.168.1.30"

    async def scenario():
        tabs = [await open_from(office, company.pk, bob_headers) for _ in range(2)]
        refused = await open_from(elsewhere, company.pk, bob_headers)
        answer, closing = await next_message(refused), await refused.receive_output(timeout=5)
        tabs.append(await open_from(office, company.pk, charlie_headers))
        crowded = await open_from(office, company.pk, charlie_headers)
        crowded_answer = await next_message(crowded)
        tabs.append(await open_from(elsewhere, company.pk, charlie_headers))
        registered = await until(
            lambda: Connection.objects.filter(user=charlie, ip=elsewhere).exists()
        )
        for socket in tabs:
            await socket.disconnect()
        return answer, closing, crowded_answer, registered

    answer, closing, crowded_answer, registered = run(scenario)
    assert answer == {
        "type": "refused",
        "detail": "You have 2 pages of this server open; close one to open another here.",
    }
    assert closing["code"] == protocol.CLOSE_USER_LIMIT
    assert crowded_answer["detail"].startswith("This computer has 3 pages of this server open")
    assert registered  # charlie's page on another computer is let in
