"""The live socket: who may open it, live delivery, replay, resume and resync, in seq order."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from companies.models import Company
from config.models import ServerConfig
from config.selectors import config_forget
from sync.models import ConnectionEvent
from tests.conftest import sale
from tests.sync.conftest import (
    changes,
    in_thread,
    next_message,
    open_socket,
    run,
    session_headers,
    token_headers,
)
from vouchers.services import voucher_create

pytestmark = pytest.mark.django_db(transaction=True)


def last_seq(company: Company) -> int:
    return Company.objects.get(pk=company.pk).last_seq


def test_a_member_gets_each_save_live_with_its_seq(company, alice, bob, ledgers):
    headers = session_headers(bob)
    seq = last_seq(company)

    async def scenario():
        socket, connected, _ = await open_socket(company.pk, headers, since=seq)
        assert connected
        voucher = await in_thread(voucher_create)(company=company, actor=alice, data=sale("1500"))
        [frame] = await changes(socket, 1)
        await socket.disconnect()
        return voucher, frame

    voucher, frame = run(scenario)
    assert frame["seq"] == seq + 1
    assert f'id="voucher-{voucher.pk}"' in frame["html"]
    assert f'id="ledger-{ledgers["party"].pk}-balance"' in frame["html"]
    assert "1,500.00 Dr" in frame["html"]
    assert {"trial-balance", "profit-loss", "balance-sheet"} <= set(frame["refresh"])


def test_a_token_opens_the_socket_too(company, alice):
    headers = token_headers(alice)

    async def scenario():
        socket, connected, _ = await open_socket(company.pk, headers)
        await socket.disconnect()
        return connected

    assert run(scenario)


@pytest.mark.parametrize(
    ("who", "code"),
    [("nobody", 4401), ("dave", 4403)],
)
def test_strangers_are_closed_with_a_code(company, dave, who, code):
    headers = [(b"host", b"testserver"), (b"origin", b"http://testserver")]
    if who == "dave":
        headers = session_headers(dave)

    async def scenario():
        socket, connected, _ = await open_socket(company.pk, headers)
        message = await socket.receive_output(timeout=5)
        await socket.wait()
        return connected, message

    connected, message = run(scenario)
    assert connected  # accepted, so the browser can read why it is closed
    assert message == {"type": "websocket.close", "code": code}


def test_a_foreign_origin_is_refused(company, alice):
    """Cross-site WebSocket hijacking: another site's page cannot use alice's cookies."""
    headers = [h for h in session_headers(alice) if h[0] != b"origin"]
    headers.append((b"origin", b"http://evil.example"))

    async def scenario():
        socket, connected, _ = await open_socket(company.pk, headers)
        return connected

    assert run(scenario) is False


def test_a_reconnecting_client_gets_exactly_the_missed_seqs_in_order(company, alice, bob, ledgers):
    seq = last_seq(company)
    for amount in ("10", "20", "30"):
        voucher_create(company=company, actor=alice, data=sale(amount))

    headers_bob = session_headers(bob)

    async def scenario():
        socket, _, _ = await open_socket(company.pk, headers_bob, since=seq)
        frames = await changes(socket, 3)
        await socket.send_json_to({"type": "ping", "seq": frames[-1]["seq"]})
        pong = await next_message(socket)
        assert await socket.receive_nothing(timeout=0.3)
        await socket.disconnect()
        return frames, pong

    frames, pong = run(scenario)
    assert [f["seq"] for f in frames] == [seq + 1, seq + 2, seq + 3]
    assert pong["type"] == "pong" and pong["seq"] == seq + 3


def test_a_save_between_page_render_and_subscribe_is_not_lost(company, alice, bob, ledgers):
    client = Client()
    client.force_login(bob)
    page = client.get(f"/c/{company.pk}/vouchers/?date=2026-11-26").content.decode()
    since = int(re.search(r'data-since="(\d+)"', page).group(1))
    voucher = voucher_create(company=company, actor=alice, data=sale("75"))  # before the socket

    headers_bob = session_headers(bob)

    async def scenario():
        socket, _, _ = await open_socket(company.pk, headers_bob, since=since)
        [frame] = await changes(socket, 1)
        await socket.disconnect()
        return frame

    frame = run(scenario)
    assert frame["seq"] == since + 1
    assert f'id="voucher-{voucher.pk}"' in frame["html"]


def test_resume_replays_from_the_seq_the_client_names(company, alice, bob, ledgers):
    seq = last_seq(company)
    voucher_create(company=company, actor=alice, data=sale("10"))
    voucher_create(company=company, actor=alice, data=sale("20"))

    headers_bob = session_headers(bob)

    async def scenario():
        socket, _, _ = await open_socket(company.pk, headers_bob, since=seq + 2)
        assert await socket.receive_nothing(timeout=0.3)
        await socket.send_json_to({"type": "resume", "since": seq})
        frames = await changes(socket, 2)
        await socket.disconnect()
        return frames

    assert [f["seq"] for f in run(scenario)] == [seq + 1, seq + 2]


def retention(**values) -> None:
    ServerConfig.objects.update_or_create(pk=1, defaults=values)
    config_forget()


def resync_answer(company, user, since: int) -> dict:
    headers = session_headers(user)

    async def scenario():
        socket, _, _ = await open_socket(company.pk, headers, since=since)
        message = await next_message(socket)
        await socket.disconnect()
        return message

    return run(scenario)


def test_a_client_beyond_retention_is_told_to_resync(company, alice, bob, ledgers):
    retention(resume_retention=2)
    for amount in ("1", "2", "3"):
        voucher_create(company=company, actor=alice, data=sale(amount))
    now = last_seq(company)
    assert resync_answer(company, bob, since=now - 3) == {"type": "resync", "seq": now}
    assert resync_answer(company, bob, since=now - 2)["type"] == "change"  # within: replayed
    assert ConnectionEvent.objects.filter(kind="resync", username="bob").count() == 1


def test_a_client_away_longer_than_retention_hours_is_told_to_resync(
    company, alice, bob, ledgers, monkeypatch
):
    retention(resume_retention_hours=1)
    voucher_create(company=company, actor=alice, data=sale("1"))
    now = last_seq(company)
    assert resync_answer(company, bob, since=now - 1)["type"] == "change"
    later = timezone.now() + dt.timedelta(minutes=61)
    monkeypatch.setattr("sync.replay.timezone.now", lambda: later)
    assert resync_answer(company, bob, since=now - 1) == {"type": "resync", "seq": now}


@pytest.mark.parametrize(
    "garbage", ["not json", "[1, 2]", '{"type": "launch"}', "x" * 10_000, "{" * 1_000_000]
)
def test_garbage_gets_an_answer_and_the_socket_lives_on(company, alice, bob, ledgers, garbage):
    seq = last_seq(company)

    headers_bob = session_headers(bob)

    async def scenario():
        socket, _, _ = await open_socket(company.pk, headers_bob, since=seq)
        await socket.send_to(text_data=garbage)
        error = await next_message(socket)
        await in_thread(voucher_create)(company=company, actor=alice, data=sale("5"))
        [frame] = await changes(socket, 1)
        await socket.disconnect()
        return error, frame

    error, frame = run(scenario)
    assert error["type"] == "error"
    assert frame["seq"] == seq + 1


def test_two_sockets_of_one_company_share_one_subscription(company, alice, bob, charlie, ledgers):
    from sync.hub import hub

    seq = last_seq(company)

    headers_bob = session_headers(bob)
    headers_charlie = session_headers(charlie)

    async def scenario():
        first, _, _ = await open_socket(company.pk, headers_bob, since=seq)
        second, _, _ = await open_socket(company.pk, headers_charlie, since=seq)
        subscriptions = len(hub().readers)
        await in_thread(voucher_create)(company=company, actor=alice, data=sale("5"))
        frames = [(await changes(first, 1))[0], (await changes(second, 1))[0]]
        await first.disconnect()
        await second.disconnect()
        return subscriptions, frames, len(hub().readers)

    subscriptions, frames, after = run(scenario)
    assert subscriptions == 1
    assert frames[0] == frames[1]
    assert after == 0


def test_a_voucher_created_and_altered_while_away_still_arrives(company, alice, bob, ledgers):
    """Catch-up renders a created voucher even when a later Change altered it."""
    from vouchers.services import voucher_alter

    seq = last_seq(company)
    voucher = voucher_create(company=company, actor=alice, data=sale("10"))
    voucher_alter(company=company, voucher=voucher, actor=alice, data={"narration": "x"}, version=1)
    headers_bob = session_headers(bob)

    async def scenario():
        socket, _, _ = await open_socket(company.pk, headers_bob, since=seq)
        frames = await changes(socket, 2)
        await socket.disconnect()
        return frames

    created, altered = run(scenario)
    assert f'beforeend:#day-book-2026-11-26-rows"><tr id="voucher-{voucher.pk}"' in created["html"]
    assert f'id="voucher-{voucher.pk}" hx-swap-oob="outerHTML"' in altered["html"]
    assert 'data-version="1">' in created["html"]  # each row the version its Change made
    assert 'data-version="2">' in altered["html"]


def test_a_client_ahead_of_the_database_is_told_to_resync(company, bob):
    headers_bob = session_headers(bob)
    now = last_seq(company)

    async def scenario():
        socket, _, _ = await open_socket(company.pk, headers_bob, since=now + 50)
        message = await next_message(socket)
        await socket.disconnect()
        return message

    assert run(scenario) == {"type": "resync", "seq": now}


def test_a_removed_member_is_closed_out(company, alice, charlie):
    from books.services import member_remove

    headers_charlie = session_headers(charlie)

    async def scenario():
        socket, connected, _ = await open_socket(company.pk, headers_charlie)
        assert connected
        await socket.send_json_to({"type": "ping", "seq": 0})
        assert (await next_message(socket))["type"] == "pong"  # joined, reads done
        await in_thread(member_remove)(company=company, actor=alice, username="charlie")
        for _ in range(5):  # the removal's own change frame may come first
            message = await socket.receive_output(timeout=5)
            if message["type"] == "websocket.close":
                return message
        return None

    assert run(scenario) == {"type": "websocket.close", "code": 4403}
