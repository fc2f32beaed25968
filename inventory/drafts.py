"""Inventory masters as typed drafts (made by `inventory.forms`, or by any caller holding parsed
values), the look-ups they need, and their pure rules."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Model, QuerySet
from django.db.models.functions import Lower

from companies.models import Company
from core.money import PAISA
from core.validation import parse_id
from inventory.models import Godown, StockGroup, StockItem, Unit, quantity_text


@dataclass(frozen=True)
class Draft:
    """A master as typed. In an alteration, None means "keep what the record has"."""

    def given(self) -> dict[str, Any]:
        """The model fields this draft sets, by name (`parent`/`group` may be set to Primary:
        `PRIMARY` stands for None there)."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "opening"}
        return {
            name: (None if value is PRIMARY else value)
            for name, value in values.items()
            if value is not None
        }


class _Primary:
    """Tally's "Primary": the top of a hierarchy, set on a draft's parent (None means "keep")."""

    def __repr__(self) -> str:
        return "Primary"


PRIMARY: Any = _Primary()


@dataclass(frozen=True)
class UnitDraft(Draft):
    symbol: str | None = None
    formal_name: str | None = None
    decimal_places: int | None = None
    uqc: str | None = None
    first_unit: Unit | None = None
    conversion: Decimal | None = None
    second_unit: Unit | None = None


@dataclass(frozen=True)
class StockGroupDraft(Draft):
    name: str | None = None
    parent: StockGroup | None = None  # PRIMARY: under Primary
    quantities_addable: bool | None = None


@dataclass(frozen=True)
class GodownDraft(Draft):
    name: str | None = None
    parent: Godown | None = None  # PRIMARY: under Primary


@dataclass(frozen=True)
class OpeningDraft:
    """A stock item's opening stock in one godown: value = quantity × rate unless given."""

    godown: Godown
    quantity: Decimal
    rate: Decimal
    value: Decimal


@dataclass(frozen=True)
class StockItemDraft(Draft):
    name: str | None = None
    group: StockGroup | None = None  # PRIMARY: under Primary
    unit: Unit | None = None
    costing_method: str | None = None
    hsn_sac: str | None = None
    opening: tuple[OpeningDraft, ...] | None = None  # None: keep what it has


def by_name(rows: QuerySet[Any], ref: Any, *, field: str = "name") -> Any:
    """A record among `rows` by id or by name (case-insensitive); None if there is none."""
    if (pk := parse_id(ref)) is not None:
        return rows.filter(pk=pk).first()
    if isinstance(ref, str) and ref.strip():
        return rows.annotate(lname=Lower(field)).filter(lname=ref.strip().lower()).first()
    return None


def unit_find(*, company: Company, ref: Any) -> Unit | None:
    return by_name(Unit.objects.filter(company=company), ref, field="symbol")


def stock_group_find(*, company: Company, ref: Any) -> StockGroup | None:
    return by_name(StockGroup.objects.filter(company=company), ref)


def godown_find(*, company: Company, ref: Any) -> Godown | None:
    return by_name(Godown.objects.filter(company=company), ref)


def is_primary(ref: Any) -> bool:
    """No parent named, or Tally's word for the top: "Primary"."""
    return ref is None or (isinstance(ref, str) and ref.strip().lower() in ("", "primary"))


# What each kind's name is and how Tally calls it in a refusal.
NAMES = {Unit: ("symbol", "unit"), StockGroup: ("name", "stock group")}
NAMES |= {Godown: ("name", "godown"), StockItem: ("name", "stock item")}


def name_taken(model: type[Model], *, company: Company, name: str, current: Any = None) -> bool:
    field, _ = NAMES[model]
    clash = model._default_manager.filter(company=company, **{f"{field}__iexact": name})
    if current is not None:
        clash = clash.exclude(pk=current.pk)
    return clash.exists()


def name_taken_message(model: type[Model], name: str) -> str:
    field, called = NAMES[model]
    return f"A {called} with the {field} {name} already exists."


def decimals_of(quantity: Decimal) -> int:
    """How many decimal places a quantity is written with (trailing zeros do not count): 2.5
    has 1, 2.50001 has 5 (not rounded to the four places a quantity is kept with first)."""
    exponent = quantity.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def quantity_check(unit: Unit, quantity: Decimal) -> str | None:
    """Why `quantity` does not fit `unit` (more decimals than it allows), or None."""
    places = decimals_of(quantity)
    if places <= unit.decimal_places:
        return None
    allows = "whole numbers" if unit.decimal_places == 0 else f"{unit.decimal_places} decimals"
    return f"{unit.symbol} takes {allows}: {quantity_text(quantity)} has {places}."


def opening_value(quantity: Decimal, rate: Decimal) -> Decimal:
    """Tally's opening value: quantity × rate, to the paisa."""
    return (quantity * rate).quantize(PAISA, rounding=ROUND_HALF_UP)


def ancestor_loop(record: Any, parent: Any) -> bool:
    """Whether putting `record` under `parent` makes it its own ancestor (walks the parents
    as they are now)."""
    seen = set()
    while parent is not None and parent.pk not in seen:
        if parent.pk == record.pk:
            return True
        seen.add(parent.pk)
        parent = parent.parent
    return False
