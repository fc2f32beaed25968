"""Writes of the Bank Reconciliation: bank dates on a bank ledger's entries (each voucher
touched gets its next version and one Change), a bank's statement format, statement imports,
and accepted statement matches — each in one unit of work (editlog.write.company_write)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from banking.forms import NO_DATES, FormatDraft, bank_dates_draft, format_draft, matches_draft
from banking.models import StatementFormat, StatementLine
from banking.snapshots import statement_format_snapshot, statement_line_snapshot
from banking.statements import statement_parse
from companies.models import Company
from core.errors import Invalid, Parsed
from editlog.write import UnitOfWork, company_write
from ledgers.models import Ledger
from vouchers.bills import is_bank
from vouchers.models import BankAllocation, Entry, Voucher
from vouchers.snapshots import voucher_snapshot


def _bank_checked(ledger: Ledger) -> None:
    if not is_bank(ledger):
        raise Invalid.field(
            "ledger", f"{ledger.name} is not a bank ledger: bank dates go on a bank's entries."
        )


def _entries_read(work: UnitOfWork, ledger: Ledger, ids: set[int]) -> list[Entry]:
    """The entries of `ledger` named, read under the lock; Invalid naming any that is not."""
    entries = list(
        Entry.objects.filter(pk__in=ids, ledger=ledger, voucher__company=work.company)
        .select_related("voucher__voucher_type", "bank")
        .order_by("voucher_id", "position")
    )
    missing = sorted(ids - {entry.pk for entry in entries})
    if missing:
        raise Invalid.field(
            f"dates.{missing[0]}", f"Entry {missing[0]} is not an entry of {ledger.name}."
        )
    return entries


def _dates_check(entries: list[Entry], dates: dict[int, dt.date | None]) -> None:
    """A bank clears an entry on or after its voucher's date."""
    for entry in entries:
        day = dates[entry.pk]
        if day is not None and day < entry.date:
            raise Invalid.field(
                f"dates.{entry.pk}",
                f"The bank date {day:%d-%b-%Y} is before the date of {entry.voucher} "
                f"({entry.date:%d-%b-%Y}): a bank clears an entry on or after its voucher's day.",
            )


def _vouchers_bumped(
    work: UnitOfWork, entries: list[Entry], versions: dict[int, int]
) -> dict[int, tuple[Voucher, dict[str, Any]]]:
    """Each voucher of `entries`, refused while someone else holds its edit lock, with its
    snapshot as it was, moved to its next version if it is still at the version sent."""
    bumped: dict[int, tuple[Voucher, dict[str, Any]]] = {}
    for entry in entries:
        voucher = entry.voucher
        if voucher.pk in bumped:
            continue
        work.guard(voucher)
        if voucher.pk not in versions:
            raise Invalid.field(
                f"versions.{voucher.pk}", f"Send the version you read of {voucher}."
            )
        before = voucher_snapshot(voucher)
        work.bump(voucher, versions[voucher.pk])
        bumped[voucher.pk] = (voucher, before)
    return bumped


def _allocations_write(entries: list[Entry], dates: dict[int, dt.date | None]) -> None:
    """Each entry's bank date, on its BankAllocation (made for an entry without one)."""
    changed, made = [], []
    for entry in entries:
        bank = getattr(entry, "bank", None)
        if bank is None:
            if dates[entry.pk] is not None:
                made.append(
                    BankAllocation(
                        entry=entry, ledger_id=entry.ledger_id, bank_date=dates[entry.pk]
                    )
                )
        elif bank.bank_date != dates[entry.pk]:
            bank.bank_date = dates[entry.pk]
            changed.append(bank)
    BankAllocation.objects.bulk_update(changed, ["bank_date"])
    BankAllocation.objects.bulk_create(made)


def bank_dates_post(
    work: UnitOfWork,
    *,
    ledger: Ledger,
    dates: dict[int, dt.date | None],
    versions: dict[int, int],
) -> list[Voucher]:
    """Set or clear (None) the bank dates of entries of a bank ledger, in `work`; each voucher
    touched moves to its next version and records one Change. Raises Invalid, Locked,
    StaleVersion."""
    _bank_checked(ledger)
    if not dates:
        raise Invalid.field("dates", NO_DATES)
    entries = _entries_read(work, ledger, set(dates))
    bumped = _vouchers_bumped(work, entries, versions)
    _dates_check(entries, dates)
    _allocations_write(entries, dates)
    for voucher, before in bumped.values():
        voucher.change = work.record(  # type: ignore[attr-defined]
            "alter", voucher, before=before, after=voucher_snapshot(voucher)
        )
    _lines_released(work, ledger, [entry for entry in entries if dates[entry.pk] is None])
    return [voucher for voucher, _ in bumped.values()]


def _lines_released(work: UnitOfWork, ledger: Ledger, cleared: list[Entry]) -> None:
    """The statement lines matched with entries whose bank date was cleared become unmatched
    (each records an "alter"), so the reconciliation proposes them again: a line clears the
    entry of its voucher on this bank of the opposite amount."""
    if not cleared:
        return
    wanted = {(entry.voucher_id, -entry.amount) for entry in cleared}
    lines = [
        line
        for line in StatementLine.objects.filter(
            ledger=ledger, matched=True, voucher_id__in={v for v, _ in wanted}
        ).order_by("pk")
        if (line.voucher_id, line.amount) in wanted
    ]
    befores = [statement_line_snapshot(line) for line in lines]
    for line in lines:
        line.matched, line.voucher_id = False, None
    StatementLine.objects.bulk_update(lines, ["matched", "voucher"])
    work.record_many(
        "alter",
        [
            (line, before, statement_line_snapshot(line))
            for line, before in zip(lines, befores, strict=True)
        ],
    )


def bank_dates_set(
    *,
    company: Company,
    actor: AbstractBaseUser,
    ledger: Ledger,
    dates: dict[int, dt.date | None],
    versions: dict[int, int],
) -> list[Voucher]:
    """Set or clear the bank dates of a bank ledger's entries (`dates`: entry id → day or
    None), the vouchers read at `versions` (voucher id → version). Raises Invalid, NotAllowed,
    Locked or StaleVersion; records one Change ("alter") per voucher touched."""
    with company_write(company=company, actor=actor) as work:
        return bank_dates_post(work, ledger=ledger, dates=dates, versions=versions)


def bank_dates_save(
    *, company: Company, actor: AbstractBaseUser, ledger: Ledger, data: dict[str, Any]
) -> list[Voucher]:
    """`bank_dates_set` from a JSON body or the reconciliation page's form
    (banking.forms.bank_dates_draft), parsed before the lock; Invalid is raised after the role
    check, as every save's."""
    draft = Parsed(bank_dates_draft, company=company, data=data, today=timezone.localdate())
    with company_write(company=company, actor=actor) as work:
        parsed = draft.get()
        return bank_dates_post(work, ledger=ledger, dates=parsed.dates, versions=parsed.versions)


def statement_format_set(
    *, company: Company, actor: AbstractBaseUser, ledger: Ledger, data: dict[str, Any]
) -> StatementFormat:
    """Set how `ledger`'s bank statements read (once per bank). Raises Invalid or NotAllowed;
    records a Change ("create" the first time, then "alter")."""
    draft: Parsed[FormatDraft] = Parsed(format_draft, data=data)
    with company_write(company=company, actor=actor) as work:
        _bank_checked(ledger)
        fields = draft.get().fields
        fmt = StatementFormat.objects.filter(ledger=ledger).first()
        before = None if fmt is None else statement_format_snapshot(fmt)
        fmt = fmt or StatementFormat(company=work.company, ledger=ledger)
        for name, value in fields.items():
            setattr(fmt, name, value)
        fmt.save()
        work.record("create" if before is None else "alter", fmt, before=before)
    return fmt


def _line_key(line: Any) -> tuple[Any, ...]:
    return (line.date, line.amount, line.reference, line.description)


def statement_import(
    *, company: Company, actor: AbstractBaseUser, ledger: Ledger, text: Any
) -> tuple[int, int]:
    """Import a bank statement's CSV text with the ledger's format: its new lines, each
    recorded as created (a line imported before — same date, amount, reference and text — is
    passed over). Returns (imported, passed over). Raises Invalid (no format, no text, a bad
    row) or NotAllowed."""
    with company_write(company=company, actor=actor) as work:
        _bank_checked(ledger)
        fmt = StatementFormat.objects.filter(ledger=ledger).first()
        if fmt is None:
            raise Invalid.field("format", f"Set the statement format of {ledger.name} first.")
        if not isinstance(text, str):
            raise Invalid.field(
                "csv", "Send the statement: choose its CSV file (or send its text)."
            )
        parsed = statement_parse(fmt, text)
        days = {line.date for line in parsed}
        known = {
            _line_key(line) for line in StatementLine.objects.filter(ledger=ledger, date__in=days)
        }
        fresh = [
            StatementLine(
                company=work.company,
                ledger=ledger,
                date=line.date,
                description=line.description,
                reference=line.reference,
                amount=line.amount,
            )
            for line in parsed
            if _line_key(line) not in known
        ]
        StatementLine.objects.bulk_create(fresh)
        work.record_many("create", [(line, None, statement_line_snapshot(line)) for line in fresh])
    return len(fresh), len(parsed) - len(fresh)


def statement_matches_accept(
    *, company: Company, actor: AbstractBaseUser, ledger: Ledger, data: dict[str, Any]
) -> list[StatementLine]:
    """Accept statement lines as clearing book entries (banking.forms.matches_draft): each
    entry gets its line's date as bank date (`bank_dates_post`: versions, Changes, locks), each
    line is matched and records an "alter". Raises Invalid (a line matched already, or not of
    this bank; an entry of another amount), NotAllowed, Locked or StaleVersion."""
    draft = Parsed(matches_draft, data=data)
    with company_write(company=company, actor=actor) as work:
        _bank_checked(ledger)
        matches = draft.get()
        lines = _lines_unmatched(ledger, matches.matches)
        dates: dict[int, dt.date | None] = {matches.matches[line.pk]: line.date for line in lines}
        if len(dates) < len(lines):
            raise Invalid.field("matches", "Two statement lines cannot clear the same entry.")
        _amounts_check(lines, matches.matches)
        bank_dates_post(work, ledger=ledger, dates=dates, versions=matches.versions)
        befores = [statement_line_snapshot(line) for line in lines]
        vouchers = dict(
            Entry.objects.filter(pk__in=dates).values_list("pk", "voucher_id").order_by()
        )
        for line in lines:
            line.matched, line.voucher_id = True, vouchers[matches.matches[line.pk]]
        StatementLine.objects.bulk_update(lines, ["matched", "voucher"])
        work.record_many(
            "alter",
            [
                (line, before, statement_line_snapshot(line))
                for line, before in zip(lines, befores, strict=True)
            ],
        )
    return lines


def _lines_unmatched(ledger: Ledger, matches: dict[int, int]) -> list[StatementLine]:
    lines = list(
        StatementLine.objects.filter(ledger=ledger, pk__in=matches)
        .select_related("ledger")
        .order_by("pk")
    )
    missing = sorted(set(matches) - {line.pk for line in lines})
    if missing:
        raise Invalid.field(
            f"matches.{missing[0]}", f"Statement line {missing[0]} is not {ledger.name}'s."
        )
    for line in lines:
        if line.matched:
            raise Invalid.field(
                f"matches.{line.pk}", f"The statement line of {line} is matched already."
            )
    return lines


def _amounts_check(lines: list[StatementLine], matches: dict[int, int]) -> None:
    """A line clears an entry of its amount on the other side (a deposit, a Dr in the books)."""
    amounts = dict(
        Entry.objects.filter(pk__in=[matches[line.pk] for line in lines]).values_list(
            "pk", "amount"
        )
    )
    for line in lines:
        amount = amounts.get(matches[line.pk])
        if amount is not None and amount != -line.amount:
            raise Invalid.field(
                f"matches.{line.pk}",
                f"The statement line of {line} cannot clear an entry of {abs(amount)} "
                f"{'Dr' if amount > 0 else 'Cr'}: the amounts differ.",
            )
