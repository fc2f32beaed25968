"""Hands each committed Change to the channel layer: one pre-rendered frame per company group.

The database is the truth and a broadcast is a hint: a failed broadcast is logged, never fails
the save, and the browsers' seq check plus `resume` fetch what a lost broadcast carried.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from companies.models import Membership
from editlog.models import Change
from locking.signals import lock_changed
from sync.fragments import change_patch
from sync.protocol import change_frame, lock_frame

log = logging.getLogger(__name__)


def company_group(company_id: int) -> str:
    return f"company.{company_id}"


def publish(change: Change) -> None:
    """Render `change` once and send it to every server process that has its company open."""
    try:
        text = change_frame(change, change_patch(change))
        layer = get_channel_layer()
        message = {"type": "change.frame", "seq": change.seq, "text": text}
        async_to_sync(layer.group_send)(company_group(change.company_id), message)
    except Exception:
        log.exception("broadcast of change %s/%s failed", change.company_id, change.seq)


def publish_lock(
    *, company_id: int, resource: str, holder: Any, since: Any, broken_by: str, **_: Any
) -> None:
    """Tell the company's screens that a record was locked or unlocked (after commit)."""
    try:
        text = lock_frame(resource=resource, holder=holder, since=since, broken_by=broken_by)
        message = {"type": "change.frame", "seq": None, "text": text}
        async_to_sync(get_channel_layer().group_send)(company_group(company_id), message)
    except Exception:
        log.exception("broadcast of %s lock change failed", resource)


def _on_membership_deleted(sender: Any, instance: Membership, **kwargs: Any) -> None:
    def kick() -> None:
        message = {"type": "change.frame", "seq": None, "text": "", "kick": instance.user_id}
        try:
            async_to_sync(get_channel_layer().group_send)(
                company_group(instance.company_id), message
            )
        except Exception:
            log.exception("closing the sockets of removed member %s failed", instance.user_id)

    transaction.on_commit(kick, robust=True)


def _on_change_saved(sender: Any, instance: Change, created: bool, **kwargs: Any) -> None:
    if created:
        transaction.on_commit(partial(publish, instance), robust=True)


def connect() -> None:
    """Publish every Change once its transaction commits (never before, never on rollback),
    and every lock taken or let go."""
    post_save.connect(_on_change_saved, sender=Change, dispatch_uid="sync.publish")
    lock_changed.connect(publish_lock, dispatch_uid="sync.publish_lock")
    post_delete.connect(_on_membership_deleted, sender=Membership, dispatch_uid="sync.kick")
