"""The per-process hub: one channel-layer subscription per open company, fanned out locally.

A broadcast reaches each server process once; the hub hands the pre-encoded frame to every
socket of that company in this process, with no per-socket layer hop. Each socket has a
bounded inbox, so one slow socket never holds up the others.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import OrderedDict
from typing import Protocol

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from companies.models import Company
from locking.services import locks_expire
from sync.publisher import company_group

log = logging.getLogger(__name__)
RECENT_FRAMES = 500  # per company, for replays without rendering again
LAST_SEQ_TTL = 2.0  # seconds a company's last seq may be served from memory


class Socket(Protocol):
    user_id: int

    def deliver(self, seq: int | None, text: str) -> None: ...

    def kick(self) -> None: ...


class Hub:
    def __init__(self) -> None:
        self.sockets: dict[int, set[Socket]] = {}
        self.readers: dict[int, asyncio.Task] = {}
        self.subscribed: dict[int, asyncio.Event] = {}
        self.recent: dict[int, OrderedDict[int, str]] = {}
        self.last_seq: dict[int, tuple[float, int]] = {}
        self.sweeper: asyncio.Task | None = None

    async def join(self, company_id: int, socket: Socket) -> None:
        """Deliver this company's frames to `socket` from the moment this returns."""
        self.sockets.setdefault(company_id, set()).add(socket)
        if self.sweeper is None or self.sweeper.done():
            self.sweeper = asyncio.create_task(self._sweep())
        if company_id not in self.readers:  # no await before this: one subscription per company
            self.subscribed[company_id] = asyncio.Event()
            self.readers[company_id] = asyncio.create_task(
                self._read(company_id, self.subscribed[company_id])
            )
        await self.subscribed[company_id].wait()

    async def leave(self, company_id: int, socket: Socket) -> None:
        sockets = self.sockets.get(company_id, set())
        sockets.discard(socket)
        if sockets:
            return
        self.sockets.pop(company_id, None)
        self.subscribed.pop(company_id, None)
        if not self.sockets and self.sweeper:
            self.sweeper.cancel()
        reader = self.readers.pop(company_id, None)
        if reader:
            reader.cancel()

    async def _read(self, company_id: int, subscribed: asyncio.Event) -> None:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(company_group(company_id), channel)
        subscribed.set()
        try:
            await self._receive(company_id, channel)
        finally:
            await layer.group_discard(company_group(company_id), channel)

    async def _receive(self, company_id: int, channel: str) -> None:
        layer = get_channel_layer()
        while True:
            try:
                message = await layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # the layer is down: wait, the sockets' resume covers the gap
                log.exception("channel layer receive failed for company %s", company_id)
                await asyncio.sleep(1)
                continue
            if message.get("kick"):  # a member removed: their sockets close
                for socket in list(self.sockets.get(company_id, ())):
                    if socket.user_id == message["kick"]:
                        socket.kick()
                continue
            if message["seq"] is not None:
                self.remember(company_id, message["seq"], message["text"])
            for socket in list(self.sockets.get(company_id, ())):
                socket.deliver(message["seq"], message["text"])

    async def _sweep(self) -> None:
        """Free the leases of browsers that died without a word, while this process serves."""
        while self.sockets:
            await asyncio.sleep(settings.LOCK_SWEEP_INTERVAL)
            try:
                await database_sync_to_async(locks_expire)()
            except Exception:
                log.exception("lock sweep failed")

    def remember(self, company_id: int, seq: int, text: str) -> None:
        recent = self.recent.setdefault(company_id, OrderedDict())
        recent[seq] = text
        while len(recent) > RECENT_FRAMES:
            recent.popitem(last=False)
        known = self.last_seq.get(company_id)
        if known and seq > known[1]:
            self.last_seq[company_id] = (known[0], seq)

    def frame(self, company_id: int, seq: int) -> str | None:
        return self.recent.get(company_id, {}).get(seq)

    async def latest_seq(self, company_id: int) -> int:
        """The company's last committed seq, read from the database at most every 2 s."""
        now = time.monotonic()
        known = self.last_seq.get(company_id)
        if known and now - known[0] < LAST_SEQ_TTL:
            return known[1]
        seq = await database_sync_to_async(_last_seq)(company_id)
        self.last_seq[company_id] = (now, seq)
        return seq


def _last_seq(company_id: int) -> int:
    return Company.objects.values_list("last_seq", flat=True).get(pk=company_id)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """This process's hub (one per event loop: daphne runs one; tests may run several)."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub()
    return _hubs[loop]
