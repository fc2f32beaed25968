"""The Edit Log's hash chain: each Change's SHA-256 covers its content and the previous hash.

One pure function shared by the writer (`editlog.write.UnitOfWork.record`), the verifier
(`editlog_verify`) and the migration that chained the Changes written before the chain existed.
Changing what it hashes breaks every stored hash: that needs a new migration, never an edit
here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Protocol

from django.core.serializers.json import DjangoJSONEncoder

# The "previous hash" of a company's first Change.
GENESIS = "0" * 64


class Chained(Protocol):
    """What the hash covers: a Change, or a Change of a migration's historical model."""

    company_id: int
    seq: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str
    verb: str
    object_type: str
    object_id: int
    object_repr: str
    before: Any
    after: Any


def stored_form(value: Any) -> Any:
    """`value` as the JSONField gives it back after the database: Decimals and dates become
    strings, tuples lists. Hashing this makes the hash the same before and after the round trip."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def change_content(change: Chained) -> str:
    """The canonical JSON of what the hash covers (sorted keys, no spaces, ASCII only)."""
    content = {
        "company_id": change.company_id,
        "seq": change.seq,
        "at": change.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": change.actor_id,
        "actor_name": change.actor_name,
        "verb": change.verb,
        "object_type": change.object_type,
        "object_id": change.object_id,
        "object_repr": change.object_repr,
        "before": stored_form(change.before),
        "after": stored_form(change.after),
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def change_hash(change: Chained, *, prev_hash: str) -> str:
    """sha256(previous Change's hash + canonical content), as 64 hex digits."""
    return hashlib.sha256((prev_hash + change_content(change)).encode("ascii")).hexdigest()
