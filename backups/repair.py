"""Repair the books: rebuild what is derived from the entries, move the rows that cannot be read
rightly to the Exceptions list, and list everything else for a person — never editing an
amount, never balancing a voucher (NOTES.md C.4's repair rules).

What each check's findings get:

- B01 (rebuild): entries' dates put back to their voucher's, then ledger totals and day totals
  recomputed from the entries (every registered rebuild, as after a restore).
  Derived, in no record's snapshot, so no Change is recorded.
- V01, V02 and M01 on a voucher (quarantine): the voucher with its entries, whole, to the
  Exceptions list; the Edit Log records the voucher's deletion and the exception's creation.
- M01 on an entry whose voucher is gone (quarantine): the entry to the Exceptions list (its
  creation recorded).
- Everything else (listed): V07, V08, M01 on ledgers and groups (moving a master would take the
  vouchers using it along), M02, B03, B05, A01, D01. A person alters the record, or restores a
  backup.

Quarantine runs before the rebuild, so the totals come out without the rows moved. The whole
repair is one unit of work of an owner (`company_write`): the company's write lock is held from
the first read to the commit, so nobody saves mid-repair; it is idempotent, as a second run
finds nothing to move or rebuild.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from backups.models import DataException
from backups.verify import Finding, books_verify, checks
from books.reconcile import totals_recount
from companies.access import OWNERS
from companies.models import Company
from core.records import rebuilds
from editlog.write import UnitOfWork, company_write
from vouchers.models import Entry, Voucher
from vouchers.snapshots import voucher_snapshot

QUARANTINED = ("V01", "V02", "M01")  # on a voucher or an orphan entry
# A01 is read from the company row's last seq, which the unit of work moves only at its end:
# it is taken from the run before the repair (a repair only appends to the log).
AFTER = [c.id for c in checks() if c.id != "A01"]

SafetyBackup = Callable[[Company], Any]


@dataclass
class RepairReport:
    company: Company
    backup: Any = None  # what the safety backup returned (its path)
    quarantined: list[DataException] = field(default_factory=list)
    rebuilt: list[str] = field(default_factory=list)
    listed: list[Finding] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.quarantined or self.rebuilt)


def books_repair(
    *, company: Company, actor: AbstractBaseUser, backup: SafetyBackup | None
) -> RepairReport:
    """Repair `company`'s books as `actor` (an owner). `backup(company)` takes the safety
    backup first, under the company's lock, so it is exactly the books repaired (a file: it
    stays if the repair fails); None: the caller chose to go without one."""
    report = RepairReport(company=company)
    with company_write(company=company, actor=actor, roles=OWNERS) as work:
        if backup is not None:
            report.backup = backup(work.company)
        found = books_verify(company=work.company, database=False)
        _quarantine(work, found, report)
        if not (report.quarantined or any(f.check_id == "B01" for f in found)):
            report.listed = found  # nothing to move or rebuild: the findings stand as read
            return report
        report.rebuilt = _rebuild(work.company)
        after = books_verify(company=work.company, ids=AFTER, database=False)
        report.listed = after + [f for f in found if f.check_id == "A01"]
    return report


# -- quarantine ------------------------------------------------------------------------------


def _to_quarantine(findings: Iterable[Finding]) -> dict[tuple[str, int], list[Finding]]:
    chosen: dict[tuple[str, int], list[Finding]] = defaultdict(list)
    for finding in findings:
        kind = finding.object_type
        if finding.check_id in QUARANTINED and kind in ("voucher", "entry"):
            chosen[(kind, finding.object_id or 0)].append(finding)
    return chosen


def _quarantine(work: UnitOfWork, findings: list[Finding], report: RepairReport) -> None:
    for (kind, pk), why in sorted(_to_quarantine(findings).items()):
        move = _voucher_move if kind == "voucher" else _entry_move
        moved = move(work, pk, why)
        if moved is not None:
            work.record("create", moved, before=None)
            report.quarantined.append(moved)


def _exception(work: UnitOfWork, kind: str, pk: int, why: list[Finding], content: Any) -> Any:
    return DataException.objects.create(
        company=work.company,
        object_type=kind,
        object_id=pk,
        check_id=min(f.check_id for f in why),
        message="; ".join(dict.fromkeys(f.message for f in why)),
        content=content,
        moved_at=timezone.now(),
        moved_by=work.actor,
    )


def _voucher_move(work: UnitOfWork, pk: int, why: list[Finding]) -> DataException | None:
    """The voucher and its entries, whole, to the Exceptions list; its deletion logged."""
    voucher = Voucher.objects.filter(pk=pk, company=work.company).first()
    if voucher is None:
        return None
    entries = Entry.objects.filter(voucher_id=pk).order_by("position")
    content = {
        "voucher": Voucher.objects.filter(pk=pk).values().get(),
        "entries": list(entries.values()),
    }
    before = _voucher_before(voucher, content)
    entries.delete()
    Voucher.objects.filter(pk=pk).delete()
    work.record("delete", voucher, before=before)
    return _exception(work, "voucher", pk, why, content)


def _voucher_before(voucher: Voucher, content: dict[str, Any]) -> dict[str, Any]:
    """The voucher as the Edit Log keeps it; from its raw rows when its type or a ledger is
    gone (the snapshot reads them)."""
    try:
        return voucher_snapshot(voucher)
    except ObjectDoesNotExist:
        row = content["voucher"]
        lines = [
            {"ledger_id": e["ledger_id"], ("debit" if e["amount"] > 0 else "credit"): abs(amount)}
            for e in content["entries"]
            for amount in [e["amount"]]
        ]
        return {"id": voucher.pk, "number": row["number"], "date": row["date"], "entries": lines}


def _entry_move(work: UnitOfWork, pk: int, why: list[Finding]) -> DataException | None:
    # Ordered by id: Entry's default order joins its voucher, which this one lacks.
    entry = (
        Entry.objects.filter(pk=pk, ledger__company=work.company).order_by("pk").values().first()
    )
    if entry is None:
        return None
    Entry.objects.filter(pk=pk).delete()
    return _exception(work, "entry", pk, why, {"entry": entry})


# -- rebuild ---------------------------------------------------------------------------------


def _rebuild(company: Company) -> list[str]:
    """Put the derived figures back as the entries make them (`ledger_totals_rebuild`, what a
    restore runs too), when they differ; what differed, in words."""
    done = []
    totals = totals_recount(company)
    for voucher_id, day in totals.entry_dates:
        Entry.objects.filter(voucher_id=voucher_id).update(date=day)
        done.append(f"voucher:{voucher_id}: entries' date set to its {day:%d-%b-%Y}")
    if totals.entry_dates:
        totals = totals_recount(company)
    for pk, (name, _, _) in sorted(totals.ledgers.items()):
        done.append(f"ledger:{pk}: {name}'s totals recomputed")
    for pk, day in sorted(totals.days):
        done.append(f"ledger:{pk}: day total of {day:%d-%b-%Y} recomputed")
    if totals.ledgers or totals.days:
        for rebuild in rebuilds():  # every app's derived tables, as a restore rebuilds them
            rebuild(company)
    return done
