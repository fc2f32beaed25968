"""The registry of record kinds: what the Edit Log, edit locks and live screens need to know
about each kind of record, registered by the app that owns it (in its AppConfig.ready).

Adding a kind of record is one `register` call: `editlog` keeps its snapshots and labels its
diffs, `locking` locks it when it is lockable, `sync` sends what its live patcher renders —
none of them names a kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Model


@dataclass
class Patch:
    """What one saved change alters on open screens: out-of-band HTML fragments (viewer
    neutral), and the ids of regions too costly to patch that browsers fetch again."""

    html: list[str] = field(default_factory=list)
    refresh: list[str] = field(default_factory=list)
    # Every region of the company's screens is out of date (its books were replaced from a
    # backup): sync sends a resync frame in the Change's place, and screens fetch all regions.
    resync: bool = False

    def oob(self, fragment: str) -> None:
        # Inside <template>, table rows parse as rows wherever they are swapped to.
        self.html.append(f"<template>{fragment}</template>")


class LiveState:
    """What one company's live patchers keep between Changes in one process, so that a Change
    is rendered from its snapshot and kept figures rather than from whole-company reads: `kept`
    lasts while the company is followed (sync's hub holds one per company), `batch` is emptied
    before each batch of Changes is rendered (what the batch read once for all its Changes)."""

    def __init__(self) -> None:
        self.kept: dict[str, Any] = {}
        self.batch: dict[str, Any] = {}

    def batch_begin(self) -> None:
        self.batch = {}


# A live patcher: adds to the Patch what a Change (editlog.models.Change) alters on screens,
# reading what it needs from the company's LiveState.
Patcher = Callable[[Patch, Any, LiveState], None]
# A live note: what a Change will need, noted in the LiveState before its batch is rendered,
# so that the batch reads it once for all its Changes.
Noter = Callable[[Any, LiveState], None]


@dataclass(frozen=True)
class RecordKind:
    """One kind of record. `name` is its `object_type` in the Edit Log and the prefix of its
    lock resource ("voucher:17"), so it never changes once Changes carry it."""

    name: str
    model: type[Model]
    label: str
    # What the Edit Log keeps of a record: hashed into the chain, so its shape only grows, and
    # a new shape gets a new `snapshot_version` (stored in each snapshot as VERSION_KEY from 2
    # on, by UnitOfWork.record).
    snapshot: Callable[[Any], dict[str, Any]]
    snapshot_version: int = 1
    # Keys the snapshot grew after Changes were recorded without them, with the value a
    # snapshot without the key means (a new setting's default): reconciling the books with an
    # older Change reads it so.
    grown: Mapping[str, Any] = field(default_factory=dict)
    # Keys of a snapshot that say something about the Change rather than the record (the
    # archive a restore came from): the books are not compared with the log on them.
    notes: frozenset[str] = frozenset()
    lockable: bool = False
    # Edit Log diff: labels for snapshot keys, keys shown as amounts (signed: Dr/Cr), and the
    # order a reader expects (jsonb keeps none).
    labels: Mapping[str, str] = field(default_factory=dict)
    amounts: frozenset[str] = frozenset()
    signed_amounts: frozenset[str] = frozenset()
    order: tuple[str, ...] = ()
    # Records made with their company, before any Change of their own (Tally's predefined
    # groups and ledgers, the founding owner): having no Change is not a difference for them.
    seeded: Callable[[Any], bool] | None = None
    # The record's page for a link from the Edit Log: url name taking (company id, record id).
    url_name: str = ""
    live: Patcher | None = None
    live_note: Noter | None = None
    # Where the kind stands in lists a user picks from (the Edit Log's type filter): lower first.
    position: int = 100
    # Many records' snapshots at once, (record, snapshot) in the queryset's order, in a few
    # queries rather than some per record (a bulk recording: a copy restore). None: `snapshot`
    # one by one.
    snapshots: Callable[[Any], Iterable[tuple[Any, dict[str, Any]]]] | None = None


# Where a snapshot of a kind's second (or later) shape says which shape it is.
VERSION_KEY = "_v"


def snapshot_fields(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A snapshot's fields without its shape's version: what an API answer built from a
    recorded snapshot (a save's answer, a replay) shows."""
    return {key: value for key, value in snapshot.items() if key != VERSION_KEY}


_kinds: dict[str, RecordKind] = {}


def register(kind: RecordKind) -> RecordKind:
    """Add a kind (once per name; registering the same model again replaces it, as a test app's
    reload does)."""
    existing = _kinds.get(kind.name)
    if existing is not None and existing.model is not kind.model:
        raise ValueError(f"Record kind {kind.name!r} is registered for {existing.model.__name__}")
    twin = next((k for k in _kinds.values() if k.model is kind.model), None)
    if twin is not None and twin.name != kind.name:
        raise ValueError(f"{kind.model.__name__} is registered as {twin.name!r} already")
    _kinds[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    _kinds.pop(name, None)


def kind_get(name: str) -> RecordKind | None:
    return _kinds.get(name)


def kind_of(obj: Model | type[Model]) -> RecordKind:
    """The kind of a record (or model); LookupError for a model nobody registered."""
    model = obj if isinstance(obj, type) else type(obj)
    for kind in _kinds.values():  # a handful of kinds; a kind's name need not be its model's
        if kind.model is model:
            return kind
    raise LookupError(f"{model.__name__} is not a registered record kind (core.records)")


def resource_of(obj: Model) -> str:
    """The name a record's edit lock goes by: its kind and id, "voucher:17"."""
    return f"{kind_of(obj).name}:{obj.pk}"


def kinds() -> list[RecordKind]:
    """Every kind, by `position` (then as registered)."""
    return sorted(_kinds.values(), key=lambda kind: kind.position)


def lockable_kinds() -> list[RecordKind]:
    return [kind for kind in kinds() if kind.lockable]


# -- what a company's backup archive holds (backups) -----------------------------------------


@dataclass(frozen=True)
class ArchivedTable:
    """A table whose rows belong to one company and go into its backup archive, registered by
    the app that owns it (AppConfig.ready), so that backups names no model: a new app's tables
    are archived and restored by registering them.

    `company` is the lookup from a row to its company's id ("company", "voucher__company";
    "pk" for the company itself). Foreign keys to the user model are carried as user names.
    `derived`: recomputed from the other tables after a restore (`rebuild_register`), so not
    carried. `log`: the Edit Log — hashed with its ids, so kept verbatim, never deleted by a
    restore, and not carried into a copy (whose ids differ: its chain starts afresh)."""

    model: type[Model]
    company: str = "company"
    derived: bool = False
    log: bool = False

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


_archived: dict[str, ArchivedTable] = {}
# What rebuilds derived tables (and kept totals) of one company from the rows a restore loaded.
Rebuild = Callable[[Any], None]
_rebuilds: dict[str, Rebuild] = {}


def archive_register(table: ArchivedTable) -> ArchivedTable:
    """Add a table to every company's archive (registering a model again replaces it)."""
    _archived[table.label] = table
    return table


def archived_tables() -> list[ArchivedTable]:
    """Every registered table, by label (backups orders them by their foreign keys)."""
    return [_archived[label] for label in sorted(_archived)]


def rebuild_register(name: str, rebuild: Rebuild) -> None:
    """Run `rebuild(company)` after every restore, inside its transaction, in name order."""
    _rebuilds[name] = rebuild


def rebuilds() -> list[Rebuild]:
    return [_rebuilds[name] for name in sorted(_rebuilds)]


# -- the stock the final accounts value (inventory registers it, reports reads it) ------------


@dataclass(frozen=True)
class StockValues:
    """Σ of a company's stock items' values, as the final accounts show them when the company
    integrates accounts with inventory: at the books' beginning (the items' openings), at a
    period's start (its Opening Stock) and at its end (its Closing Stock)."""

    books_opening: Decimal
    opening: Decimal
    closing: Decimal


StockValuer = Callable[[Any, dt.date, dt.date], StockValues | None]
_stock_valuers: dict[str, StockValuer] = {}


def stock_valuer_register(valuer: StockValuer) -> None:
    """What values a company's stock for a period (`valuer(company, date_from, date_to)`):
    registered by inventory, read by reports — siblings, neither imports the other."""
    _stock_valuers["stock"] = valuer


def stock_values(company: Any, date_from: dt.date, date_to: dt.date) -> StockValues | None:
    """The company's stock values for the period; None with no valuer registered, or when the
    valuer finds no stock to value."""
    valuer = _stock_valuers.get("stock")
    return valuer(company, date_from, date_to) if valuer else None
