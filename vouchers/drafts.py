"""Voucher input as typed drafts: parsed (and ledgers and types looked up) before the write
lock, checked by pure functions, posted by the services.

Forms, JSON bodies and, later, Tally XML and imports all end here: a caller that already holds
parsed values builds the `VoucherDraft` itself and never turns them back into strings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower

from companies.models import Company
from core.errors import Invalid
from core.money import MAX_AMOUNT, ZERO, format_amount, parse_amount
from core.validation import clean_text, parse_date, parse_id
from ledgers.models import Ledger
from vouchers.models import VoucherType

Base = VoucherType.Base
MAX_LINES = 500
MAX_NARRATION = 2000
Errors = dict[str, list[str]]


@dataclass(frozen=True)
class Line:
    ledger: Ledger
    amount: Decimal  # positive = Dr

    @property
    def cash_bank(self) -> bool:
        return self.ledger.group is not None and self.ledger.group.is_cash_bank


@dataclass(frozen=True)
class VoucherDraft:
    """A voucher as typed. In an alteration, None means "keep what the voucher has"."""

    voucher_type: VoucherType | None = None
    date: dt.date | None = None
    narration: str | None = None
    lines: list[Line] | None = None

    def over(self, *, voucher_type: VoucherType, date: dt.date, narration: str, lines: list[Line]):
        """This draft with what it leaves out taken from the voucher it alters."""
        return VoucherDraft(
            voucher_type=self.voucher_type or voucher_type,
            date=self.date or date,
            narration=narration if self.narration is None else self.narration,
            lines=lines if self.lines is None else self.lines,
        )


# -- parsing ---------------------------------------------------------------------------------


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
    i: int, raw: Any, by_id: dict[int, Ledger], by_name: dict[str, Ledger], errors: Errors
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


def _lines_parse(company: Company, raw_lines: Any, errors: Errors) -> list[Line]:
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


def voucher_draft(*, company: Company, data: Any, partial: bool = False) -> VoucherDraft:
    """The draft of a voucher from API or form input (type, date, narration, entries), with
    messages per field (Invalid). With `partial` (an alteration) keys left out stay None."""
    if not isinstance(data, dict):
        raise Invalid.field("__all__", "Send the voucher as an object with type, date and entries.")
    errors: Errors = {}
    voucher_type = date = narration = lines = None
    if not partial or "type" in data:
        voucher_type = _type_find(company, data.get("type"))
        if voucher_type is None:
            errors["type"] = ["Choose a voucher type, such as Sales or Receipt."]
    if not partial or "date" in data:
        try:
            date = parse_date(data.get("date"))
        except ValueError as exc:
            errors["date"] = [str(exc)]
        else:
            if date < company.books_beginning:
                errors["date"] = [f"The books begin on {company.books_beginning:%d-%b-%Y}."]
    if not partial or "narration" in data:
        narration = clean_text(
            data.get("narration", ""),
            field="narration",
            max_length=MAX_NARRATION,
            errors=errors,
            multiline=True,
        )
    if not partial or "entries" in data:
        lines = _lines_parse(company, data.get("entries"), errors)
    if errors:
        raise Invalid(errors)
    return VoucherDraft(voucher_type=voucher_type, date=date, narration=narration, lines=lines)


# -- the rules (pure) ------------------------------------------------------------------------


def _balance_check(lines: list[Line], errors: Errors) -> None:
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


def _type_rules_check(voucher_type: VoucherType, lines: list[Line], errors: Errors) -> None:
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


def voucher_check(draft: VoucherDraft, *, company: Company) -> None:
    """A whole draft against the books' rules: not before the books begin, Debit = Credit,
    and Tally's voucher type rules. Raises Invalid with messages per field."""
    assert draft.voucher_type and draft.date and draft.lines is not None, "a whole draft"
    if draft.date < company.books_beginning:
        raise Invalid.field("date", f"The books begin on {company.books_beginning:%d-%b-%Y}.")
    errors: Errors = {}
    _balance_check(draft.lines, errors)
    _type_rules_check(draft.voucher_type, draft.lines, errors)
    if errors:
        raise Invalid(errors)
