"""Reads of the Edit Log."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from companies.errors import Invalid
from companies.models import Company
from editlog.models import Change


def change_list(
    *, company: Company, since: int = 0, object_key: str | None = None
) -> QuerySet[Change]:
    """Changes after `since` in seq order, optionally of one object ("voucher:17")."""
    changes = Change.objects.filter(company=company, seq__gt=since).order_by("seq")
    if object_key:
        kind, _, pk = object_key.partition(":")
        if not pk.isdigit():
            raise Invalid.field("object", "Name an object like voucher:17 or ledger:4.")
        changes = changes.filter(object_type=kind, object_id=int(pk))
    return changes


def change_json(change: Change) -> dict[str, Any]:
    return {
        "seq": change.seq,
        "at": change.at,
        "actor": change.actor_name,
        "verb": change.verb,
        "object": change.object_key,
        "object_repr": change.object_repr,
        "before": change.before,
        "after": change.after,
    }
