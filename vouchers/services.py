"""Writes on vouchers: create, alter, cancel, delete — each one transaction, one Change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from companies.models import Company
from companies.services import company_lock, version_bump, writer_require
from core.errors import Invalid
from core.money import MAX_AMOUNT, ZERO, format_amount, parse_amount
from core.validation import clean_text, parse_date, parse_id
from editlog.idempotency import RequestKey
from editlog.services import change_record
from ledgers.models import Ledger
from ledgers.services import ledger_totals_post
from locking.services import lock_check, lock_release
from vouchers.models import Entry, Voucher, VoucherType
from vouchers.selectors import voucher_number_next
from vouchers.snapshots import voucher_snapshot

Base = VoucherType.Base
# Tally's predefined accounting voucher types: (name, base, abbreviation, key).
VOUCHER_TYPES = [
    ("Contra", Base.CONTRA, "Ctra", "F4"),
    ("Payment", Base.PAYMENT, "Pymt", "F5"),
    ("Receipt", Base.RECEIPT, "Rcpt", "F6"),
    ("Journal", Base.JOURNAL, "Jrnl", "F7"),
    ("Sales", Base.SALES, "Sale", "F8"),
    ("Purchase", Base.PURCHASE, "Purc", "F9"),
    ("Credit Note", Base.CREDIT_NOTE, "C/Note", "Alt+F6"),
    ("Debit Note", Base.DEBIT_NOTE, "D/Note", "Alt+F5"),
]
MAX_LINES = 500
MAX_NARRATION = 2000


def voucher_types_seed(*, company: Company) -> None:
    """Tally's eight accounting voucher types, for a new company."""
    VoucherType.objects.bulk_create(
        VoucherType(company=company, name=name, base=base, abbreviation=abbr, shortcut=key)
        for name, base, abbr, key in VOUCHER_TYPES
    )


@dataclass(frozen=True)
class Line:
    ledger: Ledger
    amount: Decimal  # positive = Dr

    @property
    def cash_bank(self) -> bool:
        return self.ledger.group is not None and self.ledger.group.is_cash_bank


@dataclass(frozen=True)
class Draft:
    voucher_type: VoucherType
    date: dt.date
    narration: str
    lines: list[Line]


def _type_find(company: Company, ref: Any) -> VoucherType | None:
    types = VoucherType.objects.filter(company=company)
    if isinstance(ref, int):
        return types.filter(pk=ref).first() if parse_id(ref) is not None else None
    if not isinstance(ref, str) or not ref.strip():
        return None
    key = ref.strip().lower()
    return (
        types.annotate(lname=Lower("name"))
        .filter(Q(lname=key) | Q(base=key.replace(" ", "_")))
        .order_by("id")
        .first()
    )


def _ledgers_find(company: Company, refs: list[Any]) -> tuple[dict[int, Ledger], dict[str, Ledger]]:
    """Ledgers of `company` named by id or by name, fetched in one query."""
    ids = {ledger_id for r in refs if (ledger_id := parse_id(r)) is not None}
    names = {r.strip().lower() for r in refs if isinstance(r, str) and parse_id(r) is None}
    found = (
        Ledger.objects.filter(company=company)
        .annotate(lname=Lower("name"))
        .filter(Q(pk__in=ids) | Q(lname__in=names))
        .select_related("group")
    )
    by_id = {ledger.pk: ledger for ledger in found}
    return by_id, {ledger.name.lower(): ledger for ledger in by_id.values()}


def _line_parse(
    i: int, raw: Any, by_id: dict[int, Ledger], by_name: dict[str, Ledger], errors: dict
) -> Line | None:
    key = f"entries.{i}"
    if not isinstance(raw, dict):
        errors.setdefault(key, []).append("Each line needs a ledger and a debit or credit.")
        return None
    ref = raw.get("ledger")
    ledger = None
    if (ledger_id := parse_id(ref)) is not None:
        ledger = by_id.get(ledger_id)
    elif isinstance(ref, str) and ref.strip():
        ledger = by_name.get(ref.strip().lower())
    if ledger is None:
        message = "Choose a ledger." if ref in (None, "") else f"No ledger {ref!r} in this company."
        errors.setdefault(f"{key}.ledger", []).append(message)
    debit, credit = raw.get("debit"), raw.get("credit")
    has_debit, has_credit = debit not in (None, ""), credit not in (None, "")
    if has_debit == has_credit:
        errors.setdefault(f"{key}.debit", []).append("Enter either a debit or a credit amount.")
        return None
    field, raw_amount, sign = (
        (f"{key}.debit", debit, 1) if has_debit else (f"{key}.credit", credit, -1)
    )
    try:
        amount = sign * parse_amount(raw_amount)
    except ValueError as exc:
        errors.setdefault(field, []).append(str(exc))
        return None
    return Line(ledger=ledger, amount=amount) if ledger else None


def _lines_parse(company: Company, raw_lines: Any, errors: dict) -> list[Line]:
    if not isinstance(raw_lines, list) or len(raw_lines) < 2:
        errors.setdefault("entries", []).append("A voucher needs at least two lines.")
        return []
    if len(raw_lines) > MAX_LINES:
        errors.setdefault("entries", []).append(f"A voucher has at most {MAX_LINES} lines.")
        return []
    refs = [r.get("ledger") for r in raw_lines if isinstance(r, dict)]
    by_id, by_name = _ledgers_find(company, refs)
    lines = [_line_parse(i, raw, by_id, by_name, errors) for i, raw in enumerate(raw_lines)]
    return [line for line in lines if line is not None]


def _balance_check(lines: list[Line], errors: dict) -> None:
    debit = sum((line.amount for line in lines if line.amount > 0), ZERO)
    credit = -sum((line.amount for line in lines if line.amount < 0), ZERO)
    if debit > MAX_AMOUNT:
        errors.setdefault("entries", []).append(
            f"The voucher's total is too large: at most {format_amount(MAX_AMOUNT)}."
        )
    elif debit != credit:
        errors.setdefault("entries", []).append(
            f"Debit {format_amount(debit)} ≠ Credit {format_amount(credit)}: "
            f"difference {format_amount(debit - credit)}."
        )


def _type_rules_check(voucher_type: VoucherType, lines: list[Line], errors: dict) -> None:
    """Tally's rules on which ledgers each voucher type may use."""
    base = voucher_type.base
    if base == Base.CONTRA and not all(line.cash_bank for line in lines):
        message = "A Contra voucher moves money between cash and bank ledgers only."
    elif base == Base.PAYMENT and not any(ln.cash_bank and ln.amount < 0 for ln in lines):
        message = "A Payment credits a cash or bank ledger (the money goes out of it)."
    elif base == Base.RECEIPT and not any(ln.cash_bank and ln.amount > 0 for ln in lines):
        message = "A Receipt debits a cash or bank ledger (the money comes into it)."
    elif base == Base.JOURNAL and any(line.cash_bank for line in lines):
        message = "A Journal cannot use cash or bank ledgers: use Payment, Receipt or Contra."
    else:
        return
    errors.setdefault("entries", []).append(message)


def _draft_clean(*, company: Company, data: Any, current: Voucher | None) -> Draft:
    """Validated voucher input; keys missing from an alteration keep the current values."""
    if not isinstance(data, dict):
        raise Invalid.field("__all__", "Send the voucher as an object with type, date and entries.")
    errors: dict[str, list[str]] = {}
    voucher_type = current.voucher_type if current and "type" not in data else None
    if voucher_type is None:
        voucher_type = _type_find(company, data.get("type"))
        if voucher_type is None:
            errors["type"] = ["Choose a voucher type, such as Sales or Receipt."]
    day = current.date if current and "date" not in data else None
    if day is None:
        try:
            day = parse_date(data.get("date"))
        except ValueError as exc:
            errors["date"] = [str(exc)]
        else:
            if day < company.books_beginning:
                errors["date"] = [f"The books begin on {company.books_beginning:%d-%b-%Y}."]
    narration = clean_text(
        data.get("narration", current.narration if current else ""),
        field="narration",
        max_length=MAX_NARRATION,
        errors=errors,
        multiline=True,
    )
    if current is not None and "entries" not in data:
        raw = [_line_as_input(entry) for entry in current.entries.select_related("ledger")]
    else:
        raw = data.get("entries")
    lines = _lines_parse(company, raw, errors)
    if not errors:
        _balance_check(lines, errors)
        _type_rules_check(voucher_type, lines, errors)  # type: ignore[arg-type]
    if errors:
        raise Invalid(errors)
    return Draft(voucher_type=voucher_type, date=day, narration=narration, lines=lines)  # type: ignore[arg-type]


def _line_as_input(entry: Entry) -> dict[str, Any]:
    return {"ledger": entry.ledger_id, "debit" if entry.amount > 0 else "credit": abs(entry.amount)}


def _entries_write(voucher: Voucher, lines: list[Line]) -> None:
    Entry.objects.bulk_create(
        Entry(
            voucher=voucher, ledger=line.ledger, amount=line.amount, position=i, date=voucher.date
        )
        for i, line in enumerate(lines)
    )
    ledger_totals_post(lines=[(line.ledger.pk, voucher.date, line.amount) for line in lines])


def _entries_remove(voucher: Voucher) -> list[Line]:
    """Delete the voucher's entries and take them out of the totals; returns what they were."""
    entries = list(voucher.entries.select_related("ledger").order_by("position"))
    ledger_totals_post(lines=[(e.ledger_id, e.date, e.amount) for e in entries], sign=-1)
    voucher.entries.all().delete()
    return [Line(ledger=e.ledger, amount=e.amount) for e in entries]


def voucher_create(
    *,
    company: Company,
    actor: AbstractBaseUser,
    data: Any,
    request_key: RequestKey | None = None,
) -> Voucher:
    """Create a voucher (type, date, narration, entries); the server allocates its number.

    Raises Invalid or NotAllowed; records a Change (the voucher's `change` attribute).
    """
    with transaction.atomic(durable=True):
        company = company_lock(company_id=company.pk)
        writer_require(company=company, actor=actor)
        draft = _draft_clean(company=company, data=data, current=None)
        financial_year = company.financial_year_of(draft.date)
        voucher = Voucher.objects.create(
            company=company,
            voucher_type=draft.voucher_type,
            financial_year=financial_year,
            number=voucher_number_next(
                voucher_type=draft.voucher_type, financial_year=financial_year
            ),
            date=draft.date,
            narration=draft.narration,
            created_by=actor,
            altered_by=actor,
        )
        _entries_write(voucher, draft.lines)
        voucher.change = change_record(  # type: ignore[attr-defined]
            company=company,
            actor=actor,
            verb="create",
            obj=voucher,
            before=None,
            after=voucher_snapshot(voucher, draft.lines),
            request_key=request_key,
        )
    return voucher


def _voucher_for_write(company: Company, voucher: Voucher, actor: AbstractBaseUser) -> Voucher:
    """Check the actor may write and nobody else holds the voucher's edit lock, and re-read
    the voucher inside the company lock."""
    writer_require(company=company, actor=actor)
    lock_check(company=company, resource=f"voucher:{voucher.pk}", actor=actor)
    return Voucher.objects.select_related("voucher_type").get(pk=voucher.pk, company=company)


def voucher_alter(
    *,
    company: Company,
    voucher: Voucher,
    actor: AbstractBaseUser,
    data: Any,
    version: Any,
    request_key: RequestKey | None = None,
) -> Voucher:
    """Alter a voucher read at `version` (a new type or financial year gets a new number).

    Raises Invalid, NotAllowed, Locked (someone else is altering it) or StaleVersion;
    records a Change and releases the actor's edit lock.
    """
    with transaction.atomic(durable=True):
        company = company_lock(company_id=company.pk)
        voucher = _voucher_for_write(company, voucher, actor)
        version_bump(obj=voucher, version=version, actor=actor)
        if voucher.is_cancelled:
            raise Invalid.field("__all__", f"{voucher} is cancelled and cannot be altered.")
        draft = _draft_clean(company=company, data=data, current=voucher)
        before_lines = _entries_remove(voucher)
        before = voucher_snapshot(voucher, before_lines)
        before["version"] = voucher.version - 1
        financial_year = company.financial_year_of(draft.date)
        if (draft.voucher_type.pk, financial_year) != (
            voucher.voucher_type_id,
            voucher.financial_year,
        ):
            voucher.number = voucher_number_next(
                voucher_type=draft.voucher_type, financial_year=financial_year
            )
        voucher.voucher_type = draft.voucher_type
        voucher.financial_year = financial_year
        voucher.date = draft.date
        voucher.narration = draft.narration
        voucher.save()
        _entries_write(voucher, draft.lines)
        voucher.change = change_record(  # type: ignore[attr-defined]
            company=company,
            actor=actor,
            verb="alter",
            obj=voucher,
            before=before,
            after=voucher_snapshot(voucher, draft.lines),
            request_key=request_key,
        )
        lock_release(company=company, resource=f"voucher:{voucher.pk}", actor=actor)
    return voucher


def voucher_cancel(
    *, company: Company, voucher: Voucher, actor: AbstractBaseUser, version: Any
) -> Voucher:
    """Cancel a voucher read at `version`: it keeps its number and date, loses its amounts
    (as in Tally). Raises Invalid, NotAllowed, Locked or StaleVersion; records a Change."""
    with transaction.atomic(durable=True):
        company = company_lock(company_id=company.pk)
        voucher = _voucher_for_write(company, voucher, actor)
        version_bump(obj=voucher, version=version, actor=actor)
        if voucher.is_cancelled:
            raise Invalid.field("__all__", f"{voucher} is already cancelled.")
        lines = _entries_remove(voucher)
        before = voucher_snapshot(voucher, lines)
        before["version"] = voucher.version - 1
        voucher.is_cancelled = True
        voucher.save()
        voucher.change = change_record(  # type: ignore[attr-defined]
            company=company,
            actor=actor,
            verb="cancel",
            obj=voucher,
            before=before,
            after=voucher_snapshot(voucher, []),
        )
        lock_release(company=company, resource=f"voucher:{voucher.pk}", actor=actor)
    return voucher


def voucher_delete(
    *, company: Company, voucher: Voucher, actor: AbstractBaseUser, version: Any
) -> None:
    """Delete a voucher read at `version`; its number is not reused unless it was the last.

    Raises NotAllowed, Locked or StaleVersion; records a Change.
    """
    with transaction.atomic(durable=True):
        company = company_lock(company_id=company.pk)
        voucher = _voucher_for_write(company, voucher, actor)
        version_bump(obj=voucher, version=version, actor=actor)
        before = voucher_snapshot(voucher, _entries_remove(voucher))
        before["version"] = voucher.version - 1
        change_record(
            company=company, actor=actor, verb="delete", obj=voucher, before=before, after=None
        )
        lock_release(company=company, resource=f"voucher:{voucher.pk}", actor=actor)
        voucher.delete()
