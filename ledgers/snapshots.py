"""What the Edit Log keeps of a group and of a ledger (hashed: shapes only grow)."""

from __future__ import annotations

from typing import Any

from ledgers.models import Group, Ledger


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
        "version": ledger.version,
    }
