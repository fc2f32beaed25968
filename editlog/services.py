"""Recording Changes: called by every domain service inside its transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from companies.models import Company
from editlog.models import Change


def change_record(
    *,
    company: Company,
    actor: AbstractBaseUser | None,
    verb: str,
    obj: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> Change:
    """Append the next Change of `company`; the caller holds the company row lock (DESIGN §2).

    The seq comes from `company.last_seq`, so seqs are gap-free: a rolled-back save takes its
    seq back with it.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("change_record must run inside the service's transaction")
    company.last_seq += 1
    Company.objects.filter(pk=company.pk).update(last_seq=company.last_seq)
    return Change.objects.create(
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
