"""Hostile or stale sockets: a signed-out user's socket closes, a flood is cut off without
touching the others, a ping for a lock not held is harmless."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import OperationalError

from companies.auth import TOKEN_NOT_VALID, token_revoke, tokens_revoke_all
from companies.models import ApiToken
from companies.sessions import SessionStore
from locking.models import EditLock
from locking.services import lock_acquire
from sync import protocol, registry
from sync.models import ConnectionEvent
from tests.conftest import sale
from tests.sync.conftest import (
    application,
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


def session_key(headers) -> str:
    cookie = dict(headers)[b"cookie"].decode()
    return cookie.partition("sessionid=")[2]


def sign_out_by_session(user, headers) -> None:
    SessionStore(session_key(headers)).delete()  # what logout() does to the session


def change_password(user, headers) -> None:
    user.set_password("a-new-secret-9")
    user.save()


def revoke_tokens(user, headers) -> None:
    ApiToken.objects.filter(user=user).delete()


@pytest.mark.parametrize(
    ("headers_for", "end"),
    [
        (session_headers, sign_out_by_session),
        (session_headers, change_password),
        (token_headers, revoke_tokens),
        (token_headers, change_password),  # a new password revokes the user's tokens
    ],
)
def test_a_socket_closes_at_its_next_ping_once_its_user_is_signed_out(
    company, bob, monkeypatch, headers_for, end
):
    monkeypatch.setattr("sync.consumers.RECHECK_EVERY", 0)
    headers = headers_for(bob)

    async def scenario():
        socket, _, _ = await open_socket(company.pk, headers)
        await socket.send_json_to({"type": "ping"})
        assert (await next_message(socket))["type"] == "pong"  # still signed in
        await sync_to_async(end)(bob, headers)
        await socket.send_json_to({"type": "ping"})
        closing = await socket.receive_output(timeout=5)
        await socket.wait()
        return closing

    closing = {"type": "websocket.close", "code": protocol.CLOSE_UNAUTHENTICATED}
    if headers_for is token_headers:  # a script is told why, as over HTTP
        closing["reason"] = TOKEN_NOT_VALID
    assert run(scenario) == closing
    assert ConnectionEvent.objects.filter(kind="signed_out", username="bob").exists()


def token_of(headers) -> ApiToken:
    key = dict(headers)[b"authorization"].decode().partition(" ")[2]
    return ApiToken.objects.get(key_hash=ApiToken.hash_key(key))


async def closing_of(socket) -> dict:
    """The socket's close, past any frames still on their way to it."""
    while (output := await socket.receive_output(timeout=5))["type"] != "websocket.close":
        pass
    return output


async def pongs(socket) -> bool:
    await socket.send_json_to({"type": "ping"})
    return (await next_message(socket))["type"] == "pong"


def test_a_revoked_tokens_sockets_close_at_once_and_the_users_others_stay(company, bob):
    """No ping and no turn of the recheck comes within the test (RECHECK_EVERY is left at
    30 s): only the revocation can close the socket, and it closes the ones of that token."""
    revoked, kept, browser = token_headers(bob), token_headers(bob), session_headers(bob)
    token = token_of(revoked)

    async def scenario():
        first, _, _ = await open_socket(company.pk, revoked)
        second, _, _ = await open_socket(company.pk, revoked)  # the same script, twice
        other, _, _ = await open_socket(company.pk, kept)
        page, _, _ = await open_socket(company.pk, browser)
        assert await pongs(first) and await pongs(second)  # joined the hub
        await in_thread(token_revoke)(user=bob, token_id=token.pk)
        closed = [await closing_of(first), await closing_of(second)]
        alive = [await pongs(other), await pongs(page)]
        for socket in (other, page):
            await socket.disconnect()
        return closed, alive

    closed, alive = run(scenario)
    closing = {"type": "websocket.close", "code": 4401, "reason": "This API token is not valid."}
    assert closed == [closing, closing]
    assert alive == [True, True]
    [event, _] = ConnectionEvent.objects.filter(kind="signed_out")
    assert (event.username, event.code, event.detail) == ("bob", 4401, TOKEN_NOT_VALID)


def test_revoking_all_closes_every_token_socket_of_the_user_only(company, alice, bob):
    bobs, alices = token_headers(bob), token_headers(alice)

    async def scenario():
        bob_socket, _, _ = await open_socket(company.pk, bobs)
        alice_socket, _, _ = await open_socket(company.pk, alices)
        assert await pongs(bob_socket) and await pongs(alice_socket)
        count = await in_thread(tokens_revoke_all)(user=bob)
        closed = await closing_of(bob_socket)
        alive = await pongs(alice_socket)
        await alice_socket.disconnect()
        return count, closed, alive

    count, closed, alive = run(scenario)
    assert (count, closed["code"], alive) == (1, protocol.CLOSE_UNAUTHENTICATED, True)


def test_a_flooding_socket_is_cut_off_and_the_others_carry_on(
    company, alice, bob, charlie, ledgers
):
    flooder_headers, calm_headers = session_headers(bob), session_headers(charlie)

    async def scenario():
        flooder, _, _ = await open_socket(company.pk, flooder_headers)
        calm, _, _ = await open_socket(company.pk, calm_headers)
        for _ in range(1000):  # 1,000 frames at once, far past the burst allowance
            await flooder.send_to(text_data='{"type": "resume", "since": 0}')
        closing = None
        # 60 s: asyncio's own loop (no uvloop) on a loaded machine takes its time over 1,000.
        while closing is None or closing["type"] != "websocket.close":
            closing = await flooder.receive_output(timeout=60)
        voucher = await in_thread(voucher_create)(company=company, actor=alice, data=sale("8"))
        [frame] = await changes(calm, 1)
        await calm.disconnect()
        return closing, frame, voucher

    closing, frame, voucher = run(scenario)
    assert closing["code"] == protocol.CLOSE_FLOOD
    assert frame["seq"] == voucher.change.seq
    [event] = ConnectionEvent.objects.filter(kind="flood")
    assert event.username == "bob"


def test_a_ping_for_a_page_holding_no_lock_is_just_a_ping(company, bob):
    headers = session_headers(bob)

    async def scenario():
        path = f"/ws/c/{company.pk}/?connection=page-holding-nothing"
        socket = WebsocketCommunicator(application(), path, headers=headers)
        assert (await socket.connect(timeout=5))[0]
        await socket.send_json_to({"type": "ping", "seq": 10**12, "client_time": "garbage"})
        pong = await next_message(socket)
        await socket.disconnect()
        return pong

    assert run(scenario)["type"] == "pong"
    assert not EditLock.objects.exists()


def test_a_closed_pages_locks_go_even_when_its_registry_row_cannot_be_written(
    company, bob, ledgers, monkeypatch
):
    lock_acquire(
        company=company,
        resource=f"ledger:{ledgers['party'].pk}",
        actor=bob,
        connection_id="page-1",
    )

    def database_busy(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(registry, "connection_close", database_busy)
    headers = session_headers(bob)

    async def scenario():
        path = f"/ws/c/{company.pk}/?connection=page-1"
        socket = WebsocketCommunicator(application(), path, headers=headers)
        assert (await socket.connect(timeout=5))[0]
        await socket.disconnect()

    run(scenario)
    assert not EditLock.objects.exists()


def test_a_binary_frame_is_answered_and_counted(company, bob):
    headers = session_headers(bob)

    async def scenario():
        socket, _, _ = await open_socket(company.pk, headers)
        await socket.send_to(bytes_data=b"\xff\xfe\x00 not text")
        error = await next_message(socket)
        await socket.send_json_to({"type": "ping"})
        pong = await next_message(socket)
        await socket.disconnect()
        return error, pong

    error, pong = run(scenario)
    assert error["type"] == "error" and pong["type"] == "pong"  # the socket lived on


def test_a_socket_that_never_pings_is_closed_after_sign_out(company, bob, monkeypatch):
    monkeypatch.setattr("sync.consumers.RECHECK_EVERY", 0)
    monkeypatch.setattr("sync.registry.FLUSH_EVERY", 0.05)
    monkeypatch.setattr("sync.registry.HEARTBEAT_EVERY", 0.1)
    headers = session_headers(bob)

    async def scenario():
        socket, _, _ = await open_socket(company.pk, headers)
        await sync_to_async(sign_out_by_session)(bob, headers)
        while (output := await socket.receive_output(timeout=5))["type"] != "websocket.close":
            pass
        return output

    assert run(scenario)["code"] == protocol.CLOSE_UNAUTHENTICATED


def test_sockets_are_rechecked_on_their_own_turn_not_at_the_heartbeat(company, bob, monkeypatch):
    """A socket signed out after the hub's heartbeat is closed at its own turn (the hub asks
    every tick), not at the next heartbeat; sockets that connected together are due at
    different times, so their database reads do not come in one burst."""
    import asyncio

    from sync.hub import hub

    monkeypatch.setattr("sync.consumers.RECHECK_EVERY", 0.3)
    monkeypatch.setattr("sync.consumers.RECHECK_SPREAD", 0.2)
    monkeypatch.setattr("sync.registry.FLUSH_EVERY", 0.05)
    monkeypatch.setattr("sync.registry.HEARTBEAT_EVERY", 3600)  # once, at the first tick
    headers = session_headers(bob)

    async def scenario():
        sockets = [(await open_socket(company.pk, headers))[0] for _ in range(12)]
        due = [s.checked_at for s in hub().sockets[company.pk]]
        await asyncio.sleep(0.2)  # the hub's first tick (and its heartbeat) have passed
        await sync_to_async(sign_out_by_session)(bob, headers)
        closed = [await s.receive_output(timeout=5) for s in sockets]
        return due, closed

    due, closed = run(scenario)
    assert max(due) - min(due) > 0.02  # spread, not all at once
    assert {c["type"] for c in closed} == {"websocket.close"}
    assert {c["code"] for c in closed} == {protocol.CLOSE_UNAUTHENTICATED}


def test_a_resume_storm_writes_one_event_line_not_one_per_message(company, bob):
    headers = session_headers(bob)

    async def scenario():
        socket, _, _ = await open_socket(company.pk, headers)
        for _ in range(50):  # within the flood allowance
            await socket.send_json_to({"type": "resume", "since": 0})
        await socket.send_json_to({"type": "ping"})
        while (await next_message(socket))["type"] != "pong":
            pass
        await socket.disconnect()

    run(scenario)
    assert ConnectionEvent.objects.filter(kind__in=["resume", "resync"]).count() == 1
