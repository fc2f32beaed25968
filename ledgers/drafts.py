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

    def given(self) -> dict[str, Any]:
        """The fields this draft sets, by model field name."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in values.items() if value is not None}


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
