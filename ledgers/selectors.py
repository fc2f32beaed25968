"""Reads of groups and ledgers, with balances from the kept totals (no scan of entries)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from companies.models import Company
from ledgers.models import Group, Ledger


def ledger_list(*, company: Company) -> QuerySet[Ledger]:
    return Ledger.objects.filter(company=company).select_related("group").order_by("name")


def ledger_get(*, company: Company, ledger_id: int) -> Ledger:
    """The company's ledger; Ledger.DoesNotExist (404) for another company's id."""
    return ledger_list(company=company).get(pk=ledger_id)


def group_list(*, company: Company) -> QuerySet[Group]:
    return Group.objects.filter(company=company).select_related("parent").order_by("name")


def ledger_json(ledger: Ledger) -> dict[str, Any]:
    """A ledger in the API's shape: absolute amounts with their side."""
    opening, closing = ledger.opening_balance, ledger.closing_balance
    return {
        "id": ledger.pk,
        "name": ledger.name,
        "group": ledger.group.name if ledger.group else None,
        "opening_debit" if opening >= 0 else "opening_credit": abs(opening),
        "gstin": ledger.gstin,
        "state": ledger.state,
        "version": ledger.version,
        "closing_balance": abs(closing),
        "closing_side": "Dr" if closing >= 0 else "Cr",
    }


def group_json(group: Group) -> dict[str, Any]:
    return {
        "id": group.pk,
        "name": group.name,
        "parent": group.parent.name if group.parent else None,
        "nature": group.nature,
        "is_revenue": group.is_revenue,
        "predefined": group.predefined,
    }
