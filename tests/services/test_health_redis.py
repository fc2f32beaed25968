"""/healthz on the Redis layer while a hub subscription waits: channels-redis serves a
process's "specific." channels through one shared reader, so the health check must use one of
those (a channel of its own prefix would wait behind the idle reader and time out)."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import channel_layers, get_channel_layer
from django.conf import settings

from sync.health import channel_layer_check
from tests.services.conftest import CI


@pytest.fixture
def redis_layer(services_available: None):
    if not settings.REDIS_URL:
        message = "the Redis channel layer: set REDIS_URL=redis://…"
        if CI:
            pytest.fail(f"CI=true and no {message}", pytrace=False)
        pytest.skip(message)
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


def test_the_round_trip_works_beside_an_idle_subscription(redis_layer):
    async def scenario():
        layer = get_channel_layer()
        idle = asyncio.ensure_future(layer.receive(await layer.new_channel()))  # a quiet hub
        async with asyncio.timeout(5):  # until it holds the shared reader
            while not (layer.receive_lock and layer.receive_lock.locked()):
                await asyncio.sleep(0.01)
        # As the sync view runs under the server: in a worker thread, sending on the server's loop.
        check = await sync_to_async(channel_layer_check)(2.0)
        idle.cancel()
        return check

    check = async_to_sync(scenario)()
    assert check["ok"], check
    assert check["backend"].endswith("RedisChannelLayer")
