"""Tells every server process that a company's Edit Log grew: after the commit, a nudge (the
company and the new seq) to the company's group. Nothing is rendered on the saving thread: each
process's hub reads the new Changes from the Edit Log, in seq order, renders them once and fans
them out (sync.hub). Locks, a removed member's kick and a token recheck go the same way, with no
seq.

The database is the truth and a nudge is a hint: a failed one is logged, never fails the save,
and the next nudge (or the browsers' seq check plus `resume`) fetches what it would have.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import Future
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from companies.models import Membership
from companies.signals import tokens_revoked
from editlog.models import Change
from editlog.signals import changes_appended
from locking.signals import lock_changed
from sync.protocol import lock_frame

log = logging.getLogger(__name__)
SEND_TIMEOUT = 2.0  # seconds a broadcast may take before it counts as lost
LOG_EVERY = 10.0  # seconds between full error reports while the layer keeps failing
_serving_loop: asyncio.AbstractEventLoop | None = None
_quiet_until = 0.0


def company_group(company_id: int) -> str:
    return f"company.{company_id}"


def publish(change: Change) -> None:
    """Nudge every server process that has `change`'s company open: the log reaches its seq."""
    message = {"type": "change.frame", "seq": change.seq, "nudge": True}
    _send(change.company_id, message, f"change {change.company_id}/{change.seq}")


def publish_lock(
    *, company_id: int, resource: str, holder: Any, since: Any, broken_by: str, **_: Any
) -> None:
    """Tell the company's screens that a record was locked or unlocked (after commit)."""
    text = lock_frame(resource=resource, holder=holder, since=since, broken_by=broken_by)
    _send(company_id, {"type": "change.frame", "seq": None, "text": text}, f"lock {resource}")


def _on_membership_deleted(sender: Any, instance: Membership, **kwargs: Any) -> None:
    message = {"type": "change.frame", "seq": None, "text": "", "kick": instance.user_id}
    what = f"closing the sockets of removed member {instance.user_id}"
    transaction.on_commit(partial(_send, instance.company_id, message, what), robust=True)


def _on_tokens_revoked(sender: Any, user_id: int, **kwargs: Any) -> None:
    """After a revocation has committed: wherever the user may have a socket, the hub rechecks
    their sockets now, as at their next ping (`sync.auth.still_signed_in`). Those opened with a
    token that no longer works close with 4401; the others stay."""
    message = {"type": "change.frame", "seq": None, "text": "", "recheck": user_id}
    what = f"rechecking the sockets of user {user_id}"
    companies = Membership.objects.filter(user_id=user_id).values_list("company_id", flat=True)
    for company_id in companies:
        _send(company_id, message, what)


def serving(application: Any) -> Any:
    """ASGI wrapper noting the server's event loop, where broadcasts are sent from then on."""

    async def noted(scope: dict, receive: Any, send: Any) -> Any:
        global _serving_loop
        _serving_loop = asyncio.get_running_loop()
        return await application(scope, receive, send)

    return noted


def _send(company_id: int, message: dict[str, Any], what: str) -> None:
    """Queue the broadcast on the server's event loop and return: a save never waits for the
    fan-out, nor for a channel layer that is down (SEND_TIMEOUT, then logged)."""
    group = company_group(company_id)
    loop = _serving_loop
    if loop is not None and loop.is_running():
        future = asyncio.run_coroutine_threadsafe(_group_send(group, message), loop)
        future.add_done_callback(partial(_sent, what))
        return
    try:  # no server loop in this process (a management command): send and wait
        async_to_sync(_group_send)(group, message)
    except Exception as error:
        _failed(what, error)


async def _group_send(group: str, message: dict[str, Any]) -> None:
    async with asyncio.timeout(SEND_TIMEOUT):
        await get_channel_layer().group_send(group, message)


def _sent(what: str, future: Future) -> None:
    if not future.cancelled() and future.exception() is not None:
        _failed(what, future.exception())


def _failed(what: str, error: BaseException | None) -> None:
    """Log a lost broadcast (the screens catch up from the Edit Log with their next ping)."""
    global _quiet_until
    now = time.monotonic()
    if now < _quiet_until:  # the layer is down: a short line each, a traceback per LOG_EVERY
        log.warning("broadcast of %s failed: %r", what, error)
        return
    _quiet_until = now + LOG_EVERY
    log.error("broadcast of %s failed", what, exc_info=error)


def _on_change_saved(sender: Any, instance: Change, created: bool, **kwargs: Any) -> None:
    if created:
        transaction.on_commit(partial(publish, instance), robust=True)


def _on_changes_appended(sender: Any, last: Change, **kwargs: Any) -> None:
    """A batch's Changes, appended in bulk: one nudge, to the last seq (each hub reads every
    Change up to it from the Edit Log)."""
    transaction.on_commit(partial(publish, last), robust=True)


def connect() -> None:
    """Publish every Change once its transaction commits (never before, never on rollback),
    every lock taken or let go, and the sockets to close: a removed member's, a revoked
    token's."""
    post_save.connect(_on_change_saved, sender=Change, dispatch_uid="sync.publish")
    changes_appended.connect(_on_changes_appended, dispatch_uid="sync.publish_many")
    lock_changed.connect(publish_lock, dispatch_uid="sync.publish_lock")
    post_delete.connect(_on_membership_deleted, sender=Membership, dispatch_uid="sync.kick")
    tokens_revoked.connect(_on_tokens_revoked, dispatch_uid="sync.recheck")
