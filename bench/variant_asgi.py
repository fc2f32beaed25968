"""Bench-only ASGI app for bench/fanout.py: tallysync.asgi with one of the sync changes the app
has adopted taken back out, patched in from outside — the code as it was BEFORE, kept so a run
measures each change as a ratio against the app beside it. Chosen by environment:

BENCH_PUBLISH=blocking — the publish as it was before `sync.publisher` queued broadcasts on the
serving loop: the frame is rendered as now, then `async_to_sync(layer.group_send)` runs in the
thread that committed the save, which waits until the event loop has run group_send, behind
whatever fan-out is queued there; so every save's HTTP answer waits for the loop (no 2 s
timeout either). Replaces `sync.publisher._send`, which `publish` looks up at each commit.

BENCH_GC=nofreeze — tallysync.asgi as it was before it called `gc.freeze()` at the end of its
start-up: `gc.unfreeze()` puts the start-up objects back into the collector's full passes.

BENCH_SEND=wrapped — `sync.consumers.CompanyConsumer.frame` as it was before it wrote feed frames
to the server's own `send`: through `self.send`, i.e. channels' session wrapper, as every
consumer message goes.

BENCH_RECHECK=burst — the sign-in recheck as it was before sockets took turns: the hub asked
every socket at each heartbeat (HEARTBEAT_EVERY) and a socket's first recheck was due exactly
RECHECK_EVERY after connecting, so all that were due made their database reads at once.

BENCH_APP=stock — not the app: bench/stock_asgi.py (the stock Channels consumer, the baseline),
wrapped in `sync.publisher.serving` as tallysync.asgi is, so its saves publish the way the app's
do now (queued on the serving loop). Without the wrapper the publisher finds no serving loop and
falls back to send-and-wait in the saving thread, i.e. the baseline would also carry `blocking`.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

if os.environ.get("BENCH_APP") == "stock":
    from bench.stock_asgi import application as stock_application

    base_application: Any = importlib.import_module("sync.publisher").serving(stock_application)
else:
    from tallysync.asgi import application as base_application

# Imported once Django is set up (isort would hoist a plain import above the asgi module).
publisher = importlib.import_module("sync.publisher")
hub_module = importlib.import_module("sync.hub")
consumers = importlib.import_module("sync.consumers")

log = logging.getLogger(__name__)
PUBLISH = os.environ.get("BENCH_PUBLISH", "")
HUB = os.environ.get("BENCH_HUB", "")
GC = os.environ.get("BENCH_GC", "")
SEND = os.environ.get("BENCH_SEND", "")
RECHECK = os.environ.get("BENCH_RECHECK", "")
registry = importlib.import_module("sync.registry")


def send_blocking(company_id: int, message: dict[str, Any], what: str) -> None:
    """`sync.publisher._send` before: send from the saving thread and wait for the loop."""
    try:
        group = publisher.company_group(company_id)
        async_to_sync(get_channel_layer().group_send)(group, message)
    except Exception:
        log.exception("broadcast of %s failed", what)


if PUBLISH not in ("", "blocking") or GC not in ("", "nofreeze"):
    raise RuntimeError(f"unknown variant BENCH_PUBLISH={PUBLISH!r} {GC=}")
if HUB:  # the nohold variant went with sync.hub.Order: the hub reads its feed from the log
    raise RuntimeError(f"unknown variant BENCH_HUB={HUB!r}")
if SEND not in ("", "wrapped"):
    raise RuntimeError(f"unknown variant {SEND=}")
if SEND == "wrapped":
    if not callable(getattr(consumers.CompanyConsumer, "frame", None)):
        raise RuntimeError("sync.consumers.CompanyConsumer has no frame(text) to replace")

    async def frame_wrapped(self: Any, text: str) -> None:
        """`CompanyConsumer.frame` before: through `send` and channels' session wrapper."""
        await self.send(text_data=text)

    consumers.CompanyConsumer.frame = frame_wrapped
if RECHECK not in ("", "burst"):
    raise RuntimeError(f"unknown variant {RECHECK=}")
if RECHECK == "burst":
    if not callable(getattr(hub_module.Hub, "_recheck_due", None)):
        raise RuntimeError("sync.hub.Hub has no _recheck_due() to replace")

    def recheck_at_heartbeat(self: Any) -> None:
        """`Hub._recheck_due` before: every socket, at each heartbeat only."""
        now = time.monotonic()
        if now < getattr(self, "bench_recheck_at", 0.0):
            return
        self.bench_recheck_at = now + registry.HEARTBEAT_EVERY
        for sockets in list(self.sockets.values()):
            for socket in list(sockets):
                socket.recheck()

    consumers.RECHECK_SPREAD = 0.0
    hub_module.Hub._recheck_due = recheck_at_heartbeat
if GC == "nofreeze":
    if gc.get_freeze_count() == 0:  # this undoes tallysync/asgi.py's gc.freeze()
        raise RuntimeError("tallysync.asgi froze nothing: no gc.freeze() to take back")
    gc.unfreeze()
if PUBLISH == "blocking":
    if not callable(getattr(publisher, "_send", None)):  # this patch mirrors sync/publisher.py
        raise RuntimeError("sync.publisher has no _send(company_id, message, what) to replace")
    publisher._send = send_blocking
application = base_application
