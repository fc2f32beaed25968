"""Recording Changes: called by every domain service inside its transaction."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from companies.models import Company
from editlog.chain import GENESIS, change_hash
from editlog.idempotency import RequestKey
from editlog.models import Change

logger = logging.getLogger(__name__)


def _prev_hash(company: Company, seq: int) -> str:
    """The hash of the Change before `seq`, read under the company lock (so the chain is linear)."""
    if seq == 1:
        return GENESIS
    prev = Change.objects.filter(company=company, seq=seq - 1).values_list("hash", flat=True)
    found = prev.first()
    if found is None:
        # Removed behind the application's back; verify_editlog reports the gap. Refusing to
        # save would stop the books, so chain on from the genesis hash.
        logger.error("Edit Log of %s: Change #%d is missing", company, seq - 1)
        return GENESIS
    return found


def change_record(
    *,
    company: Company,
    actor: AbstractBaseUser | None,
    verb: str,
    obj: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    request_key: RequestKey | None = None,
) -> Change:
    """Append the next Change of `company`; the caller holds the company row lock (DESIGN §2).

    The seq comes from `company.last_seq`, so seqs are gap-free: a rolled-back save takes its
    seq back with it. The Change's hash chains it to the company's previous Change. A
    `request_key` (Idempotency-Key) is remembered with it; a second save under the same key
    fails the unique constraint.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("change_record must run inside the service's transaction")
    company.last_seq += 1
    Company.objects.filter(pk=company.pk).update(last_seq=company.last_seq)
    change = Change(
        company=company,
        seq=company.last_seq,
        at=timezone.now(),
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        verb=verb,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        object_repr=str(obj)[:250],
        before=before,
        after=after,
    )
    if request_key is not None:
        change.request_key = request_key.key
        change.request_fingerprint = request_key.fingerprint
    change.prev_hash = _prev_hash(company, change.seq)
    change.hash = change_hash(change, prev_hash=change.prev_hash)
    change.save(force_insert=True)
    return change
