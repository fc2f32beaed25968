"""Writes on the inventory masters, each through the one unit of work (`company_write`):
create, alter (edit lock and version checked) and delete, each recording a Change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Model

from companies.models import Company
from core.errors import Invalid, Parsed, found
from core.records import kind_of
from editlog.idempotency import RequestKey
from editlog.write import UnitOfWork, company_write
from inventory.drafts import (
    NAMES,
    Draft,
    StockItemDraft,
    ancestor_loop,
    name_taken,
    name_taken_message,
    quantity_check,
)
from inventory.forms import godown_draft, stock_group_draft, stock_item_draft, unit_draft
from inventory.models import MAIN_LOCATION, Godown, ItemOpening, StockGroup, StockItem, Unit

# What each kind's snapshot names: read with the record under the lock, not one by one.
_RELATED: dict[type[Model], tuple[str, ...]] = {
    Unit: ("first_unit", "second_unit"),
    StockGroup: ("parent",),
    Godown: ("parent",),
    StockItem: ("group", "unit"),
}


def _reread(work: UnitOfWork, record: Any) -> Any:
    """The record read again under the company lock (with what its snapshot names)."""
    rows = type(record).objects.select_related(*_RELATED[type(record)])
    return found(rows, pk=record.pk, company=work.company)


# What a post function does with a checked draft inside the unit of work: set the fields on
# the record (new or re-read under the lock) and save it.
Write = Callable[[UnitOfWork, Any, Draft], None]


def godowns_seed(*, company: Company) -> Godown:
    """Tally's own godown, "Main Location", for a new company (recorded with the company)."""
    return Godown.objects.create(company=company, name=MAIN_LOCATION, is_main_location=True)


def main_location_ensure(company: Company) -> None:
    """After a restore: an archive made before inventory existed brings no godown, so its
    company gets the Main Location the migration gave every company of that time."""
    if not Godown.objects.filter(company=company, is_main_location=True).exists():
        godowns_seed(company=company)


def _fields_set(work: UnitOfWork, record: Any, draft: Draft) -> None:
    """The draft's fields on the record, its name checked again under the lock (another save
    may have taken it since the draft's check), and the record saved."""
    field, _ = NAMES[type(record)]
    name = getattr(draft, field)
    if name and name_taken(type(record), company=work.company, name=name, current=record):
        raise Invalid.field(field, name_taken_message(type(record), name))
    given = draft.given()
    for key, value in given.items():
        setattr(record, key, value)
    if record.pk is None:
        record.altered_by = work.actor
        record.save()
    elif given:  # the version and who altered it are set by `bump` already
        record.save(update_fields=[*given, "altered_at"])


def _tree_set(work: UnitOfWork, record: Any, draft: Draft) -> None:
    """A stock group or godown: its parent, read again under the lock, must not be itself or
    one of its own."""
    parent = draft.given().get("parent")
    if parent is not None and record.pk is not None:
        parent = found(type(record).objects.all(), pk=parent.pk, company=work.company)
        if ancestor_loop(record, parent):
            called = NAMES[type(record)][1]
            raise Invalid.field(
                "parent",
                f"{record.name} cannot go under {parent.name}: a {called} cannot be "
                "its own ancestor.",
            )
    _fields_set(work, record, draft)


def _item_set(work: UnitOfWork, item: StockItem, draft: StockItemDraft) -> None:
    """A stock item and, when the draft gives them, its opening rows (replaced)."""
    new = item.pk is None
    _fields_set(work, item, draft)
    if draft.opening is None:
        return
    for i, row in enumerate(draft.opening):
        if why := quantity_check(item.unit, row.quantity):
            raise Invalid.field(f"opening.{i}.quantity", why)
    if not new:
        ItemOpening.objects.filter(item=item).delete()
    ItemOpening.objects.bulk_create(
        ItemOpening(item=item, godown=r.godown, quantity=r.quantity, rate=r.rate, value=r.value)
        for r in draft.opening
    )


def _create(
    model: type[Model],
    parse: Callable[..., Any],
    *,
    company: Company,
    actor: AbstractBaseUser,
    data: dict[str, Any],
    request_key: RequestKey | None,
) -> Any:
    draft = Parsed(parse, company=company, data=data)
    with company_write(company=company, actor=actor) as work:
        return master_post(work, model, draft.get(), request_key=request_key)


def _alter(
    record: Any,
    parse: Callable[..., Any],
    *,
    company: Company,
    actor: AbstractBaseUser,
    data: dict[str, Any],
    version: Any,
    request_key: RequestKey | None,
) -> Any:
    draft = Parsed(parse, company=company, data=data, current=record)
    with company_write(company=company, actor=actor) as work:
        return master_repost(work, record, draft.get(), version=version, request_key=request_key)


def _delete(record: Any, *, company: Company, actor: AbstractBaseUser, version: Any) -> None:
    with company_write(company=company, actor=actor) as work:
        master_unpost(work, record, version=version)


def master_post(
    work: UnitOfWork, model: type[Model], draft: Draft, *, request_key: RequestKey | None = None
) -> Any:
    """A new master of `model` from a checked draft, inside `work` (an import posts many in
    one); raises Invalid (the name taken since the draft, an opening that does not fit its
    unit); records a Change."""
    record = model(company=work.company)
    _WRITES[model][0](work, record, draft)
    record.change = work.record("create", record, before=None, request_key=request_key)
    return record


def master_repost(
    work: UnitOfWork,
    record: Any,
    draft: Draft,
    *,
    version: Any,
    request_key: RequestKey | None = None,
) -> Any:
    """`record`, read at `version`, altered to a checked draft inside `work`: its edit lock,
    the record re-read under the company lock, its version, the draft's rules as the rows are
    now. Raises Invalid, Locked or StaleVersion; records a Change."""
    work.guard(record)
    record = _reread(work, record)
    before = kind_of(record).snapshot(record)
    work.bump(record, version)
    _WRITES[type(record)][1](work, record, draft)
    record.change = work.record("alter", record, before=before, request_key=request_key)
    return record


def master_unpost(work: UnitOfWork, record: Any, *, version: Any) -> None:
    """Delete `record`, read at `version`, inside `work`, unless its kind's rule says why it
    stays (Invalid naming the reason, under the lock); records a Change."""
    work.guard(record)
    record = _reread(work, record)
    if why := _IN_USE[type(record)](record):
        raise Invalid.field("__all__", why)
    before = kind_of(record).snapshot(record)
    work.bump(record, version)
    work.record("delete", record, before=before)
    record.delete()


def unit_create(
    *, company: Company, actor: AbstractBaseUser, data: dict[str, Any], request_key: Any = None
) -> Unit:
    """Create a unit (symbol, formal_name, decimal_places, uqc; or first_unit, conversion,
    second_unit); raises Invalid or NotAllowed; records a Change."""
    return _create(
        Unit,
        unit_draft,
        company=company,
        actor=actor,
        data=data,
        request_key=request_key,
    )


def unit_alter(
    *,
    company: Company,
    unit: Unit,
    actor: AbstractBaseUser,
    data: dict[str, Any],
    version: Any,
    request_key: Any = None,
) -> Unit:
    """Alter a unit read at `version`; fewer decimal places than its items' opening stock
    uses are refused. Raises Invalid, NotAllowed, Locked or StaleVersion; records a Change."""
    return _alter(
        unit,
        unit_draft,
        company=company,
        actor=actor,
        data=data,
        version=version,
        request_key=request_key,
    )


def _unit_set(work: UnitOfWork, record: Unit, draft: Draft) -> None:
    """An altered unit: no fewer decimal places than its items' opening stock uses."""
    _fields_set(work, record, draft)
    for quantity in ItemOpening.objects.filter(item__unit=record).values_list(
        "quantity", flat=True
    ):
        if why := quantity_check(record, quantity):
            raise Invalid.field("decimal_places", f"An item's opening stock: {why}")


def _unit_in_use(unit: Unit) -> str | None:
    items = StockItem.objects.filter(unit=unit).count()
    if items:
        return f"{unit.symbol} is the unit of {items} stock item{'s' if items > 1 else ''}."
    compound = Unit.objects.filter(first_unit=unit) | Unit.objects.filter(second_unit=unit)
    if joined := compound.first():
        return f"{unit.symbol} is part of the compound unit {joined.symbol}."
    return None


def unit_delete(*, company: Company, unit: Unit, actor: AbstractBaseUser, version: Any) -> None:
    """Delete a unit no item or compound unit uses; records a Change."""
    _delete(unit, company=company, actor=actor, version=version)


def stock_group_create(
    *, company: Company, actor: AbstractBaseUser, data: dict[str, Any], request_key: Any = None
) -> StockGroup:
    """Create a stock group (name, parent, quantities_addable); records a Change."""
    return _create(
        StockGroup,
        stock_group_draft,
        company=company,
        actor=actor,
        data=data,
        request_key=request_key,
    )


def stock_group_alter(
    *,
    company: Company,
    group: StockGroup,
    actor: AbstractBaseUser,
    data: dict[str, Any],
    version: Any,
    request_key: Any = None,
) -> StockGroup:
    """Alter a stock group read at `version` (never under itself or one of its own)."""
    return _alter(
        group,
        stock_group_draft,
        company=company,
        actor=actor,
        data=data,
        version=version,
        request_key=request_key,
    )


def _group_in_use(group: StockGroup) -> str | None:
    if group.items.exists():
        return f"{group.name} has stock items; move them first."
    if group.children.exists():
        return f"{group.name} has stock groups under it; move them first."
    return None


def stock_group_delete(
    *, company: Company, group: StockGroup, actor: AbstractBaseUser, version: Any
) -> None:
    """Delete an empty stock group; records a Change."""
    _delete(group, company=company, actor=actor, version=version)


def godown_create(
    *, company: Company, actor: AbstractBaseUser, data: dict[str, Any], request_key: Any = None
) -> Godown:
    """Create a godown (name, parent); records a Change."""
    return _create(
        Godown,
        godown_draft,
        company=company,
        actor=actor,
        data=data,
        request_key=request_key,
    )


def godown_alter(
    *,
    company: Company,
    godown: Godown,
    actor: AbstractBaseUser,
    data: dict[str, Any],
    version: Any,
    request_key: Any = None,
) -> Godown:
    """Alter (rename, move) a godown read at `version`, Main Location too."""
    return _alter(
        godown,
        godown_draft,
        company=company,
        actor=actor,
        data=data,
        version=version,
        request_key=request_key,
    )


def _godown_in_use(godown: Godown) -> str | None:
    if godown.is_main_location:
        return f"{godown.name} is Tally's Main Location: it may be renamed, never deleted."
    if godown.children.exists():
        return f"{godown.name} has godowns under it; move them first."
    if godown.openings.exists():
        return f"{godown.name} holds opening stock of items."
    if godown.stock_lines.exists():
        return f"{godown.name} is used in vouchers."
    return None


def godown_delete(
    *, company: Company, godown: Godown, actor: AbstractBaseUser, version: Any
) -> None:
    """Delete an empty godown other than Main Location; records a Change."""
    _delete(godown, company=company, actor=actor, version=version)


def stock_item_create(
    *, company: Company, actor: AbstractBaseUser, data: dict[str, Any], request_key: Any = None
) -> StockItem:
    """Create a stock item (name, unit, group, costing_method, hsn_sac, opening: [{godown,
    quantity, rate, value}]); raises Invalid or NotAllowed; records a Change."""
    return _create(
        StockItem,
        stock_item_draft,
        company=company,
        actor=actor,
        data=data,
        request_key=request_key,
    )


def stock_item_alter(
    *,
    company: Company,
    item: StockItem,
    actor: AbstractBaseUser,
    data: dict[str, Any],
    version: Any,
    request_key: Any = None,
) -> StockItem:
    """Alter a stock item read at `version` (an opening sent replaces its opening rows)."""
    return _alter(
        item,
        stock_item_draft,
        company=company,
        actor=actor,
        data=data,
        version=version,
        request_key=request_key,
    )


def stock_item_delete(
    *, company: Company, item: StockItem, actor: AbstractBaseUser, version: Any
) -> None:
    """Delete a stock item with its opening stock, unless a voucher moves it; records a
    Change."""
    _delete(item, company=company, actor=actor, version=version)


def _item_in_use(item: StockItem) -> str | None:
    if vouchers := item.stock_lines.values("voucher").distinct().count():
        return f"{item.name} is used in {vouchers} voucher{'s' if vouchers > 1 else ''}."
    return None


# Each kind's writes (on a new record, on an altered one) and why a record of it stays.
_WRITES: dict[type[Model], tuple[Write, Write]] = {
    Unit: (_fields_set, _unit_set),
    StockGroup: (_tree_set, _tree_set),
    Godown: (_tree_set, _tree_set),
    StockItem: (_item_set, _item_set),
}
_IN_USE: dict[type[Model], Callable[[Any], str | None]] = {
    Unit: _unit_in_use,
    StockGroup: _group_in_use,
    Godown: _godown_in_use,
    StockItem: _item_in_use,
}
