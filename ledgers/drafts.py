"""A ledger as a typed draft (made by `ledgers.forms.LedgerForm`, or by any caller that holds
parsed values), and the look-ups a draft needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.db.models.functions import Lower

from companies.models import Company
from core.validation import parse_id
from ledgers.models import Group, Ledger


@dataclass(frozen=True)
class LedgerDraft:
    """A ledger as typed. In an alteration, None means "keep what the ledger has"."""

    name: str | None = None
    group: Group | None = None
    opening_balance: Decimal | None = None  # positive = Dr
    gstin: str | None = None
    state: str | None = None
    state_code: str | None = None
    gst_registration_type: str | None = None
    bill_wise: bool | None = None
    credit_days: int | None = None  # 0: bills fall due on their date
    # Its bills brought into the books; None: keep what it has.
    opening_bills: tuple[OpeningBillDraft, ...] | None = None

    def given(self) -> dict[str, Any]:
        """The model fields this draft sets, by name."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "opening_bills"}
        return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class OpeningBillDraft:
    """A bill a bill-wise ledger brings in: name, date, due date, signed amount (+ = Dr)."""

    name: str
    date: dt.date
    amount: Decimal
    due_date: dt.date | None = None


@dataclass(frozen=True)
class ClosingStockDraft:
    """A Stock-in-Hand ledger's closing value on a day, as typed."""

    date: dt.date
    amount: Decimal  # the stock's value, never below zero


def group_find(*, company: Company, ref: Any) -> Group | None:
    """A group of `company` by id or by name (case-insensitive)."""
    groups = Group.objects.filter(company=company)
    if (group_id := parse_id(ref)) is not None:
        return groups.filter(pk=group_id).first()
    if isinstance(ref, str) and ref.strip():
        return groups.annotate(lname=Lower("name")).filter(lname=ref.strip().lower()).first()
    return None


def name_taken(*, company: Company, name: str, current: Ledger | None = None) -> bool:
    clash = Ledger.objects.filter(company=company, name__iexact=name)
    if current is not None:
        clash = clash.exclude(pk=current.pk)
    return clash.exists()


def name_taken_message(name: str) -> str:
    return f"A ledger called {name} already exists."


# The predefined groups whose ledgers keep balances bill-by-bill unless told otherwise.
BILL_WISE_GROUPS = frozenset({"sundry debtors", "sundry creditors"})


def bill_wise_default(group: Group | None) -> bool:
    """Tally's default for a new ledger: bill-by-bill under Sundry Debtors or Sundry Creditors
    (or a sub-group of one)."""
    while group is not None:
        if group.predefined and group.name.lower() in BILL_WISE_GROUPS:
            return True
        group = group.parent
    return False
