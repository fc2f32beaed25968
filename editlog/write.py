"""The one way to write the books: a unit of work per save (DESIGN §2, §8).

    with company_write(company=company, actor=user) as w:   # durable transaction, company
        w.bump(voucher, version)                           # lock and role in one step
        ...domain writes...
        w.record("alter", voucher, before=before, after=after)

`company_write` opens one durable transaction, locks the company row and checks the actor's
role in one query; `bump` is the lost-update guard (and, for a lockable kind, refuses while
someone else holds the record's edit lock); `record` appends the record's Change, chained to
the previous one through `Company.last_hash`, so no read of the log is needed. Several records
in one unit of work give one Change each; the company row learns its new `last_seq` and
`last_hash` once, when the work ends, and after the commit the new head goes to the head file
outside the database (editlog.head).

It lives in `editlog` rather than `core` because it needs the Company row, the membership and
the Edit Log itself: `core` imports no app.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F, Model
from django.utils import timezone

from companies.access import WRITERS, role_refusal
from companies.models import Company, Membership
from core.bulk import db_datetime, db_json_encoded, instance_new, rows_insert
from core.errors import Invalid, StaleVersion, found
from core.records import VERSION_KEY, kind_of, resource_of
from core.validation import parse_int
from editlog.chain import chain_key, change_hash
from editlog.head import head_append, head_key_check
from editlog.idempotency import RequestKey
from editlog.models import Change
from editlog.signals import changes_appended
from locking.services import lock_check, lock_release

# Verbs that end an alteration: the actor's edit lock on the record goes with the save.
ENDING = {Change.Verb.ALTER, Change.Verb.CANCEL, Change.Verb.DELETE}


class UnitOfWork:
    """One save's writes on one company, inside its transaction and its company lock."""

    def __init__(
        self, *, company: Company, actor: AbstractBaseUser, membership: Membership | None = None
    ) -> None:
        self.company = company
        self.actor = actor
        self.membership = membership
        self.changes: list[Change] = []

    def guard(self, obj: Model) -> None:
        """Refuse (Locked, 423) while someone else holds `obj`'s edit lock."""
        if kind_of(obj).lockable:
            lock_check(company=self.company, resource=resource_of(obj), actor=self.actor)

    def bump(self, obj: Model, version: Any) -> None:
        """Move `obj` to its next version if it is still at `version` — the lost-update guard,
        even for a lock holder whose lease ran out. Raises StaleVersion (409) naming who
        altered it and when, or Invalid for a missing version."""
        try:
            version = parse_int(version, message="Send the version you read.")
        except ValueError as exc:
            raise Invalid.field("version", str(exc)) from None
        model = type(obj)
        stamp = timezone.now()
        bumped = model.objects.filter(pk=obj.pk, version=version).update(
            version=F("version") + 1, altered_by=self.actor, altered_at=stamp
        )
        if not bumped:
            current = model.objects.select_related("altered_by").get(pk=obj.pk)
            raise StaleVersion(
                current_version=current.version,
                altered_by=current.altered_by.get_username() if current.altered_by else None,
                altered_at=current.altered_at,
            )
        obj.version = version + 1  # type: ignore[attr-defined]
        obj.altered_by = self.actor  # type: ignore[attr-defined]
        obj.altered_at = stamp  # type: ignore[attr-defined]

    def record(
        self,
        verb: str,
        obj: Model,
        *,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None = None,
        request_key: RequestKey | None = None,
    ) -> Change:
        """Append `obj`'s Change: `after` defaults to its registered snapshot (none for a
        deletion). Seqs are gap-free: a rolled-back save takes its seq back with it. A
        `request_key` (Idempotency-Key) is kept with it, unique per company and actor. A save
        that ends an alteration lets go of the actor's edit lock."""
        change = self._change_new(verb, obj, before=before, after=after)
        if request_key is not None:
            change.request_key = request_key.key
            change.request_fingerprint = request_key.fingerprint
        change.hash = change_hash(change, prev_hash=change.prev_hash, key=self._key())
        change.save(force_insert=True)
        self._advance(change)
        self._lock_let_go(verb, obj)
        return change

    def record_many(
        self, verb: str, records: Iterable[tuple[Model, dict[str, Any] | None, dict[str, Any]]]
    ) -> list[Change]:
        """Append one Change per (obj, before, after), as `record` would one by one, in one
        bulk insert: the chain is computed here in memory, the company row and the head file
        learn the new end once (at `close`), and the screens get one nudge for the run
        (`changes_appended`, with its last Change) instead of one per Change."""
        records = list(records)
        end, key = (self.company.last_seq, self.company.last_hash), self._key()
        changes = []
        encoded = []
        for obj, before, after in records:
            change = self._change_new(verb, obj, before=before, after=after)
            # Each side encoded once: that text is what the database stores, and decoded it is
            # the stored form the hash covers (chain.stored_form would encode it again).
            texts = tuple(_encoded(side) for side in _sides(change))
            stored = (_decoded(texts[0]), _decoded(texts[1]))
            change.hash = change_hash(change, prev_hash=change.prev_hash, key=key, stored=stored)
            self._advance(change)
            changes.append(change)
            encoded.append(texts)
        if not changes:
            return changes
        try:
            _changes_insert(changes, encoded)
        except BaseException:
            self.company.last_seq, self.company.last_hash = end
            del self.changes[-len(changes) :]
            raise
        for obj, _, _ in records:
            self._lock_let_go(verb, obj)
        changes_appended.send(sender=Change, last=changes[-1])
        return changes

    @staticmethod
    def _key() -> bytes:
        """The Edit Log's key, refused unless the head file's newest line was written under it."""
        key = chain_key()
        head_key_check(key)
        return key

    def _advance(self, change: Change) -> None:
        """The chain now ends at `change` (the company row learns it at `close`)."""
        self.company.last_seq, self.company.last_hash = change.seq, change.hash
        self.changes.append(change)

    def _lock_let_go(self, verb: str, obj: Model) -> None:
        """A save that ends an alteration lets go of the actor's edit lock on the record."""
        if verb in ENDING and kind_of(obj).lockable:
            lock_release(company=self.company, resource=resource_of(obj), actor=self.actor)

    def _change_new(
        self,
        verb: str,
        obj: Model,
        *,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> Change:
        """`obj`'s next Change, not yet chained nor written: `after` defaults to its registered
        snapshot (none for a deletion)."""
        kind = kind_of(obj)
        if after is None and verb != Change.Verb.DELETE:
            after = kind.snapshot(obj)
        if kind.snapshot_version > 1:  # a snapshot says which shape it has, from the second on
            before, after = (
                None if side is None else {**side, VERSION_KEY: kind.snapshot_version}
                for side in (before, after)
            )
        company, actor = self.company, self.actor
        values = {
            "company_id": company.pk,
            "seq": company.last_seq + 1,
            "at": timezone.now(),
            "actor_id": actor.pk if actor else None,
            "actor_name": actor.get_username() if actor else "",
            "verb": verb,
            "object_type": kind.name,
            "object_id": obj.pk,
            "object_repr": str(obj)[:250],
            "before": before,
            "after": after,
            "prev_hash": company.last_hash,
        }
        return instance_new(Change, values, {"company": company, "actor": actor} if actor else {})

    def close(self) -> None:
        """The company row learns where its Edit Log now ends (one UPDATE for the whole work),
        and once the work commits, so does the head file."""
        if self.changes:
            company = self.company
            Company.objects.filter(pk=company.pk).update(
                last_seq=company.last_seq, last_hash=company.last_hash
            )
            transaction.on_commit(
                partial(
                    head_append,
                    chain_id=company.chain_id,
                    seq=company.last_seq,
                    hash=company.last_hash,
                )
            )


CHANGE_FIELDS = (
    *("company", "seq", "at", "actor", "actor_name", "verb", "object_type", "object_id"),
    *("object_repr", "before", "after", "prev_hash", "hash"),
)


_JSON_ENCODER = Change._meta.get_field("after").encoder  # type: ignore[attr-defined]


def _sides(change: Change) -> tuple[Any, Any]:
    return change.before, change.after


def _encoded(side: Any) -> str:
    """A side as the Change field's encoder writes it (a creation's missing before: null)."""
    return "null" if side is None else json.dumps(side, cls=_JSON_ENCODER)


def _decoded(text: str) -> Any:
    return None if text == "null" else json.loads(text)


def _changes_insert(changes: list[Change], encoded: list[tuple[str, str]]) -> None:
    """Insert Changes in plain multi-row INSERTs (core.bulk), with their before and after as
    already encoded (`encoded`, the Change field's encoder); they learn their ids."""
    rows = [
        (c.company_id, c.seq, db_datetime(c.at), c.actor_id, c.actor_name, c.verb,
         c.object_type, c.object_id, c.object_repr, db_json_encoded(before),
         db_json_encoded(after), c.prev_hash, c.hash)
        for c, (before, after) in zip(changes, encoded, strict=True)
    ]  # fmt: skip
    for change, pk in zip(
        changes, rows_insert(Change, CHANGE_FIELDS, rows, returning_pk=True), strict=True
    ):
        change.pk = pk
        change._state.adding = False


def company_lock(
    *, company_id: int, actor: AbstractBaseUser, roles: tuple[str, ...]
) -> tuple[Company, Membership]:
    """The company row, locked until the transaction ends, and the actor's membership with one
    of `roles`; NotAllowed (403) for another role or a non-member.

    On SQLite the IMMEDIATE transaction already holds the database's write lock, so one read
    does. On PostgreSQL the company is locked first and the membership read after, in a
    statement of its own: a statement that waited for a lock sees the rows it did not lock as
    they were when it began, so a role changed by the owner's save it waited for would be
    missed."""
    if connection.features.has_select_for_update:
        Company.objects.select_for_update().filter(pk=company_id).exists()
    membership = (
        Membership.objects.select_related("company")
        .filter(company_id=company_id, user_id=actor.pk)
        .first()
    )
    if membership is None or membership.role not in roles:
        company = membership.company if membership else found(Company.objects, pk=company_id)
        raise role_refusal(company=company, membership=membership, roles=roles)
    return membership.company, membership


@contextmanager
def company_write(
    *, company: Company, actor: AbstractBaseUser, roles: tuple[str, ...] = WRITERS
) -> Iterator[UnitOfWork]:
    """A unit of work on `company` for `actor`, who must hold one of `roles` (owner or
    accountant by default); everything in it commits together or not at all."""
    with transaction.atomic(durable=True):
        locked, membership = company_lock(company_id=company.pk, actor=actor, roles=roles)
        work = UnitOfWork(company=locked, actor=actor, membership=membership)
        yield work
        work.close()


@contextmanager
def company_founding(*, company: Company, actor: AbstractBaseUser) -> Iterator[UnitOfWork]:
    """The unit of work of a company being created in the caller's transaction (nobody else
    can see it yet, so there is nothing to lock)."""
    if not connection.in_atomic_block:
        raise RuntimeError("company_founding runs inside the transaction creating the company")
    work = UnitOfWork(company=company, actor=actor)
    yield work
    work.close()
