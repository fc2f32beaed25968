"""A slow socket is cut off rather than slowing the office; one process owns the memory layer;
the hub's feed is read from the Edit Log, in seq order, whatever order the nudges come in."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from companies.models import Company
from ledgers.live import BOOK
from sync import protocol
from sync.consumers import CompanyConsumer
from sync.hub import hub
from sync.models import ConnectionEvent
from sync.publisher import company_group
from tests.conftest import sale
from tests.sync.conftest import in_thread
from vouchers.services import voucher_create


@pytest.mark.django_db(transaction=True)
def test_a_socket_whose_inbox_is_full_is_closed_to_resume(bob):
    closed: list[int] = []

    async def scenario():
        consumer = CompanyConsumer()
        consumer.scope = {"user": bob, "client": ("192.168.1.7", 50123)}
        consumer.company_id = 1
        consumer.inbox = asyncio.Queue(maxsize=2)

        async def close(code=None):
            closed.append(code)

        consumer.close = close
        for seq in (1, 2, 3):  # nobody drains: the third frame overflows
            consumer.deliver(seq, "{}")
        consumer.deliver(4, "{}")  # overflowing again does not cut off twice
        await consumer.cut_off
        return consumer.inbox.qsize()

    assert async_to_sync(scenario)() == 2
    assert closed == [protocol.CLOSE_TOO_SLOW]
    event = ConnectionEvent.objects.get()
    assert (event.kind, event.username, event.ip) == ("too_slow", "bob", "192.168.1.7")
    assert event.detail == "2 frames behind"


def test_a_second_process_on_the_in_memory_layer_is_refused(tmp_path):
    script = textwrap.dedent(
        """
        import os, sys
        os.environ["TALLYSYNC_VAR_DIR"] = sys.argv[1]
        os.environ.pop("REDIS_URL", None)
        import django
        os.environ["DJANGO_SETTINGS_MODULE"] = "tallysync.settings"
        django.setup()
        from sync.layers import claim_single_process
        claim_single_process()
        print("claimed", flush=True)
        sys.stdin.read()
        """
    )
    first = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout.readline().strip() == "claimed"
        second = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path)],
            input="",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert "Another TallySync server process is already serving this database" in second.stderr
    finally:
        first.communicate(input="", timeout=30)


class FakeSocket:
    user_id = 1

    def __init__(self) -> None:
        self.frames: list[tuple[int | None, str]] = []
        self.caught_up = 0
        self.changed = asyncio.Event()

    def deliver(self, seq, text):
        self.frames.append((seq, text))
        self.changed.set()

    def kick(self):
        pass

    def catch_up(self):
        self.caught_up += 1

    def recheck(self, *, at_once=False):
        pass

    async def until(self, condition, timeout: float = 5) -> None:
        async with asyncio.timeout(timeout):
            while not condition():
                self.changed.clear()
                await self.changed.wait()


def nudge(company_id: int, seq: int) -> dict:
    """What sync.publisher sends after a commit."""
    return {"type": "change.frame", "seq": seq, "nudge": True}


@pytest.fixture
def unpublished(monkeypatch):
    """Saves send no nudge of their own: the test sends them, in the order it wants."""
    monkeypatch.setattr("sync.publisher.publish", lambda change: None)


def saved(company, actor, count: int) -> list[int]:
    """`count` vouchers saved and committed: their seqs."""
    return [
        voucher_create(company=company, actor=actor, data=sale(f"{n + 1}")).change.seq
        for n in range(count)
    ]


@pytest.mark.django_db(transaction=True)
def test_the_hub_sends_the_logs_changes_in_seq_order_whatever_order_the_nudges_come(
    company, alice, ledgers, unpublished
):
    """Two request threads (or processes) can nudge out of order: the feed is the log's."""
    start = Company.objects.get(pk=company.pk).last_seq

    async def scenario():
        socket = FakeSocket()
        layer = get_channel_layer()
        await hub().join(company.pk, socket)
        seqs = await in_thread(saved)(company, alice, 3)
        for seq in (seqs[1], seqs[0], seqs[2]):  # the second overtook the first
            await layer.group_send(company_group(company.pk), nudge(company.pk, seq))
        await socket.until(lambda: len(socket.frames) == 3)
        await asyncio.sleep(0.1)  # and nothing more comes (no duplicate)
        await hub().leave(company.pk, socket)
        return seqs, socket.frames

    seqs, frames = async_to_sync(scenario)()
    assert seqs == [start + 1, start + 2, start + 3]
    assert [seq for seq, _ in frames] == seqs
    for seq, text in frames:
        assert json.loads(text)["seq"] == seq
        assert "Sharma Enterprises" in text or "ledger-" in text  # rendered from the log


@pytest.mark.django_db(transaction=True)
def test_one_nudge_for_many_saves_sends_them_all_from_one_read(
    company, alice, ledgers, unpublished
):
    """The last seq is enough: everything committed before it is in the log, in order."""
    start = Company.objects.get(pk=company.pk).last_seq

    async def scenario():
        socket = FakeSocket()
        await hub().join(company.pk, socket)
        seqs = await in_thread(saved)(company, alice, 4)
        await get_channel_layer().group_send(company_group(company.pk), nudge(company.pk, seqs[-1]))
        await socket.until(lambda: len(socket.frames) == 4)
        await hub().leave(company.pk, socket)
        return socket.frames

    assert [seq for seq, _ in async_to_sync(scenario)()] == [start + n for n in (1, 2, 3, 4)]


@pytest.mark.django_db(transaction=True)
def test_nudges_for_what_was_sent_already_send_nothing_again(company, alice, ledgers, unpublished):
    async def scenario():
        socket = FakeSocket()
        layer = get_channel_layer()
        await hub().join(company.pk, socket)
        [seq] = await in_thread(saved)(company, alice, 1)
        for _ in range(3):
            await layer.group_send(company_group(company.pk), nudge(company.pk, seq))
        await socket.until(lambda: socket.frames)
        await asyncio.sleep(0.1)
        await hub().leave(company.pk, socket)
        return seq, socket.frames

    seq, frames = async_to_sync(scenario)()
    assert [s for s, _ in frames] == [seq]


@pytest.mark.django_db(transaction=True)
def test_the_hub_keeps_one_live_state_per_company_while_it_has_sockets(
    company, alice, ledgers, unpublished
):
    """Every batch renders from the same kept balances (loaded once, not per Change or per
    batch); they go with the company's last socket, since the feed stops following the log."""

    async def scenario():
        socket = FakeSocket()
        layer = get_channel_layer()
        await hub().join(company.pk, socket)
        for count in (1, 2):
            seqs = await in_thread(saved)(company, alice, 1)
            await layer.group_send(company_group(company.pk), nudge(company.pk, seqs[-1]))
            await socket.until(lambda count=count: len(socket.frames) == count)
            state = hub().states[company.pk]
            book = state.kept[BOOK]
            if count == 1:
                first = book
        kept = book is first
        await hub().leave(company.pk, socket)
        return kept, company.pk in hub().states

    kept, still_there = async_to_sync(scenario)()
    assert kept
    assert not still_there


class FlakyLayer:
    """A channel layer that is down until `up` is set, like a stopped Redis."""

    def __init__(self) -> None:
        self.up = False
        self.queue: asyncio.Queue = asyncio.Queue()

    async def new_channel(self):
        return "hub!1"

    async def group_add(self, group, channel):
        if not self.up:
            raise ConnectionError("Redis is down")

    async def group_discard(self, group, channel):
        pass

    async def receive(self, channel):
        return await self.queue.get()


@pytest.mark.django_db(transaction=True)
def test_sockets_are_told_when_the_layer_fails_and_catch_up_when_it_returns(
    company, alice, ledgers, unpublished, monkeypatch
):
    layer = FlakyLayer()
    start = Company.objects.get(pk=company.pk).last_seq
    monkeypatch.setattr("sync.hub.get_channel_layer", lambda: layer)
    monkeypatch.setattr("sync.hub.LAYER_RETRY", 0.05)

    async def scenario():
        socket = FakeSocket()
        await hub().join(company.pk, socket)  # joins although the layer is down
        await socket.until(lambda: socket.frames)
        paused = list(socket.frames)
        layer.up = True
        await socket.until(lambda: len(socket.frames) == 2)
        [seq] = await in_thread(saved)(company, alice, 1)
        await layer.queue.put(nudge(company.pk, seq))
        await socket.until(lambda: len(socket.frames) == 3)
        await hub().leave(company.pk, socket)
        return paused, socket.frames, socket.caught_up

    paused, frames, caught_up = async_to_sync(scenario)()
    assert paused == [(None, protocol.status_frame(live=False))]
    assert frames[1] == (None, protocol.status_frame(live=True))
    assert frames[2][0] == start + 1 and json.loads(frames[2][1])["seq"] == start + 1
    assert caught_up == 1  # the socket replays what the layer dropped meanwhile


@pytest.mark.django_db(transaction=True)
def test_subscriptions_are_renewed_before_the_layer_forgets_them(company, monkeypatch):
    """channels-redis drops a group member after its group_expiry (a day); a hub that serves
    longer adds its channel again with each registry heartbeat."""
    layer = FlakyLayer()
    layer.up = True
    added: list[str] = []
    add = layer.group_add

    async def counted(group, channel):
        added.append(group)
        await add(group, channel)

    layer.group_add = counted
    monkeypatch.setattr("sync.hub.get_channel_layer", lambda: layer)
    monkeypatch.setattr("sync.registry.FLUSH_EVERY", 0.05)
    monkeypatch.setattr("sync.registry.HEARTBEAT_EVERY", 0.1)

    async def scenario():
        socket = FakeSocket()
        await hub().join(company.pk, socket)
        async with asyncio.timeout(10):
            while len(added) < 3:  # the subscription, then two renewals
                await asyncio.sleep(0.02)
        await hub().leave(company.pk, socket)

    async_to_sync(scenario)()
    assert set(added) == {company_group(company.pk)}
