"""Reads of the inventory masters for pages and the JSON API (related names joined: no N+1)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from companies.models import Company
from core.errors import found
from inventory.models import Godown, ItemOpening, StockGroup, StockItem, Unit
from inventory.snapshots import (
    godown_snapshot,
    stock_group_snapshot,
    stock_item_snapshot,
    unit_snapshot,
)


def unit_list(*, company: Company) -> QuerySet[Unit]:
    return Unit.objects.filter(company=company).select_related("first_unit", "second_unit")


def stock_group_list(*, company: Company) -> QuerySet[StockGroup]:
    return StockGroup.objects.filter(company=company).select_related("parent")


def godown_list(*, company: Company) -> QuerySet[Godown]:
    return Godown.objects.filter(company=company).select_related("parent")


def stock_item_list(*, company: Company) -> QuerySet[StockItem]:
    openings = ItemOpening.objects.select_related("godown")
    return (
        StockItem.objects.filter(company=company)
        .select_related("group", "unit")
        .prefetch_related(Prefetch("openings", queryset=openings))
    )


def master_get(rows: QuerySet[Any], pk: int) -> Any:
    """One master of the list `rows` (a company's), or NotFound (404)."""
    return found(rows, pk=pk)


def unit_json(unit: Unit) -> dict[str, Any]:
    return unit_snapshot(unit)


def stock_group_json(group: StockGroup) -> dict[str, Any]:
    return stock_group_snapshot(group)


def godown_json(godown: Godown) -> dict[str, Any]:
    return {**godown_snapshot(godown), "main_location": godown.is_main_location}


def stock_item_json(item: StockItem) -> dict[str, Any]:
    return stock_item_snapshot(item)
