"""Vouchers as typed drafts, and the books' rules on them as pure functions.

`vouchers.forms.VoucherForm` makes a draft from a page's post or a JSON body, before the write
lock; a caller that already holds parsed values (an importer, Tally XML, an invoice adding tax
lines) builds the `VoucherDraft` itself and never turns them back into strings.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from companies.models import Company
from core.errors import Invalid
from core.forms import Errors
from core.money import MAX_AMOUNT, ZERO, format_amount, format_balance
from ledgers.models import Ledger
from vouchers.bills import BankDetail, BillRef
from vouchers.models import VoucherType

Base = VoucherType.Base
MAX_LINES = 500
# Tally's inventory vouchers: stock lines only (`inventory` posts them), never ledger entries.
INVENTORY_BASES = frozenset(
    {Base.STOCK_JOURNAL, Base.PHYSICAL_STOCK, Base.RECEIPT_NOTE, Base.DELIVERY_NOTE}
)
MAX_NARRATION = 2000


@dataclass(frozen=True)
class Line:
    ledger: Ledger
    amount: Decimal  # positive = Dr
    # Its allocation to bills (a bill-wise ledger's line); None: not given (Tally's default, or
    # in an alteration what the line had).
    bills: tuple[BillRef, ...] | None = None
    # A bank line's instrument; None: not given (in an alteration, what the line had).
    bank: BankDetail | None = None

    @property
    def cash_bank(self) -> bool:
        return self.ledger.group is not None and self.ledger.group.is_cash_bank

    @property
    def cash(self) -> bool:
        """A Cash-in-Hand ledger (or one under a sub-group of it)."""
        return self.ledger.group is not None and self.ledger.group.is_cash


@dataclass(frozen=True)
class VoucherDraft:
    """A voucher as typed. In an alteration, None means "keep what the voucher has"."""

    voucher_type: VoucherType | None = None
    date: dt.date | None = None
    narration: str | None = None
    lines: list[Line] | None = None
    reference: str | None = None
    # An alteration may change the amount of a line the bank has cleared, clearing its bank
    # date: the user was asked first.
    unreconcile: bool = False
    # The Voucher No. typed on a manually numbered type; None: not typed (automatic numbering
    # ignores it: the server numbers), in an alteration the number stays.
    number: str | None = None

    @property
    def whole(self) -> bool:
        """Everything a new voucher needs is here (an alteration's draft may leave some out)."""
        return bool(self.voucher_type and self.date and self.lines is not None)

    def over(
        self,
        *,
        voucher_type: VoucherType,
        date: dt.date,
        narration: str,
        lines: list[Line],
        reference: str = "",
    ) -> VoucherDraft:
        """This draft with what it leaves out taken from the voucher it alters."""
        return VoucherDraft(
            voucher_type=self.voucher_type or voucher_type,
            date=self.date or date,
            narration=narration if self.narration is None else self.narration,
            lines=lines if self.lines is None else self.lines,
            reference=reference if self.reference is None else self.reference,
            unreconcile=self.unreconcile,
            number=self.number,
        )


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


# Tally's rules on which ledgers each type may use, line by line: (side, wants cash or bank,
# the rule as the message ends it); side "debit", "credit", or None for both.
_CASH = "a Cash or Bank ledger"
_NOT_CASH = "not a Cash or Bank ledger"
_LINE_RULES: dict[str, list[tuple[str | None, bool, str]]] = {
    Base.CONTRA: [(None, True, "a Contra moves money between Cash and Bank ledgers only")],
    Base.PAYMENT: [
        ("credit", True, "a Payment credits only Cash or Bank (use a Journal)"),
        ("debit", False, "a Payment debits no Cash or Bank ledger (cash into a bank is a Contra)"),
    ],
    Base.RECEIPT: [
        ("debit", True, "a Receipt debits only Cash or Bank (use a Journal)"),
        (
            "credit",
            False,
            "a Receipt credits no Cash or Bank ledger (cash out of a bank is a Contra)",
        ),
    ],
    Base.JOURNAL: [
        (None, False, "a Journal uses no Cash or Bank ledger (use Payment, Receipt or Contra)")
    ],
}


def ledger_wants_cash_bank(base: str, side: str) -> bool | None:
    """What Tally's rules (`_LINE_RULES`) ask of the ledger on a `side` ("debit" or "credit")
    line of a voucher type `base`: a Cash or Bank ledger (True), any other (False), or either
    (None). The entry screen lists only the ledgers a line may take."""
    for rule_side, wants_cash, _ in _LINE_RULES.get(base, []):
        if rule_side in (None, side):
            return wants_cash
    return None


def _type_rules_check(voucher_type: VoucherType, lines: list[Line], errors: Errors) -> None:
    """Tally's rules on which ledgers each voucher type may use: each line that breaks one is
    refused on its own field (`entries.1.credit`), naming the ledger and the rule."""
    rules = _LINE_RULES.get(voucher_type.base, [])
    for i, line in enumerate(lines):
        side = "debit" if line.amount > 0 else "credit"
        for rule_side, wants_cash, rule in rules:
            if rule_side in (None, side) and line.cash_bank != wants_cash:
                what = _NOT_CASH if wants_cash else _CASH
                message = f"{voucher_type.name}: {line.ledger.name} is {what}; {rule}."
                errors.setdefault(f"entries.{i}.{side}", []).append(message)


def voucher_check(draft: VoucherDraft, *, company: Company) -> None:
    """A whole draft against the books' rules: not before the books begin, Debit = Credit,
    and Tally's voucher type rules. Raises Invalid with messages per field."""
    if not (draft.voucher_type and draft.date and draft.lines is not None):
        raise ValueError("Check a whole draft: its type, date and lines.")
    if draft.date < company.books_beginning:
        raise Invalid.field("date", f"The books begin on {company.books_beginning:%d-%b-%Y}.")
    errors: Errors = {}
    if draft.voucher_type.base in INVENTORY_BASES and draft.lines:
        name = draft.voucher_type.name
        errors["entries"] = [f"A {name} moves stock and posts no ledger entries."]
    _balance_check(draft.lines, errors)
    _type_rules_check(draft.voucher_type, draft.lines, errors)
    if errors:
        raise Invalid(errors)


def cash_warnings(lines: list[Line], *, replacing: list[Line] | None = None) -> list[str]:
    """Tally's "Warn on negative cash balance": each Cash-in-Hand ledger that these lines
    (less the ones they replace) take money out of and leave in credit, with its balance
    after the save. The lines' ledgers carry their totals as read under the save's lock, so
    this reads nothing. A warning, not a rule: the voucher still saves."""
    moved: dict[int, Decimal] = defaultdict(lambda: ZERO)
    cash = {line.ledger.pk: line.ledger for line in lines if line.cash}
    for line in lines:
        moved[line.ledger.pk] += line.amount
    for line in replacing or []:
        moved[line.ledger.pk] -= line.amount
    warnings = []
    for ledger_id, ledger in cash.items():
        after = ledger.opening_balance + ledger.total_debit - ledger.total_credit
        after += moved[ledger_id]
        if moved[ledger_id] < 0 and after < 0:
            warnings.append(f"{ledger.name} will be {format_balance(after)} after this voucher")
    return warnings
