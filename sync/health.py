"""The channel layer's health for /healthz: a message sent to a new channel and received back."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)
ROUND_TRIP_TIMEOUT = 2.0  # seconds


async def _round_trip(layer: BaseChannelLayer, timeout: float) -> None:
    # The default prefix: channels-redis serves every "specific." channel of a process through
    # one shared reader, which a channel of another prefix would wait behind forever.
    channel = await layer.new_channel()
    async with asyncio.timeout(timeout):
        await layer.send(channel, {"type": "health.ping"})
        await layer.receive(channel)


def channel_layer_check(timeout: float = ROUND_TRIP_TIMEOUT) -> dict[str, Any]:
    """{"ok", "ms", "backend"} of one round trip through the default channel layer."""
    layer = get_channel_layer()
    backend = f"{type(layer).__module__}.{type(layer).__qualname__}"
    started = time.perf_counter()
    try:
        async_to_sync(_round_trip)(layer, timeout)
        ok = True
    except Exception:  # any failure (Redis down, timeout) is an unhealthy layer, not a 500
        logger.warning("Channel layer health check failed", exc_info=True)
        ok = False
    return {"ok": ok, "ms": round((time.perf_counter() - started) * 1000, 2), "backend": backend}
