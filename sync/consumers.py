"""The live socket `/ws/c/<cid>/?since=<seq>`: replay what was missed, then go live, in order."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import random
import time
import uuid
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone

from companies.auth import TOKEN_NOT_VALID
from companies.selectors import membership_get
from core.validation import parse_id
from locking.services import lock_heartbeat, locks_release_for_connection
from sync import protocol, registry
from sync.auth import SERVER_SEND, still_signed_in
from sync.hub import hub
from sync.replay import frames_since

log = logging.getLogger(__name__)
INBOX = 1000  # frames a socket may have waiting before it counts as too slow
FLOOD_RATE, FLOOD_BURST = 20, 100  # messages/s a socket may send, and in one burst
RECHECK_EVERY = 30.0  # seconds between checks (with pings) that the user is still signed in
# The first recheck comes 20-30 s after connecting, so that sockets which connected together (all
# the office's browsers after a restart) do not make their database reads together ever after.
RECHECK_SPREAD = 10.0
NOTE_EVERY = 10.0  # seconds between resume/resync lines in the event log, per socket


class Allowance:
    """A token bucket: BURST messages at once, RATE per second after that."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst, self.tokens, self.at = rate, burst, burst, time.monotonic()

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class CompanyConsumer(AsyncWebsocketConsumer):
    # No channel-layer channel of its own: frames come from the hub. (Channels would otherwise
    # give every socket a channel and poll it — with Redis, one blocking read per socket.)
    channel_layer_alias = "hub-only"
    company_id: int
    sent_seq: int
    inbox: asyncio.Queue
    writer: asyncio.Task | None = None
    cut_off: asyncio.Future | None = None
    joined = False
    registered = False
    connection_id = ""  # the page's id for its edit locks
    stats: registry.SocketStats
    allowance: Allowance
    flooded = False
    checked_at = 0.0  # the sign-in recheck is due RECHECK_EVERY after this
    signed_out = False  # closed as signed out: a check that was reading meanwhile closes nothing
    noted_at = 0.0  # when a resume or resync of this socket last went into the event log

    async def connect(self) -> None:
        self.company_id = int(self.scope["url_route"]["kwargs"]["cid"])
        self.stats = registry.SocketStats(connection_id=uuid.uuid4().hex)
        self.allowance = Allowance(FLOOD_RATE, FLOOD_BURST)
        self.checked_at = time.monotonic() - random.uniform(0, RECHECK_SPREAD)  # handshake checked
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            await self._refuse(registry.Kind.REFUSED_AUTH, protocol.CLOSE_UNAUTHENTICATED)
            return
        member = await database_sync_to_async(membership_get)(user=user, company_id=self.company_id)
        if member is None:
            await self._refuse(registry.Kind.REFUSED_MEMBER, protocol.CLOSE_FORBIDDEN)
            return
        try:
            await database_sync_to_async(registry.connection_open)(
                connection_id=self.stats.connection_id,
                user=user,
                company_id=self.company_id,
                ip=self.ip,
                browser=_header(self.scope, b"user-agent"),
            )
        except registry.SeatsTaken as taken:
            await self.send(text_data=protocol.refused_frame(str(taken)))
            await self._refuse(registry.Kind.REFUSED_LIMIT, protocol.CLOSE_USER_LIMIT, str(taken))
            return
        self.registered = True
        since = _since(self.scope)
        self.connection_id = _query(self.scope, "connection")[:64]
        self.inbox = asyncio.Queue(maxsize=INBOX)
        self.sent_seq = since if since is not None else await hub().latest_seq(self.company_id)
        # Join before replaying: what commits meanwhile waits in the inbox, nothing falls between.
        await hub().join(self.company_id, self)
        self.joined = True
        self.writer = asyncio.create_task(self._write(since))

    async def disconnect(self, code: int) -> None:
        if self.joined:
            await hub().leave(self.company_id, self)
        if self.writer:
            self.writer.cancel()
        if self.connection_id:  # the page is gone: so are the locks it held
            await database_sync_to_async(locks_release_for_connection)(
                actor=self.scope["user"], connection_id=self.connection_id
            )
        if self.registered:
            try:  # bookkeeping for the monitor: a failure must not keep anything else held
                await database_sync_to_async(registry.connection_close)(
                    stats=self.stats,
                    username=self.scope["user"].get_username(),
                    company_id=self.company_id,
                    ip=self.ip,
                    code=code,
                )
            except Exception:  # the row ages out with the process's heartbeat
                log.exception("registry row of a socket of company %s not closed", self.company_id)

    async def _refuse(self, kind: str, code: int, detail: str = "") -> None:
        left_out = registry.refusals.take(kind, self.ip, time.monotonic())
        if left_out is not None:
            username = user.get_username() if (user := self.scope.get("user")) else ""
            detail = registry.refusal_detail(detail, left_out)
            await self._log(kind, code=code, detail=detail, username=username)
        await self.close(code=code)

    async def _log(self, kind: str, **details: Any) -> None:
        details.setdefault("username", self.scope["user"].get_username())
        await database_sync_to_async(registry.event_record)(
            kind=kind, company_id=self.company_id, ip=self.ip, **details
        )

    async def _note(self, kind: str, detail: str) -> None:
        """Log a resume or resync, at most one per socket every NOTE_EVERY seconds: a client
        may send them as often as its allowance lets it, and each would be a database write."""
        now = time.monotonic()
        if now - self.noted_at >= NOTE_EVERY:
            self.noted_at = now
            await self._log(kind, detail=detail)

    @property
    def ip(self) -> str | None:
        client = self.scope.get("client")
        return client[0] if client else None

    async def send(  # type: ignore[override]
        self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
    ) -> None:
        if text_data is not None:
            registry.sent(self.stats, text_data)
        await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def frame(self, text: str) -> None:
        """One frame of the feed, written to the server's `send` itself: channels' session
        wrapper, which has nothing to do for a WebSocket frame yet reads the lazy session on
        every message, cost a third of the fan-out's CPU per socket at 1,000 sockets
        (bench/fanout.py --variants wrapped)."""
        registry.sent(self.stats, text)
        await self.scope.get(SERVER_SEND, self.base_send)({"type": "websocket.send", "text": text})

    @property
    def user_id(self) -> int:
        return self.scope["user"].pk

    def kick(self) -> None:
        """No longer a member of this company: close, and tell the browser not to retry."""
        asyncio.ensure_future(self.close(code=protocol.CLOSE_FORBIDDEN))

    def deliver(self, seq: int | None, text: str) -> None:
        """Called by the hub for each live frame; never waits."""
        try:
            self.inbox.put_nowait(("frame", seq, text) if seq is not None else ("now", 0, text))
        except asyncio.QueueFull:
            if self.cut_off is None:  # once: later frames overflow the same full inbox
                log.warning(
                    "socket of company %s fell %s frames behind: cut off",
                    self.company_id,
                    self.inbox.maxsize,
                )
                self.cut_off = asyncio.ensure_future(self._cut_off())

    def catch_up(self) -> None:
        """Frames may have been lost while the channel layer was down: replay what is missed."""
        with contextlib.suppress(asyncio.QueueFull):  # a full inbox is being cut off anyway
            self.inbox.put_nowait(("resume", None, ""))

    async def _still_signed_in(self, *, at_once: bool = False) -> bool:
        """Close (4401) a socket whose user signed out, or whose session or token ended: every
        RECHECK_EVERY, or `at_once` (a token of the user was revoked). A script is told why in
        the close reason, in the words of a refused HTTP request."""
        now = time.monotonic()
        if not at_once and now - self.checked_at < RECHECK_EVERY:
            return not self.signed_out
        self.checked_at = now
        if await database_sync_to_async(still_signed_in)(self.scope):
            return True
        if self.signed_out:
            return False
        self.signed_out = True
        reason = TOKEN_NOT_VALID if self.scope.get("token") else ""
        await self.close(code=protocol.CLOSE_UNAUTHENTICATED, reason=reason)
        await self._log(
            registry.Kind.SIGNED_OUT, code=protocol.CLOSE_UNAUTHENTICATED, detail=reason
        )
        return False

    async def _cut_off(self) -> None:
        await self.close(code=protocol.CLOSE_TOO_SLOW)
        await self._log(registry.Kind.TOO_SLOW, detail=f"{self.inbox.maxsize} frames behind")

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.joined:  # refused, or not through connect() yet: nothing to answer
            return
        registry.received(self.stats, text_data if text_data is not None else bytes_data or b"")
        try:
            await self._answer(text_data)
        except Exception:  # a bug must end in a clean close (and disconnect's bookkeeping)
            log.exception("socket of company %s failed on a message", self.company_id)
            await self.close(code=1011)

    async def _answer(self, text_data: str | None) -> None:
        if not self.allowance.take(time.monotonic()):
            if not self.flooded:
                self.flooded = True
                await self.close(code=protocol.CLOSE_FLOOD)
                await self._log(registry.Kind.FLOOD, detail=f"over {FLOOD_RATE} messages/s")
            return
        message = _parse(text_data)
        kind = message.get("type") if message else None
        if kind == "ping":
            await self._ping(message)  # type: ignore[arg-type]
        elif kind == "resume" and (since := parse_id(message.get("since"))) is not None:
            with contextlib.suppress(asyncio.QueueFull):  # a full inbox is being cut off
                self.inbox.put_nowait(("resume", since, ""))
            await self._note(registry.Kind.RESUME, f"from seq {since}")
        else:
            detail = "Send JSON: ping or resume with a since seq."
            await self.send(text_data=protocol.encode({"type": "error", "detail": detail}))

    async def _ping(self, message: dict[str, Any]) -> None:
        if not await self._still_signed_in():
            return
        ack_seq = parse_id(message.get("seq"))
        registry.pinged(self.stats, ack_seq=ack_seq, clock_skew_ms=_skew(message))
        if self.connection_id:
            await database_sync_to_async(lock_heartbeat)(
                actor=self.scope["user"], connection_id=self.connection_id
            )
        seq = await hub().latest_seq(self.company_id)
        await self.send(text_data=protocol.pong_frame(seq))

    def recheck(self, *, at_once: bool = False) -> None:
        """From the hub every couple of seconds, so that a socket that never pings is rechecked
        too when its own turn comes; `at_once` when a token of its user was revoked."""
        if at_once or time.monotonic() - self.checked_at >= RECHECK_EVERY:
            asyncio.ensure_future(self._still_signed_in(at_once=at_once))

    async def _write(self, replay_from: int | None) -> None:
        try:
            if replay_from is not None:
                await self._replay(replay_from)
            while True:
                kind, seq, text = await self.inbox.get()
                if kind == "now":  # a lock or unlock: no seq, no order to keep
                    await self.frame(text)
                elif kind == "resume":
                    await self._replay(self.sent_seq if seq is None else seq)
                elif seq > self.sent_seq + 1:  # a frame overtook another: fill from the log
                    await self._replay(self.sent_seq)
                elif seq == self.sent_seq + 1:
                    await self.frame(text)
                    self.sent_seq = seq
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("socket writer of company %s failed", self.company_id)
            await self.close(code=protocol.CLOSE_TOO_SLOW)

    async def _replay(self, since: int) -> None:
        last, frames = await database_sync_to_async(frames_since)(
            company_id=self.company_id,
            since=since,
            cached=hub().frame,
            state=hub().live_state(self.company_id),
        )
        if frames is None:
            await self._note(registry.Kind.RESYNC, f"from seq {since} to {last}")
            await self.send(text_data=protocol.resync_frame(last))
            self.sent_seq = last
            return
        self.sent_seq = since
        for seq, text in frames:
            await self.frame(text)
            self.sent_seq = seq


def _query(scope: dict[str, Any], name: str) -> str:
    values = parse_qs(scope.get("query_string", b"").decode()).get(name, [])
    return values[0] if values else ""


def _since(scope: dict[str, Any]) -> int | None:
    raw = _query(scope, "since")
    return parse_id(raw) if raw else None


def _header(scope: dict[str, Any], name: bytes) -> str:
    return dict(scope.get("headers", [])).get(name, b"").decode("latin-1")


SKEW_MAX_MS = 2**31 - 1


def _skew(message: dict[str, Any]) -> int | None:
    """The browser's clock minus the server's, in ms (the trip of the ping is ignored)."""
    sent = message.get("client_time")
    try:
        client = dt.datetime.fromisoformat(sent.replace("Z", "+00:00"))  # type: ignore[union-attr]
    except (AttributeError, TypeError, ValueError):
        return None
    if client.tzinfo is None:
        return None
    skew = round((client - timezone.now()).total_seconds() * 1000)
    return max(-SKEW_MAX_MS, min(SKEW_MAX_MS, skew))  # a clock off by years still fits


def _parse(text: str | None) -> dict[str, Any] | None:
    if not text or len(text) > protocol.MAX_CLIENT_FRAME:
        return None
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):  # deep nesting too: a frame refused, not a crash
        return None
    return message if isinstance(message, dict) else None
