"""The per-process hub: one channel-layer subscription per open company, fanned out locally.

A save's nudge (the company's new seq, sync.publisher) reaches each server process once. The
hub reads the Changes it has not sent yet from the Edit Log, in seq order — one query per
batch, however many nudges came meanwhile — renders each once (from its snapshot and the
figures the company's live patchers keep here: a `LiveState` per company), and hands the
encoded frame to every socket of that company in this process, with no per-socket layer hop.
The database's order is the feed's order: nothing arrives early to be held back. Each socket
has a bounded inbox, so one slow socket never holds up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections import OrderedDict
from typing import Protocol

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from companies.models import Company
from core.records import LiveState
from locking.services import locks_expire
from sync import protocol, registry
from sync.publisher import company_group
from sync.replay import FEED_BATCH, frames_after

log = logging.getLogger(__name__)
RECENT_FRAMES = 500  # per company, for replays without rendering again
LAST_SEQ_TTL = 2.0  # seconds a company's last seq may be served from memory
LAYER_RETRY = 1.0  # seconds between attempts to subscribe again after the layer failed


class Socket(Protocol):
    user_id: int

    def deliver(self, seq: int | None, text: str) -> None: ...

    def kick(self) -> None: ...

    def catch_up(self) -> None: ...

    def recheck(self, *, at_once: bool = False) -> None: ...


class Hub:
    def __init__(self) -> None:
        self.sockets: dict[int, set[Socket]] = {}
        self.readers: dict[int, asyncio.Task] = {}
        self.subscribed: dict[int, asyncio.Event] = {}
        self.recent: dict[int, OrderedDict[int, str]] = {}
        self.last_seq: dict[int, tuple[float, int]] = {}
        self.channels: dict[int, str] = {}
        self.paused: set[int] = set()  # companies whose layer subscription is failing
        self.sent: dict[int, int] = {}  # per company, the last seq fanned out (or known sent)
        self.wanted: dict[int, int] = {}  # per company, the highest seq a nudge announced
        self.feeders: dict[int, asyncio.Task] = {}
        # Per company, what its live patchers keep (group totals...): it follows the Changes the
        # feed renders, so it goes whenever the feed skips some (a resubscription, a leave).
        self.states: dict[int, LiveState] = {}
        self.housekeeper: asyncio.Task | None = None

    async def join(self, company_id: int, socket: Socket) -> None:
        """Deliver this company's frames to `socket` from the moment this returns."""
        paused = company_id in self.paused  # later changes reach the socket from the reader
        self.sockets.setdefault(company_id, set()).add(socket)
        if self.housekeeper is None or self.housekeeper.done():
            self.housekeeper = asyncio.create_task(self._housekeep())
        if company_id not in self.readers:  # no await before this: one subscription per company
            self.subscribed[company_id] = asyncio.Event()
            self.readers[company_id] = asyncio.create_task(
                self._read(company_id, self.subscribed[company_id])
            )
        await self.subscribed[company_id].wait()
        if paused and company_id in self.paused:
            socket.deliver(None, protocol.status_frame(live=False))

    async def leave(self, company_id: int, socket: Socket) -> None:
        sockets = self.sockets.get(company_id, set())
        sockets.discard(socket)
        if sockets:
            return
        self.sockets.pop(company_id, None)
        self.subscribed.pop(company_id, None)
        for task in (self.readers.pop(company_id, None), self.feeders.pop(company_id, None)):
            if task:
                task.cancel()
        self.sent.pop(company_id, None)
        self.wanted.pop(company_id, None)
        self.states.pop(company_id, None)

    async def _read(self, company_id: int, subscribed: asyncio.Event) -> None:
        """Subscribe and deliver; while the layer is down, retry every second and say so."""
        layer = get_channel_layer()
        group = company_group(company_id)
        channel = await layer.new_channel()
        self.channels[company_id] = channel
        try:
            while True:
                try:
                    # Again after every failure: a restarted Redis has forgotten the group.
                    await layer.group_add(group, channel)
                    # Changes up to here were committed before: the feed starts after them (a
                    # socket's own `since` or catch-up covers what came before it joined).
                    start = await database_sync_to_async(_last_seq)(company_id)
                    if start > self.sent.get(company_id, 0):  # the feed skips what came before
                        self.states.pop(company_id, None)
                    self.sent[company_id] = max(self.sent.get(company_id, 0), start)
                    subscribed.set()
                    self._layer_state(company_id, up=True)
                    await self._receive(company_id, channel)
                except asyncio.CancelledError:
                    raise
                except Exception:  # the sockets catch up from the Edit Log meanwhile (pongs)
                    if company_id not in self.paused:  # one traceback per outage, not per retry
                        log.exception("channel layer failed for company %s: retrying", company_id)
                    subscribed.set()  # a socket joining now is told it is paused
                    self._layer_state(company_id, up=False)
                    await asyncio.sleep(LAYER_RETRY)
        finally:
            if self.channels.get(company_id) == channel:  # not a newer reader's
                del self.channels[company_id]
            with contextlib.suppress(Exception):
                await layer.group_discard(group, channel)

    def _layer_state(self, company_id: int, *, up: bool) -> None:
        """Tell the company's sockets when live updates stop, and make them catch up after."""
        if (company_id in self.paused) == (not up):  # no change
            return
        if up:
            self.paused.discard(company_id)
            log.info("channel layer back for company %s: live again", company_id)
        else:
            self.paused.add(company_id)
        for socket in list(self.sockets.get(company_id, ())):
            socket.deliver(None, protocol.status_frame(live=up))
            if up:
                socket.catch_up()

    async def _receive(self, company_id: int, channel: str) -> None:
        layer = get_channel_layer()
        while True:
            self._dispatch(company_id, await layer.receive(channel))

    def _dispatch(self, company_id: int, message: dict) -> None:
        if message.get("kick"):  # a member removed: their sockets close
            for socket in list(self.sockets.get(company_id, ())):
                if socket.user_id == message["kick"]:
                    socket.kick()
            return
        if message.get("recheck"):  # a user's tokens revoked: their sockets check their sign-in
            for socket in list(self.sockets.get(company_id, ())):
                if socket.user_id == message["recheck"]:
                    socket.recheck(at_once=True)
            return
        if message.get("nudge"):  # the Edit Log reached this seq: read it from there
            self._nudged(company_id, message["seq"])
            return
        self._fan_out(company_id, [(None, message["text"])])  # a lock or unlock: no seq

    def _nudged(self, company_id: int, seq: int) -> None:
        """Note how far the log reached, and start the company's feeder unless it runs (it
        reads on until it has sent everything nudged so far)."""
        if seq <= self.wanted.get(company_id, 0):
            return
        self.wanted[company_id] = seq
        feeder = self.feeders.get(company_id)
        if feeder is None or feeder.done():
            self.feeders[company_id] = asyncio.create_task(self._feed(company_id))

    async def _feed(self, company_id: int) -> None:
        """Send the company's sockets every Change after the last one sent, in seq order,
        rendered once each; one Edit Log query per batch, for all the nudges that came."""
        try:
            while company_id in self.sockets and self.wanted[company_id] > self.sent[company_id]:
                frames = await database_sync_to_async(frames_after)(
                    company_id=company_id,
                    after=self.sent[company_id],
                    cached=self.frame,
                    limit=FEED_BATCH,
                    state=self.live_state(company_id),
                )
                if not frames:  # nudged beyond the log (a restore?): the sockets' pings resync
                    log.warning(
                        "company %s: nudged to seq %s, the Edit Log ends at %s",
                        company_id,
                        self.wanted[company_id],
                        self.sent[company_id],
                    )
                    self.wanted[company_id] = self.sent[company_id]
                    self.states.pop(company_id, None)
                    return
                # Only what is still unsent: a resubscription may have moved `sent` on meanwhile.
                frames = [(seq, text) for seq, text in frames if seq > self.sent[company_id]]
                for seq, text in frames:
                    self.remember(company_id, seq, text)
                if frames:
                    self.sent[company_id] = frames[-1][0]
                    self._fan_out(company_id, frames)
        except asyncio.CancelledError:
            raise
        except Exception:  # the sockets catch up from the Edit Log with their next ping
            self.states.pop(company_id, None)  # it may have followed a batch halfway
            log.exception("feeding the sockets of company %s failed", company_id)

    def _fan_out(self, company_id: int, frames: list[tuple[int | None, str]]) -> None:
        sockets = list(self.sockets.get(company_id, ()))
        for seq, text in frames:
            for socket in sockets:
                socket.deliver(seq, text)

    async def _housekeep(self) -> None:
        """While this process serves sockets: flush their counters, free the leases of browsers
        that died without a word, keep the connection registry current, renew the layer
        subscriptions, and recheck the sign-in of each socket whose turn has come."""
        loop = asyncio.get_running_loop()
        due = {"locks": 0.0, "registry": 0.0}
        registry.traffic.since = loop.time()
        while self.sockets:  # after the last socket left: one more flush, then done
            await asyncio.sleep(registry.FLUSH_EVERY)
            now = loop.time()
            try:  # on its own: a batch that fails must not stop the sweeps below
                totals, seconds, dirty = registry.traffic.take(now)
                await database_sync_to_async(registry.flush)(
                    totals=totals, seconds=seconds, dirty=dirty
                )
            except Exception:
                log.exception("flushing the sockets' counters failed")
            try:
                if now >= due["locks"]:
                    due["locks"] = now + settings.LOCK_SWEEP_INTERVAL
                    await database_sync_to_async(locks_expire_logged)()
                if now >= due["registry"]:
                    due["registry"] = now + registry.HEARTBEAT_EVERY
                    await database_sync_to_async(registry.heartbeat_and_prune)()
                    await self._renew_subscriptions()
                self._recheck_due()
            except Exception:
                log.exception("housekeeping of the live sockets failed")

    def _recheck_due(self) -> None:
        """Recheck each socket whose turn has come (signed out without a ping?). Every tick,
        so that each goes on its own schedule: all of them at the 20 s heartbeat made a burst
        of database reads, one per socket, that held up the saves and the fan-out meanwhile
        (bench/fanout.py --variants burstrecheck)."""
        for sockets in list(self.sockets.values()):
            for socket in list(sockets):
                socket.recheck()

    async def _renew_subscriptions(self) -> None:
        """Add each subscription to its group again: channels-redis forgets a group member
        after its group_expiry (a day), and the hub's subscription may live longer."""
        layer = get_channel_layer()
        for company_id, channel in list(self.channels.items()):
            if company_id not in self.paused:
                await layer.group_add(company_group(company_id), channel)

    def live_state(self, company_id: int) -> LiveState:
        """What the company's live patchers keep in this process: the feed renders every Change
        from it, and a socket's catch-up too (both run in the one database thread). A company
        with no socket here has none kept: nothing would follow the log for it."""
        if company_id not in self.sockets:
            return LiveState()
        return self.states.setdefault(company_id, LiveState())

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


def locks_expire_logged() -> None:
    """Free the expired leases, and note each in the connection event log."""
    for lock in locks_expire():
        registry.event_record(
            kind=registry.Kind.LOCK_EXPIRED,
            username=lock.holder.get_username(),
            company_id=lock.company_id,
            detail=f"{lock.resource}: no heartbeat from its page",
        )


def _last_seq(company_id: int) -> int:
    return Company.objects.values_list("last_seq", flat=True).get(pk=company_id)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """This process's hub (one per event loop: the server runs one; tests may run several)."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub()
    return _hubs[loop]
