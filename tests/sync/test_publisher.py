"""The publisher: a save never waits for the broadcast, and a broadcast that fails is logged."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import async_to_sync

from sync import publisher
from tests.conftest import sale
from tests.sync.conftest import application, in_thread
from vouchers.models import Voucher
from vouchers.services import voucher_create

pytestmark = pytest.mark.django_db(transaction=True)


class SlowLayer:
    def __init__(self, delay: float, fail: bool = False) -> None:
        self.delay, self.fail, self.sent = delay, fail, []

    async def group_send(self, group, message):
        await asyncio.sleep(self.delay)
        if self.fail:
            raise ConnectionError("Redis is down")
        self.sent.append((group, message["seq"]))


async def note_the_loop() -> None:
    """What any request does first: the server's loop becomes the broadcasts' loop."""

    async def app(scope, receive, send):
        pass

    await publisher.serving(app)({}, None, None)


def test_a_save_returns_before_its_broadcast_is_sent(company, alice, ledgers, monkeypatch):
    layer = SlowLayer(delay=1.0)
    monkeypatch.setattr(publisher, "get_channel_layer", lambda: layer)

    async def scenario():
        await note_the_loop()
        started = time.monotonic()
        voucher = await in_thread(voucher_create)(company=company, actor=alice, data=sale("9"))
        took = time.monotonic() - started
        async with asyncio.timeout(5):
            while not layer.sent:
                await asyncio.sleep(0.05)
        return took, voucher

    took, voucher = async_to_sync(scenario)()
    assert took < 0.8  # the 1 s send happened after the answer
    assert layer.sent == [(f"company.{company.pk}", voucher.change.seq)]


def test_a_failing_layer_never_fails_or_slows_a_save(company, alice, ledgers, monkeypatch, caplog):
    monkeypatch.setattr(publisher, "get_channel_layer", lambda: SlowLayer(0.3, fail=True))
    monkeypatch.setattr(publisher, "_quiet_until", 0.0)

    async def scenario():
        await note_the_loop()
        started = time.monotonic()
        for amount in ("1", "2", "3"):
            await in_thread(voucher_create)(company=company, actor=alice, data=sale(amount))
        took = time.monotonic() - started
        async with asyncio.timeout(5):
            while caplog.text.count("failed") < 3:
                await asyncio.sleep(0.05)
        return took

    assert async_to_sync(scenario)() < 0.8  # three saves, each broadcast failing after 0.3 s
    assert Voucher.objects.count() == 3
    assert caplog.text.count("Traceback") == 1  # one full report, then one line per broadcast
    assert caplog.text.count("broadcast of change") == 3


def test_without_a_server_loop_the_broadcast_is_sent_before_returning(
    company, alice, ledgers, monkeypatch
):
    layer = SlowLayer(delay=0.2)
    monkeypatch.setattr(publisher, "get_channel_layer", lambda: layer)
    monkeypatch.setattr(publisher, "_serving_loop", None)  # a management command
    voucher = voucher_create(company=company, actor=alice, data=sale("4"))
    assert layer.sent == [(f"company.{company.pk}", voucher.change.seq)]


def test_the_asgi_application_notes_its_loop():
    assert application().__qualname__ == "serving.<locals>.noted"
