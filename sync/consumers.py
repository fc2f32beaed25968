"""The live socket `/ws/c/<cid>/?since=<seq>`: replay what was missed, then go live, in order."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from companies.selectors import membership_get
from companies.validation import parse_id
from locking.services import lock_heartbeat, locks_release_for_connection
from sync import protocol
from sync.hub import hub
from sync.replay import frames_since

log = logging.getLogger(__name__)
INBOX = 1000  # frames a socket may have waiting before it counts as too slow


class CompanyConsumer(AsyncWebsocketConsumer):
    # No channel-layer channel of its own: frames come from the hub. (Channels would otherwise
    # give every socket a channel and poll it — with Redis, one blocking read per socket.)
    channel_layer_alias = "hub-only"
    company_id: int
    sent_seq: int
    inbox: asyncio.Queue
    writer: asyncio.Task | None = None
    joined = False
    connection_id = ""

    async def connect(self) -> None:
        self.company_id = int(self.scope["url_route"]["kwargs"]["cid"])
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=protocol.CLOSE_UNAUTHENTICATED)
            return
        member = await database_sync_to_async(membership_get)(user=user, company_id=self.company_id)
        if member is None:
            await self.close(code=protocol.CLOSE_FORBIDDEN)
            return
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
            log.warning(
                "socket of company %s fell %s frames behind: cut off", self.company_id, INBOX
            )
            asyncio.ensure_future(self.close(code=protocol.CLOSE_TOO_SLOW))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = _parse(text_data)
        kind = message.get("type") if message else None
        if kind == "ping":
            if self.connection_id:
                await database_sync_to_async(lock_heartbeat)(
                    actor=self.scope["user"], connection_id=self.connection_id
                )
            seq = await hub().latest_seq(self.company_id)
            await self.send(text_data=protocol.pong_frame(seq))
        elif kind == "resume" and isinstance(message.get("since"), int) and message["since"] >= 0:
            self.inbox.put_nowait(("resume", message["since"], ""))
        else:
            detail = "Send JSON: ping or resume with a since seq."
            await self.send(text_data=protocol.encode({"type": "error", "detail": detail}))

    async def _write(self, replay_from: int | None) -> None:
        try:
            if replay_from is not None:
                await self._replay(replay_from)
            while True:
                kind, seq, text = await self.inbox.get()
                if kind == "now":  # a lock or unlock: no seq, no order to keep
                    await self.send(text_data=text)
                elif kind == "resume":
                    await self._replay(seq)
                elif seq > self.sent_seq + 1:  # a frame overtook another: fill from the log
                    await self._replay(self.sent_seq)
                elif seq == self.sent_seq + 1:
                    await self.send(text_data=text)
                    self.sent_seq = seq
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("socket writer of company %s failed", self.company_id)
            await self.close(code=protocol.CLOSE_TOO_SLOW)

    async def _replay(self, since: int) -> None:
        last, frames = await database_sync_to_async(frames_since)(
            company_id=self.company_id, since=since, cached=hub().frame
        )
        if frames is None:
            await self.send(text_data=protocol.resync_frame(last))
            self.sent_seq = last
            return
        self.sent_seq = since
        for seq, text in frames:
            await self.send(text_data=text)
            self.sent_seq = seq


def _query(scope: dict[str, Any], name: str) -> str:
    values = parse_qs(scope.get("query_string", b"").decode()).get(name, [])
    return values[0] if values else ""


def _since(scope: dict[str, Any]) -> int | None:
    raw = _query(scope, "since")
    return parse_id(raw) if raw else None


def _parse(text: str | None) -> dict[str, Any] | None:
    if not text or len(text) > protocol.MAX_CLIENT_FRAME:
        return None
    try:
        message = json.loads(text)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None
