"""The books against their Edit Log: every record as its latest Change says it is, and every
ledger's kept totals as its entries add up — naming each difference.

The hash chain shows that the Edit Log was not rewritten; this shows that the books were not
changed beside it (an entry's amount edited in the database file moves no hash).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Model, QuerySet

from companies.live import RESTORED_KEY
from companies.models import Company
from core.money import ZERO, format_amount
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


def _sums(rows: Any) -> dict[Any, list[Decimal]]:
    sums: dict[Any, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for key, amount in rows:
        sums[key][0 if amount > 0 else 1] += abs(amount)
    return sums


def totals_reconcile(company: Company) -> list[Difference]:
    """Each ledger's kept totals and day rows against the sum of its entries."""
    entries = Entry.objects.filter(voucher__company=company)
    per_ledger = _sums(entries.values_list("ledger_id", "amount").iterator())
    per_day = _sums(((ledger, day), amount) for ledger, day, amount in
                    entries.values_list("ledger_id", "date", "amount").iterator())  # fmt: skip
    differences = []
    for ledger in Ledger.objects.filter(company=company).order_by("pk"):
        debit, credit = per_ledger.get(ledger.pk, [ZERO, ZERO])
        if (ledger.total_debit, ledger.total_credit) != (debit, credit):
            differences.append(
                Difference(
                    f"ledger:{ledger.pk}",
                    f"{ledger.name}'s totals are Dr {format_amount(ledger.total_debit)} / "
                    f"Cr {format_amount(ledger.total_credit)}, its entries add up to "
                    f"Dr {format_amount(debit)} / Cr {format_amount(credit)}",
                )
            )
    days = LedgerDay.objects.filter(ledger__company=company)
    kept = {(d.ledger_id, d.date): [d.debit, d.credit] for d in days}
    for key in sorted(kept.keys() | per_day.keys()):
        if kept.get(key, [ZERO, ZERO]) != per_day.get(key, [ZERO, ZERO]):
            ledger_id, day = key
            differences.append(
                Difference(
                    f"ledger:{ledger_id}", f"the day total of {day:%d-%b-%Y} is not its entries'"
                )
            )
    return differences


def books_reconcile(*, company: Company) -> list[Difference]:
    """Where the company's books differ from their Edit Log and from their own entries."""
    return records_reconcile(company) + totals_reconcile(company)
