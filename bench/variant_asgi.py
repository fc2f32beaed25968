"""Bench-only ASGI app: tallysync.asgi with proposed sync changes patched in from outside
(bench/fanout.py `--variants`), each switched by an environment variable.

BENCH_PUBLISH_NOWAIT=1 — the app's publish runs in the request's thread and calls
`async_to_sync(layer.group_send)`, which blocks that thread until the event loop has run
group_send, behind whatever fan-out is queued there, so every save's HTTP answer waits for the
loop. Here the frame is rendered in the same place, then `run_coroutine_threadsafe` queues
group_send and returns.

BENCH_HUB_HOLD_MS=<ms> — two saves committing close together in different request threads may
publish in the opposite order. The app's hub hands seq N+1 to every socket at once, each socket
sees the gap and replays from the Edit Log, and since N is not in the hub's cache yet each of
them renders N again: N database round trips and renders for one inversion. Here the hub holds
a frame that arrives early for up to the given time, waiting for the missing one, and delivers
in order; only when the wait runs out does it deliver as today (the sockets then replay).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
from concurrent.futures import Future
from typing import Any

from channels.layers import get_channel_layer

from tallysync.asgi import application as app_application

# Imported once tallysync.asgi has set Django up (isort would hoist a plain import above it).
publisher = importlib.import_module("sync.publisher")
hub_module = importlib.import_module("sync.hub")
change_patch = importlib.import_module("sync.fragments").change_patch
change_frame = importlib.import_module("sync.protocol").change_frame

log = logging.getLogger(__name__)
HOLD = float(os.environ.get("BENCH_HUB_HOLD_MS", "0")) / 1000
_loop: asyncio.AbstractEventLoop | None = None


def _failed(future: Future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("broadcast failed", exc_info=future.exception())


def publish_nowait(change: Any) -> None:
    try:
        text = change_frame(change, change_patch(change))
        message = {"type": "change.frame", "seq": change.seq, "text": text}
        group = publisher.company_group(change.company_id)
        if _loop is None:  # no request served yet (cannot happen for a save over HTTP)
            raise RuntimeError("the server's event loop is not known yet")
        coroutine = get_channel_layer().group_send(group, message)
        asyncio.run_coroutine_threadsafe(coroutine, _loop).add_done_callback(_failed)
    except Exception:
        log.exception("broadcast of change %s/%s failed", change.company_id, change.seq)


async def receive_in_order(self: Any, company_id: int, channel: str) -> None:
    """Hub._receive (sync/hub.py) with a short hold for frames that overtook an earlier one."""
    layer, loop = get_channel_layer(), asyncio.get_running_loop()
    held: dict[int, str] = {}
    expected: int | None = None  # the next seq to deliver, once one frame went out
    deadline = 0.0  # when the oldest held frame stops waiting

    def deliver(seq: int | None, text: str) -> None:
        for socket in list(self.sockets.get(company_id, ())):
            socket.deliver(seq, text)

    while True:
        try:
            if held:
                left = max(0.0, deadline - loop.time())
                message = await asyncio.wait_for(layer.receive(channel), left)
            else:
                message = await layer.receive(channel)
        except asyncio.CancelledError:
            raise
        except TimeoutError:  # the missing frame did not come: go on as the app does today
            log.warning(
                "hub hold ran out: seq %s never came, delivering %s", expected, sorted(held)
            )
            for seq in sorted(held):
                deliver(seq, held.pop(seq))
                expected = seq + 1
            continue
        except Exception:
            log.exception("channel layer receive failed for company %s", company_id)
            await asyncio.sleep(1)
            continue
        if message.get("kick"):  # as the app does: a removed member's sockets close
            for socket in list(self.sockets.get(company_id, ())):
                if socket.user_id == message["kick"]:
                    socket.kick()
            continue
        seq, text = message["seq"], message["text"]
        if seq is None:  # lock frames carry no seq
            deliver(None, text)
            continue
        self.remember(company_id, seq, text)
        if expected is not None and seq > expected:
            if not held:
                deadline = loop.time() + HOLD
            log.warning("hub hold: seq %s came before %s", seq, expected)
            held[seq] = text
            continue
        deliver(seq, text)
        expected = max(expected or 0, seq + 1)
        while expected in held:
            deliver(expected, held.pop(expected))
            expected += 1


if os.environ.get("BENCH_PUBLISH_NOWAIT", "1") == "1":
    publisher.publish = publish_nowait  # _on_change_saved looks the name up at each commit
if HOLD > 0:
    if not hasattr(hub_module.Hub, "_receive"):  # this patch mirrors sync/hub.py's loop
        raise RuntimeError("sync.hub.Hub has no _receive(company_id, channel) to replace")
    hub_module.Hub._receive = receive_in_order


async def application(scope: dict, receive: Any, send: Any) -> None:
    global _loop
    if _loop is None:
        _loop = asyncio.get_running_loop()
    await app_application(scope, receive, send)
