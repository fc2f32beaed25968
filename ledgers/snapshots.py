"""What the Edit Log keeps of a group and of a ledger (hashed: shapes only grow)."""

from __future__ import annotations

from typing import Any

from ledgers.models import ClosingStock, Group, Ledger


def group_snapshot(group: Group) -> dict[str, Any]:
    return {
        "id": group.pk,
        "name": group.name,
        "parent": group.parent.name if group.parent else None,
    }


def ledger_snapshot(ledger: Ledger) -> dict[str, Any]:
    """A ledger's own fields (its totals are derived, so they are not kept)."""
    return {
        "id": ledger.pk,
        "name": ledger.name,
        "group": ledger.group.name if ledger.group else None,
        "opening_balance": ledger.opening_balance,
        "gstin": ledger.gstin,
        "state": ledger.state,
        "state_code": ledger.state_code,
        "gst_registration_type": ledger.gst_registration_type,
        "bill_wise": ledger.bill_wise,
        "credit_days": ledger.credit_days,
        "opening_bills": [
            {
                "name": bill.name,
                "date": bill.date.isoformat(),
                "due_date": bill.due_date.isoformat() if bill.due_date else None,
                "amount": bill.amount,
            }
            # only a bill-wise ledger has them (ledgers.services): others cost no query
            for bill in (ledger.opening_bills.all() if ledger.bill_wise else ())
        ],
        "version": ledger.version,
    }


def closing_stock_snapshot(value: ClosingStock) -> dict[str, Any]:
    return {
        "id": value.pk,
        "ledger": value.ledger.name,
        "date": value.date.isoformat(),
        "amount": value.amount,
        "version": value.version,
    }
