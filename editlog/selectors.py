"""Reads of the Edit Log: the change feed, the filtered log pages, the before/after diff, and
the verification of the hash chain."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from companies.models import Company
from core.errors import Invalid
from core.formatting import bidi_isolated
from core.money import format_amount, format_balance
from core.records import VERSION_KEY, RecordKind, kind_get, kinds
from core.validation import MAX_ID, optional_dates
from editlog.chain import GENESIS, chain_key, change_hash, key_id
from editlog.head import Head
from editlog.models import Change

# -- filters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeFilters:
    """Which Changes to show: by user, object type or one object, and local dates of `at`."""

    user: str = ""
    object_type: str = ""
    object_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @property
    def object_key(self) -> str:
        return f"{self.object_type}:{self.object_id}" if self.object_id is not None else ""

    @property
    def active(self) -> bool:
        return any((self.user, self.object_type, self.date_from, self.date_to))


def whole_number(value: str, *, field: str, message: str) -> int:
    """A non-negative id or seq from a query string; Invalid otherwise (no overflow, no '²')."""
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
        raise Invalid.field(field, message)
    return int(text)


def object_key_parse(key: str) -> tuple[str, int]:
    """("voucher", 17) from "voucher:17"; Invalid for anything else."""
    message = "Name an object like voucher:17 or ledger:4."
    kind, _, pk = key.strip().partition(":")
    if not kind or len(kind) > 20:
        raise Invalid.field("object", message)
    return kind.lower(), whole_number(pk, field="object", message=message)


def object_types() -> list[str]:
    """The kinds of record the log can be filtered by, in the order a user picks from."""
    return [kind.name for kind in kinds()]


def object_type_choices() -> list[tuple[str, str]]:
    """The same kinds as a user reads them: ("stock_item", "Stock Item")."""
    return [(kind.name, kind.label) for kind in kinds()]


def change_filters_parse(
    params: Mapping[str, str], *, year_start: dt.date | None = None
) -> ChangeFilters:
    """Filters from a query string: user, type, object=voucher:17, from, to (local dates; a
    short form like 15-11 in the financial year beginning `year_start`)."""
    object_type, object_id = params.get("type", "").strip().lower(), None
    if object_type and object_type not in object_types():
        raise Invalid.field("type", f"Choose one of {', '.join(object_types())}.")
    if params.get("object", "").strip():
        object_type, object_id = object_key_parse(params["object"])
    dates = optional_dates(params, "from", "to", year_start=year_start)
    return ChangeFilters(
        user=params.get("user", "").strip()[:150],
        object_type=object_type,
        object_id=object_id,
        date_from=dates["from"],
        date_to=dates["to"],
    )


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def change_filter(changes: QuerySet[Change], filters: ChangeFilters) -> QuerySet[Change]:
    if filters.user:
        changes = changes.filter(Q(actor_name=filters.user) | Q(actor__username=filters.user))
    if filters.object_type:
        changes = changes.filter(object_type=filters.object_type)
    if filters.object_id is not None:
        changes = changes.filter(object_id=filters.object_id)
    if filters.date_from:
        changes = changes.filter(at__gte=_local_midnight(filters.date_from))
    if filters.date_to:
        changes = changes.filter(at__lt=_local_midnight(filters.date_to + dt.timedelta(days=1)))
    return changes


# -- the change feed (JSON, the socket's resume) ---------------------------------------------


def change_list(
    *,
    company: Company,
    since: int = 0,
    object_key: str | None = None,
    filters: ChangeFilters | None = None,
) -> QuerySet[Change]:
    """Changes after `since` in seq order, optionally of one object ("voucher:17") or filtered."""
    changes = Change.objects.filter(company=company, seq__gt=since).order_by("seq")
    if object_key:
        kind, pk = object_key_parse(object_key)
        changes = changes.filter(object_type=kind, object_id=pk)
    return change_filter(changes, filters) if filters else changes


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
        "hash": change.hash,
    }


# -- the before/after diff -------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field (or voucher line) as it was and as it became, ready to show.

    `before` None: the field or line was added (or the object created); `after` None: removed.
    """

    label: str
    before: str | None = None
    after: str | None = None


# Labels, amounts and field order come from the record's kind (core.records); these are every
# kind's: bookkeeping a user did not change, and the amounts of a voucher line.
HIDDEN = {"id", "version", "ledger_id", VERSION_KEY}  # bookkeeping, and the snapshot's shape
LINE_AMOUNTS = frozenset({"debit", "credit"})
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _label(key: str, kind: RecordKind | None) -> str:
    if kind is not None and key in kind.labels:
        return kind.labels[key]
    return key.replace("_", " ").capitalize()


def _is_amount(key: str, kind: RecordKind | None) -> bool:
    if key in LINE_AMOUNTS:
        return True
    return kind is not None and (key in kind.amounts or key in kind.signed_amounts)


def _money(value: Any, *, signed: bool) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return format_balance(amount) if signed else format_amount(amount)


def value_text(key: str, value: Any, kind: RecordKind | None = None) -> str:
    """A snapshot value as Tally shows it: 1,00,000.00 (Dr/Cr), 26-Nov-2026, Yes/No."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if _is_amount(key, kind):
        return _money(value, signed=kind is not None and key in kind.signed_amounts)
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value).strftime("%d-%b-%Y")
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _sided(part: dict[str, Any]) -> str:
    """A line's or a bill's amount with its side: "1,00,000.00 Dr"."""
    side = "Dr" if part.get("debit") not in (None, "") else "Cr"
    amount = part.get("debit") if side == "Dr" else part.get("credit")
    return f"{_money(amount, signed=False)} {side}"


# A line's instrument and bank date, in the order Tally's Bank Allocations show them.
INSTRUMENT = ("instrument_type", "instrument_number", "instrument_date", "favouring", "bank_date")


def entry_text(entry: Any) -> str:
    """A voucher line: "Sharma Enterprises 1,00,000.00 Dr", with its bills ("Agst Ref INV-1
    6,000.00 Cr; On Account 4,000.00 Cr") and its instrument ("Cheque 004512 25-Nov-2026,
    cleared 26-Nov-2026") when it has them, so a change of either alone shows."""
    if not isinstance(entry, dict):
        return value_text("", entry)
    ledger = bidi_isolated(str(entry.get("ledger", "")))  # a name must not reorder its amount
    text = f"{ledger} {_sided(entry)}".strip()
    bills = [b for b in entry.get("bills") or () if isinstance(b, dict)]
    if bills:
        shown = (
            " ".join(filter(None, (str(b.get("type", "")), bidi_isolated(str(b.get("name", ""))))))
            + f" {_sided(b)}"
            + (f" due {value_text('due_date', b['due_date'])}" if b.get("due_date") else "")
            for b in bills
        )
        text += " — " + "; ".join(shown)
    bank = [value_text(key, entry[key]) for key in INSTRUMENT[:-1] if entry.get(key)]
    if entry.get("bank_date"):
        bank.append(f"cleared {value_text('bank_date', entry['bank_date'])}")
    if bank:
        text += " · " + " ".join(bank)
    return text


def _entry_key(entry: Any) -> str:
    return json.dumps(entry, sort_keys=True, default=str)


def _ledger_of(entry: Any) -> Any:
    return entry.get("ledger_id", entry.get("ledger")) if isinstance(entry, dict) else None


Numbered = tuple[int, Any]  # (line number, entry)


def _lines_pair(old: list[Numbered], new: list[Numbered]) -> list[FieldChange]:
    """Lines that differ within one block: the same ledger's lines pair up first, then the rest
    in order; what is left over was removed or added."""
    pairs, unpaired = [], []
    free = list(new)
    for line in old:
        same = next((n for n in free if _ledger_of(n[1]) == _ledger_of(line[1])), None)
        if same is None:
            unpaired.append(line)
        else:
            pairs.append((line, same))
            free.remove(same)
    pairs += zip(unpaired, free, strict=False)
    rows = [(n, FieldChange(f"Line {n}", entry_text(o), entry_text(e))) for (_, o), (n, e) in pairs]
    rows += [(n, FieldChange(f"Line {n}", before=entry_text(o))) for n, o in unpaired[len(free) :]]
    rows += [(n, FieldChange(f"Line {n}", after=entry_text(e))) for n, e in free[len(unpaired) :]]
    return [row for _, row in sorted(rows, key=lambda r: r[0]) if row.before != row.after]


def entries_diff(before: list[Any], after: list[Any]) -> list[FieldChange]:
    """Voucher lines compared line by line: only lines changed, added or removed, numbered as
    they stand after the change (a removed line as it stood before)."""
    matcher = SequenceMatcher(
        a=[_entry_key(e) for e in before], b=[_entry_key(e) for e in after], autojunk=False
    )
    rows: list[FieldChange] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            old = [(i + 1, before[i]) for i in range(i1, i2)]
            rows += _lines_pair(old, [(j + 1, after[j]) for j in range(j1, j2)])
    return rows


def _keys(kind: RecordKind | None, *snapshots: dict[str, Any]) -> list[str]:
    # jsonb (PostgreSQL) does not keep key order: show fields in the order the kind gives.
    order = kind.order if kind is not None else ()
    keys = {key for snapshot in snapshots for key in snapshot if key not in HIDDEN}
    return sorted(keys, key=lambda k: (order.index(k) if k in order else len(order), k))


def _blank(key: str, value: Any, kind: RecordKind | None) -> bool:
    """Nothing worth a line when an object is created or deleted: empty, No, or a zero amount."""
    if value in (None, "", False, [], {}):
        return True
    return _is_amount(key, kind) and _money(value, signed=False) == "0.00"


def _snapshot_rows(
    snapshot: dict[str, Any], *, side: str, kind: RecordKind | None
) -> list[FieldChange]:
    """Every field that has a value, on one side (a created, deleted or cancelled object)."""
    rows = []
    for key in _keys(kind, snapshot):
        value = snapshot[key]
        if key == "entries" and isinstance(value, list):
            texts = [(f"Line {i}", entry_text(e)) for i, e in enumerate(value, 1)]
        elif _blank(key, value, kind):
            continue
        else:
            texts = [(_label(key, kind), value_text(key, value, kind))]
        rows += [FieldChange(label, **{side: text}) for label, text in texts]
    return rows


def change_diff(
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    kind: RecordKind | None = None,
) -> list[FieldChange]:
    """What changed between two snapshots of a record of `kind` (its labels and field order):
    only the fields that differ (voucher entries line by line); with one side missing, every
    field of the other (a creation or a deletion)."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        if isinstance(after, dict):
            return _snapshot_rows(after, side="after", kind=kind)
        if isinstance(before, dict):
            return _snapshot_rows(before, side="before", kind=kind)
        return []
    rows: list[FieldChange] = []
    for key in _keys(kind, before, after):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key == "entries" and isinstance(old, list) and isinstance(new, list):
            rows += entries_diff(old, new)
        else:
            texts = value_text(key, old, kind), value_text(key, new, kind)
            rows.append(FieldChange(_label(key, kind), *texts))
    return rows


def change_diff_of(change: Change) -> list[FieldChange]:
    """The diff a reader wants: an alteration's changed fields, a creation's new values, and
    what a deleted or cancelled object was."""
    kind = kind_get(change.object_type)
    if change.verb == Change.Verb.CREATE:
        return change_diff(before=None, after=change.after, kind=kind)
    if change.verb in (Change.Verb.DELETE, Change.Verb.CANCEL):
        return change_diff(before=change.before, after=None, kind=kind)
    return change_diff(before=change.before, after=change.after, kind=kind)


# -- the log pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    change: Change
    diff: list[FieldChange]
    exists: bool  # the object is still there: the log has no deletion of it
    url: str = ""  # its page, while it exists and its kind has one


@dataclass(frozen=True)
class ChangePage:
    rows: list[ChangeRow]
    older: int | None  # pass as `before` for the next (older) page; None on the last page


def _deleted(company: Company, changes: list[Change]) -> set[tuple[str, int]]:
    """(type, id) of the objects among `changes` that the log says were deleted: one query.

    Every deletion records a Change, so the log itself knows what still exists."""
    linked = _linked_types()
    ids = {c.object_id for c in changes if c.object_type in linked}
    if not ids:
        return set()
    found = Change.objects.filter(
        company=company, verb=Change.Verb.DELETE, object_type__in=linked, object_id__in=ids
    ).values_list("object_type", "object_id")
    return set(found.order_by())


def _linked_types() -> dict[str, str]:
    """The url name of each kind whose records have a page of their own."""
    return {kind.name: kind.url_name for kind in kinds() if kind.url_name}


def change_rows(*, company: Company, changes: list[Change]) -> list[ChangeRow]:
    """Changes ready to show: their diff, whether their object can still be opened, and its
    page."""
    deleted = _deleted(company, changes)
    linked = _linked_types()
    rows = []
    for change in changes:
        exists = (change.object_type, change.object_id) not in deleted
        url_name = linked.get(change.object_type) if exists else None
        url = reverse(url_name, args=(company.pk, change.object_id)) if url_name else ""
        rows.append(ChangeRow(change=change, diff=change_diff_of(change), exists=exists, url=url))
    return rows


def change_page(
    *, company: Company, filters: ChangeFilters, before: int | None = None, size: int = 100
) -> ChangePage:
    """The newest `size` Changes (older than seq `before`) matching `filters`: two queries."""
    changes = change_filter(Change.objects.filter(company=company), filters)
    if before is not None:
        changes = changes.filter(seq__lt=before)
    found = list(changes.order_by("-seq")[: size + 1])
    shown = found[:size]
    older = shown[-1].seq if len(found) > size else None
    return ChangePage(rows=change_rows(company=company, changes=shown), older=older)


# -- verifying the chain ---------------------------------------------------------------------


@dataclass(frozen=True)
class EditLogProblem:
    company: Company
    seq: int  # the first seq the problem concerns
    message: str

    def __str__(self) -> str:
        return self.message


def _missing(company: Company, first: int, last: int) -> EditLogProblem:
    seqs = f"seq {first}" if first == last else f"seqs {first}–{last}"
    deleted = "a Change was" if first == last else "Changes were"
    message = f"{company.name}: {seqs} missing ({deleted} deleted after being written)"
    return EditLogProblem(company=company, seq=first, message=message)


def _altered(company: Company, seq: int) -> EditLogProblem:
    message = f"Change #{seq} of {company.name} was altered after it was written (hash mismatch)"
    return EditLogProblem(company=company, seq=seq, message=message)


def _rewritten(company: Company, seq: int) -> EditLogProblem:
    message = (
        f"Change #{seq} of {company.name} was rewritten after it was written (its hash was "
        f"recomputed, but Change #{seq + 1} is chained to the original)"
    )
    return EditLogProblem(company=company, seq=seq, message=message)


def _truncated(company: Company, head: Head, last_seq: int) -> EditLogProblem:
    first = last_seq + 1
    seqs = f"Change #{first}" if first == head.seq else f"Changes #{first}–#{head.seq}"
    message = (
        f"{company.name}: {seqs} missing at the end of the Edit Log (the head file saw "
        f"#{head.seq} committed; the log was cut back to #{last_seq})"
    )
    return EditLogProblem(company=company, seq=first, message=message)


def _head_differs(company: Company, head: Head) -> EditLogProblem:
    message = (
        f"Change #{head.seq} of {company.name} is not the one committed (its hash differs from "
        f"the head file's {head.hash[:12]}…): the log up to it was rewritten and re-chained"
    )
    return EditLogProblem(company=company, seq=head.seq, message=message)


def _other_key(company: Company, head: Head, current: str) -> EditLogProblem:
    message = (
        f"{company.name}: the head file's Change #{head.seq} was written under another Edit Log "
        f"key (id {head.key_id}; this server's is {current}): the key was replaced. Put "
        "var/editlog_key back from the keys' backup (every hash made under it reads as altered)"
    )
    return EditLogProblem(company=company, seq=head.seq, message=message)


def _chain_walk(company: Company, last_seq: int, head: Head | None) -> Iterator[EditLogProblem]:
    """Each row's own hash, its link to the row before, the gaps between seqs, and the row the
    head file names."""
    expected, prev, prev_intact = 1, GENESIS, True
    key = chain_key()
    if head is not None and head.key_id and head.key_id != key_id(key):
        yield _other_key(company, head, key_id(key))
    changes = Change.objects.filter(company=company, seq__lte=last_seq).order_by("seq")
    for change in changes.iterator(chunk_size=2000):
        intact = change.hash == change_hash(change, prev_hash=change.prev_hash, key=key)
        if intact and head is not None and change.seq == head.seq and change.hash != head.hash:
            yield _head_differs(company, head)
        if change.seq != expected:
            yield _missing(company, expected, change.seq - 1)  # the link went with the gap
        elif intact and prev_intact and change.prev_hash != prev:
            # Both rows are self-consistent: the one before was rehashed (the first row has
            # nothing before it, so its own start was).
            yield _rewritten(company, change.seq - 1) if change.seq > 1 else _altered(company, 1)
        if not intact:
            yield _altered(company, change.seq)
        expected, prev, prev_intact = change.seq + 1, change.hash, intact
    if expected <= last_seq:
        yield _missing(company, expected, last_seq)
    if head is not None and head.seq > last_seq:
        yield _truncated(company, head, last_seq)


def editlog_verify(*, company: Company, head: Head | None = None) -> list[EditLogProblem]:
    """Walk the company's Changes in seq order, recompute the keyed hash chain, check the seqs
    are gap-free 1..Company.last_seq and, given the company's `head` from the head file, that
    the log still reaches it unchanged; the problems found, in seq order (none: intact)."""
    last_seq = Company.objects.values_list("last_seq", flat=True).get(pk=company.pk)
    problems: list[EditLogProblem] = []
    for problem in _chain_walk(company, last_seq, head):
        if not problems or problems[-1].seq != problem.seq:  # one problem per seq is enough
            problems.append(problem)
    # Read in this order, a row committed meanwhile is never taken for one written behind the
    # application's back: a commit raises last_seq with its row.
    newest = Change.objects.filter(company=company).aggregate(newest=Max("seq"))["newest"]
    last_seq = Company.objects.values_list("last_seq", flat=True).get(pk=company.pk)
    if newest is not None and newest > last_seq:
        message = f"{company.name}: Change #{newest} is beyond the last seq {last_seq}"
        problems.append(EditLogProblem(company=company, seq=newest, message=message))
    return problems


def change_head(*, company: Company) -> Change | None:
    """The company's newest Change: its hash vouches for the whole chain before it."""
    return Change.objects.filter(company=company).order_by("-seq").first()
