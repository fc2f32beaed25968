"""A slow socket is cut off rather than slowing the office; one process owns the memory layer."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from companies.models import Company
from sync import protocol
from sync.consumers import CompanyConsumer
from sync.hub import HOLD, Order, hub
from sync.models import ConnectionEvent
from sync.publisher import company_group


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


def test_order_holds_an_early_frame_until_its_predecessor_comes():
    order = Order(5)
    assert order.take(4, "d", now=0) == [(4, "d")]  # an old one (a duplicate) passes
    assert order.take(5, "e", now=0) == [(5, "e")]
    assert order.take(7, "g", now=1) == []  # 6 is missing: wait
    assert order.take(8, "h", now=1.05) == []
    assert order.deadline == 1 + HOLD
    assert order.take(6, "f", now=1.06) == [(6, "f"), (7, "g"), (8, "h")]
    assert order.take(10, "j", now=2) == []
    assert order.release() == [(10, "j")]  # 9 never came: deliver, the sockets replay it
    assert order.expected == 11 and order.take(11, "k", now=3) == [(11, "k")]


@pytest.mark.django_db(transaction=True)
def test_the_hub_delivers_two_frames_published_out_of_order_in_order(company):
    start = Company.objects.get(pk=company.pk).last_seq

    async def scenario():
        socket = FakeSocket()
        layer = get_channel_layer()
        await hub().join(company.pk, socket)
        for seq in (2, 1, 3):  # 2 overtook 1, as two request threads can make it
            message = {"type": "x", "seq": start + seq, "text": f"{seq}"}
            await layer.group_send(company_group(company.pk), message)
        await socket.until(lambda: len(socket.frames) == 3)
        await hub().leave(company.pk, socket)
        return socket.frames

    assert async_to_sync(scenario)() == [(start + 1, "1"), (start + 2, "2"), (start + 3, "3")]


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
def test_sockets_are_told_when_the_layer_fails_and_catch_up_when_it_returns(company, monkeypatch):
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
        await layer.queue.put({"type": "x", "seq": start + 1, "text": "next"})
        await socket.until(lambda: len(socket.frames) == 3)
        await hub().leave(company.pk, socket)
        return paused, socket.frames, socket.caught_up

    paused, frames, caught_up = async_to_sync(scenario)()
    assert paused == [(None, protocol.status_frame(live=False))]
    assert frames[1:] == [(None, protocol.status_frame(live=True)), (start + 1, "next")]
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
