"""The books against their Edit Log: every record as its latest Change says it is, and every
ledger's kept totals as its entries add up — naming each difference.

The hash chain shows that the Edit Log was not rewritten; this shows that the books were not
changed beside it (an entry's amount edited in the database file moves no hash).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, Case, F, Model, Q, QuerySet, Value, When

from companies.live import RESTORED_KEY
from companies.models import Company
from core.money import ZERO, format_amount, money_from_parts, money_sum_parts
from core.records import RecordKind, kinds, snapshot_fields
from editlog.chain import stored_form
from editlog.models import Change
from ledgers.models import Ledger, LedgerDay
from vouchers.models import Entry


@dataclass(frozen=True)
class Difference:
    """One place where the books and their Edit Log disagree."""

    object_key: str  # "voucher:17", "ledger:4"
    message: str

    def __str__(self) -> str:
        return f"{self.object_key}: {self.message}"


def _records_of(kind: RecordKind, company: Company) -> QuerySet[Model]:
    model = kind.model
    if model is Company:
        return model.objects.filter(pk=company.pk)
    return model.objects.filter(company=company)  # type: ignore[misc]


def _replaced_back(company: Company) -> dict[int, int]:
    """The company's replace restores: each one's seq → the seq of the archived Edit Log head
    its books were put back to (backups.restore)."""
    restores = Change.objects.filter(
        company=company, object_type="company", **{f"after__{RESTORED_KEY}__mode": "replace"}
    )
    return {seq: after[RESTORED_KEY]["head"]["seq"] for seq, after in
            restores.values_list("seq", "after")}  # fmt: skip


def _latest_changes(company: Company) -> dict[tuple[str, int], Change]:
    """Each object's latest Change, read in one pass of the log. A restore that replaced the
    books put them back as they were at an earlier seq: from it on, the latest Changes are
    those as of that seq (what came between is in the log, no longer in the books)."""
    latest: dict[tuple[str, int], Change] = {}
    back_to = _replaced_back(company)
    kept: dict[int, dict[tuple[str, int], Change]] = {}
    changes = Change.objects.filter(company=company).order_by("seq")
    for change in changes.iterator(chunk_size=2000):
        if change.seq in back_to:
            latest = dict(kept.get(back_to[change.seq], latest))
        latest[(change.object_type, change.object_id)] = change
        if change.seq in back_to.values():
            kept[change.seq] = dict(latest)
    return latest


def _snapshot_difference(kind: RecordKind, record: Model, change: Change) -> str | None:
    now = stored_form(snapshot_fields(kind.snapshot(record)))
    logged = {**kind.grown, **snapshot_fields(change.after or {})}
    logged = {key: value for key, value in logged.items() if key not in kind.notes}
    fields = sorted(key for key in now.keys() | logged.keys() if now.get(key) != logged.get(key))
    if not fields:
        return None
    return f"{', '.join(fields)} differ from the Edit Log's #{change.seq} ({change.verb})"


def records_reconcile(company: Company) -> list[Difference]:
    """Every registered kind's records of `company` against their latest Change."""
    latest = _latest_changes(company)
    differences: list[Difference] = []
    for kind in kinds():
        seen: set[int] = set()
        for record in _records_of(kind, company).iterator():
            seen.add(record.pk)
            key = f"{kind.name}:{record.pk}"
            change = latest.get((kind.name, record.pk))
            if change is None:
                seeded = kind.seeded is not None and kind.seeded(record)
                message = None if seeded else "is in the books but not in the Edit Log"
            elif change.verb == Change.Verb.DELETE:
                message = f"is in the books, but the Edit Log's #{change.seq} deleted it"
            else:
                message = _snapshot_difference(kind, record, change)
            if message:
                differences.append(Difference(key, message))
        for (object_type, object_id), change in latest.items():
            if object_type == kind.name and object_id not in seen and change.verb != "delete":
                message = f"is in the Edit Log (#{change.seq}) but not in the books"
                differences.append(Difference(f"{object_type}:{object_id}", message))
    return differences


def _side_paise(field: str, sign: int) -> Case:
    """One side of an amount in paise: the debit (sign 1) or credit (sign -1), else 0."""
    condition = Q(**{f"{field}__gt": 0}) if sign > 0 else Q(**{f"{field}__lt": 0})
    value = F(field) if sign > 0 else -F(field)
    return Case(When(condition, then=value), default=Value(0), output_field=BigIntegerField())


def money_sides_sum(field: str = "amount") -> dict[str, Any]:
    """Annotations summing debits and credits in parts that cannot overflow."""
    dh, dl = money_sum_parts(_side_paise(field, 1))
    ch, cl = money_sum_parts(_side_paise(field, -1))
    return {"dh": dh, "dl": dl, "ch": ch, "cl": cl}


def money_sides(row: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """The debits and credits `money_sides_sum` annotated, as amounts."""
    return money_from_parts(row["dh"], row["dl"]), money_from_parts(row["ch"], row["cl"])


@dataclass(frozen=True)
class Totals:
    """A company's derived figures as kept, and as its entries add them up."""

    ledgers: dict[int, tuple[str, tuple[Decimal, Decimal], tuple[Decimal, Decimal]]]
    days: dict[tuple[int, Any], tuple[tuple[Decimal, Decimal], tuple[Decimal, Decimal]]]
    entry_dates: list[tuple[int, Any]]  # (voucher id, its date): entries carrying another


NONE = (ZERO, ZERO)
# What a caller passes rows through while they are read (its progress); `iter`: nothing.
Counted = Callable[[Iterable[Any]], Iterable[Any]]


def totals_recount(company: Company, *, counted: Counted = iter) -> Totals:
    """Ledger totals and day totals, kept and recomputed from the entries of the company's
    ledgers (in SQL, grouped: one pass each), and the vouchers whose entries carry a date
    other than theirs. Only the differing ones are returned. `counted` passes the grouped
    rows through as they are read (a caller's progress)."""
    entries = Entry.objects.filter(ledger__company=company)
    grouped = entries.values("ledger_id", "date").annotate(**money_sides_sum()).order_by()
    per_day = {(row["ledger_id"], row["date"]): money_sides(row) for row in counted(grouped)}
    per_ledger: dict[int, tuple[Decimal, Decimal]] = {}
    for (ledger_id, _), (debit, credit) in per_day.items():  # the days add up to the ledger
        kept_debit, kept_credit = per_ledger.get(ledger_id, NONE)
        per_ledger[ledger_id] = (kept_debit + debit, kept_credit + credit)
    ledgers = {}
    for pk, name, debit, credit in Ledger.objects.filter(company=company).values_list(
        "id", "name", "total_debit", "total_credit"
    ):
        counted = per_ledger.get(pk, NONE)
        if (debit, credit) != counted:
            ledgers[pk] = (name, (debit, credit), counted)
    kept = {
        (ledger_id, day): (debit, credit)
        for ledger_id, day, debit, credit in LedgerDay.objects.filter(
            ledger__company=company
        ).values_list("ledger_id", "date", "debit", "credit")
    }
    days = {
        key: (kept.get(key, NONE), per_day.get(key, NONE))
        for key in kept.keys() | per_day.keys()
        if kept.get(key, NONE) != per_day.get(key, NONE)
    }
    moved = (
        Entry.objects.filter(voucher__company=company)
        .exclude(date=F("voucher__date"))
        .values_list("voucher_id", "voucher__date")
        .distinct()
        .order_by("voucher_id")
    )
    return Totals(ledgers=ledgers, days=days, entry_dates=list(moved))


def _pair(sides: tuple[Decimal, Decimal]) -> str:
    return f"Dr {format_amount(sides[0])} / Cr {format_amount(sides[1])}"


def totals_reconcile(company: Company, *, counted: Counted = iter) -> list[Difference]:
    """Each ledger's kept totals and day rows against the sum of its entries, and the
    vouchers whose entries carry another date than theirs (a day total would be wrong)."""
    totals = totals_recount(company, counted=counted)
    differences = [
        Difference(
            f"ledger:{pk}",
            f"{name}'s totals are {_pair(kept)}, its entries add up to {_pair(counted)}",
        )
        for pk, (name, kept, counted) in sorted(totals.ledgers.items())
    ]
    differences += [
        Difference(
            f"ledger:{pk}",
            f"the day total of {day:%d-%b-%Y} is {_pair(kept)}, its entries' {_pair(counted)}",
        )
        for (pk, day), (kept, counted) in sorted(totals.days.items())
    ]
    differences += [
        Difference(f"voucher:{pk}", f"entries carry a date other than its {day:%d-%b-%Y}")
        for pk, day in totals.entry_dates
    ]
    return differences


def books_reconcile(*, company: Company) -> list[Difference]:
    """Where the company's books differ from their Edit Log and from their own entries."""
    return records_reconcile(company) + totals_reconcile(company)
