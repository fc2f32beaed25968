"""The Edit Log's hash chain: each Change's hash is an HMAC-SHA256, under a key kept outside the
database, of the previous hash and its own content.

Without the key a copy of the database cannot be rewritten and re-chained so that it verifies:
SHA-256 alone could be recomputed by anyone who can write the file. The key is
settings.EDITLOG_KEY ($TALLYSYNC_EDITLOG_KEY or var/editlog_key, made 0600 beside the secret
key); it belongs in the backups of the keys, never in the database's.

One pure function shared by the writer (`editlog.write.UnitOfWork.record`), the verifier
(`editlog_verify`) and the migration that re-chained the log under the key (editlog 0006).
Changing what it hashes breaks every stored hash: that needs a new migration, never an edit
here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
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


def change_content(change: Chained, *, stored: tuple[Any, Any] | None = None) -> str:
    """The canonical JSON of what the hash covers (sorted keys, no spaces, ASCII only).
    `stored`: the before and after in their stored form, when the caller has them already (a
    batch encodes each side once for the database and decodes that, instead of encoding twice)."""
    before, after = (
        stored if stored is not None else map(stored_form, (change.before, change.after))
    )
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
        "before": before,
        "after": after,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def change_hash(
    change: Chained, *, prev_hash: str, key: bytes, stored: tuple[Any, Any] | None = None
) -> str:
    """HMAC-SHA256 under `key` of the previous Change's hash + canonical content, as 64 hex
    digits (`stored`: as for `change_content`)."""
    message = (prev_hash + change_content(change, stored=stored)).encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A short name for `key` that does not give it away: the head file notes which key each
    head was written under, so a key replaced since shows as such."""
    return hmac.new(key, b"tallysync edit log key id", hashlib.sha256).hexdigest()[:12]


def chain_key() -> bytes:
    """The Edit Log's key. Without one nothing may be chained: a chain under an empty key is
    one anybody can recompute."""
    if not settings.EDITLOG_KEY:
        raise ImproperlyConfigured(
            "The Edit Log has no key: run manage.py once (it makes var/editlog_key), or set "
            "TALLYSYNC_EDITLOG_KEY."
        )
    return settings.EDITLOG_KEY.encode()
