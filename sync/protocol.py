"""The wire protocol of DESIGN.md §3: frames the server sends, close codes the browser reads."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from core.records import Patch
from editlog.models import Change

CLOSE_UNAUTHENTICATED = 4401  # sign in again; do not retry
CLOSE_FORBIDDEN = 4403  # not a member of this company; do not retry
CLOSE_TOO_SLOW = 4008  # fell too far behind: reconnect and resume
CLOSE_FLOOD = 1008  # policy violation: far more messages than a page ever sends
CLOSE_USER_LIMIT = 4429  # the server's user limit is reached; a "refused" frame said by whom
MAX_CLIENT_FRAME = 4096  # bytes; the browser only sends small control frames


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, cls=DjangoJSONEncoder, separators=(",", ":"))


def change_frame(change: Change, patch: Patch | None) -> str:
    """One committed Change; `patch` None is a placeholder whose effect a later frame carries.
    A patch that asks for a resync (a company restored from a backup) goes as a resync frame at
    the Change's seq: the screen fetches every region."""
    if patch is not None and patch.resync:
        return resync_frame(change.seq)
    message: dict[str, Any] = {"type": "change", "seq": change.seq, "at": change.at}
    if patch is not None:
        message["html"] = "".join(patch.html)
        if patch.refresh:
            message["refresh"] = list(dict.fromkeys(patch.refresh))
    return encode(message)


def lock_frame(*, resource: str, holder: Any, since: Any, broken_by: str = "") -> str:
    """A lock taken (holder named) or let go (holder None): transient, so no seq."""
    if holder is None:
        message: dict[str, Any] = {"type": "unlock", "resource": resource}
        if broken_by:
            message["broken_by"] = broken_by
        return encode(message)
    return encode(
        {
            "type": "lock",
            "resource": resource,
            "holder": {"id": holder.pk, "name": holder.get_username()},
            "since": since,
        }
    )


def refused_frame(detail: str) -> str:
    return encode({"type": "refused", "detail": detail})


def status_frame(*, live: bool) -> str:
    """Live updates stopped (the channel layer is down: catch up with pings) or resumed."""
    return encode({"type": "status", "live": live})


def resync_frame(seq: int) -> str:
    return encode({"type": "resync", "seq": seq})


def pong_frame(seq: int) -> str:
    return encode({"type": "pong", "seq": seq, "server_time": timezone.now()})
