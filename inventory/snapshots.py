"""What the Edit Log keeps of each inventory master (hashed: shapes only grow). Records are
named by their names, as Tally's own Edit Log shows them; quantities as their digits."""

from __future__ import annotations

from typing import Any

from inventory.models import Godown, StockGroup, StockItem, Unit, quantity_text


def unit_snapshot(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.pk,
        "symbol": unit.symbol,
        "formal_name": unit.formal_name,
        "decimal_places": unit.decimal_places,
        "uqc": unit.uqc,
        "first_unit": unit.first_unit.symbol if unit.first_unit else None,
        "conversion": quantity_text(unit.conversion) if unit.conversion is not None else None,
        "second_unit": unit.second_unit.symbol if unit.second_unit else None,
        "version": unit.version,
    }


def stock_group_snapshot(group: StockGroup) -> dict[str, Any]:
    return {
        "id": group.pk,
        "name": group.name,
        "parent": group.parent.name if group.parent else None,
        "quantities_addable": group.quantities_addable,
        "version": group.version,
    }


def godown_snapshot(godown: Godown) -> dict[str, Any]:
    return {
        "id": godown.pk,
        "name": godown.name,
        "parent": godown.parent.name if godown.parent else None,
        "version": godown.version,
    }


def stock_item_snapshot(item: StockItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "name": item.name,
        "group": item.group.name if item.group else None,
        "unit": item.unit.symbol,
        "costing_method": item.costing_method,
        "hsn_sac": item.hsn_sac,
        "opening": [
            {
                "godown": row.godown.name,
                "quantity": quantity_text(row.quantity),
                "rate": str(row.rate),  # text inside a list: what its JSON keeps
                "value": str(row.value),
            }
            for row in _openings(item)
        ],
        "version": item.version,
    }


def _openings(item: StockItem) -> list[Any]:
    """The item's opening rows by godown name: from a list's prefetch, else one query."""
    if "openings" in getattr(item, "_prefetched_objects_cache", {}):
        rows = list(item.openings.all())
    else:
        rows = list(item.openings.select_related("godown"))
    return sorted(rows, key=lambda row: row.godown.name.lower())
