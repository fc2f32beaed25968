"""Tally's inventory masters (UNIT, STOCKGROUP, GODOWN, STOCKITEM) posted into a company, in
Tally's order — units (simple before the compound ones made of them), stock groups and godowns
each after its parent, then the items — inside the importer's unit of work. Each goes through
the inventory app's own form (a draft, its rules and messages, as a page or JSON body would)
and `inventory.services.master_post` / `master_repost` / `master_unpost`: one Change per
object. Its Tally identity is kept (TallyKey), so a second import of the same file changes
nothing: an object at the ALTERID it was imported at, or one whose draft says what the record
already says, is counted as ignored."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Model

from companies.models import Company
from core.errors import Invalid, Locked, StaleVersion
from editlog.write import UnitOfWork
from inventory.drafts import Draft, StockItemDraft, unit_find
from inventory.forms import godown_draft, stock_group_draft, stock_item_draft, unit_draft
from inventory.models import MAIN_LOCATION, Godown, StockGroup, StockItem, Unit
from inventory.services import master_post, master_repost, master_unpost
from tallyxml.models import RECORD_FIELDS, TallyKey
from tallyxml.objects import (
    TallyGodown,
    TallyOpening,
    TallyStockGroup,
    TallyStockItem,
    TallyUnit,
)
from tallyxml.result import Result, messages_of

Kind = TallyKey.Kind
StockMaster = TallyUnit | TallyStockGroup | TallyGodown | TallyStockItem
STOCK_MASTERS = (TallyUnit, TallyStockGroup, TallyGodown, TallyStockItem)

# Tally's costing methods kept here, by what Tally writes; any other is kept as Avg. Cost.
COSTING = {
    "": StockItem.Costing.AVG_COST,
    "avg. cost": StockItem.Costing.AVG_COST,
    "fifo": StockItem.Costing.FIFO,
    "last purchase cost": StockItem.Costing.LAST_PURCHASE,
}


@dataclass(frozen=True)
class _Kind:
    """What differs between the four masters: data, not code."""

    read: type
    model: type[Model]
    key: str
    called: str
    field: str  # the record's name field
    draft: Callable[..., Draft]
    depends: Callable[[Any], tuple[str, ...]]  # names of its own kind it goes after


KINDS = (
    _Kind(
        TallyUnit, Unit, Kind.UNIT, "Unit", "symbol", unit_draft,
        lambda u: () if u.simple else (u.first, u.second),
    ),
    _Kind(
        TallyStockGroup, StockGroup, Kind.STOCK_GROUP, "Stock Group", "name", stock_group_draft,
        lambda g: (g.parent,),
    ),
    _Kind(TallyGodown, Godown, Kind.GODOWN, "Godown", "name", godown_draft, lambda g: (g.parent,)),
    _Kind(
        TallyStockItem, StockItem, Kind.STOCK_ITEM, "Stock Item", "name", stock_item_draft,
        lambda i: (),
    ),
)  # fmt: skip


def stock_masters_post(work: UnitOfWork, masters: Iterable[StockMaster], result: Result) -> None:
    """Post a run of the file's inventory masters in Tally's order; a refused one is a line
    in `result` and never takes the others down."""
    masters = list(masters)
    for kind in KINDS:
        reads = [m for m in masters if isinstance(m, kind.read)]
        for read in parents_first(reads, kind.depends):
            _saved(work, kind, read, result)


def parents_first(reads: list[Any], depends: Callable[[Any], tuple[str, ...]]) -> list[Any]:
    """`reads` with each after the ones of the same run it names (its parent, a compound
    unit's parts); a loop is left in file order for the rules to refuse."""
    waiting, ordered = list(reads), []
    while waiting:
        names = {read.name.lower() for read in waiting}
        ready = [r for r in waiting if not {d.lower() for d in depends(r) if d} & names]
        if not ready:
            return ordered + waiting
        ordered += ready
        waiting = [r for r in waiting if all(r is not done for done in ready)]
    return ordered


def _saved(work: UnitOfWork, kind: _Kind, read: Any, result: Result) -> None:
    what = f"{kind.called} {read.name}"
    key, existing = _existing(work.company, kind, read)
    try:
        with transaction.atomic():
            verb = _post(work, kind, read, key, existing, result)
    except Invalid as refusal:
        result.refuse(what, messages_of(refusal))
        return
    except (Locked, StaleVersion) as refusal:
        result.refuse(what, str(refusal))
        return
    setattr(result, verb, getattr(result, verb) + 1)


def _post(
    work: UnitOfWork,
    kind: _Kind,
    read: Any,
    key: TallyKey | None,
    existing: Any,
    result: Result,
) -> str:
    """Create, alter, delete or leave one master; the counter it counts in."""
    if read.action.lower() == "delete":
        if existing is None:
            return "ignored"
        master_unpost(work, existing, version=existing.version)
        return "deleted"
    if existing is not None and _unchanged(key, read):
        return "ignored"
    data = _data(work.company, read, result)
    draft = kind.draft(company=work.company, data=data, current=existing)
    if existing is not None and _same(existing, draft):
        record, verb = existing, "ignored"
    elif existing is not None:
        record, verb = master_repost(work, existing, draft, version=existing.version), "altered"
    else:
        record, verb = master_post(work, kind.model, draft), "created"
    _key_keep(work.company, kind, read, record)
    return verb


def _existing(company: Company, kind: _Kind, read: Any) -> tuple[TallyKey | None, Any]:
    """The record a Tally object became: by its GUID (a master renamed in Tally keeps it),
    else by name; Tally's Main Location is the company's, whatever it is called here."""
    key = TallyKey.objects.filter(company=company, kind=kind.key, guid=_guid(read)).first()
    rows = kind.model._default_manager.filter(company=company)
    field = RECORD_FIELDS[kind.key]
    record = rows.filter(pk=getattr(key, f"{field}_id")).first() if key else None
    if record is None:
        record = rows.filter(**{f"{kind.field}__iexact": read.name}).first()
    if record is None and kind.model is Godown and read.name.lower() == MAIN_LOCATION.lower():
        record = rows.filter(is_main_location=True).first()
    return key, record


def _guid(read: Any) -> str:
    return (read.guid or f"name:{read.name}")[:200]


def _unchanged(key: TallyKey | None, read: Any) -> bool:
    """Imported before at the ALTERID the file gives it now."""
    return key is not None and read.alter_id is not None and key.alter_id == read.alter_id


def _same(record: Any, draft: Draft) -> bool:
    """The draft says what the record already says (its openings too)."""
    if any(getattr(record, name) != wanted for name, wanted in draft.given().items()):
        return False
    if isinstance(draft, StockItemDraft) and draft.opening is not None:
        have = {(o.godown_id, o.quantity, o.rate, o.value) for o in record.openings.all()}
        want = {(o.godown.pk, o.quantity, o.rate, o.value) for o in draft.opening}
        return have == want
    return True


def _key_keep(company: Company, kind: _Kind, read: Any, record: Any) -> None:
    TallyKey.objects.update_or_create(
        company=company,
        kind=kind.key,
        guid=_guid(read),
        defaults={"alter_id": read.alter_id, RECORD_FIELDS[kind.key]: record},
    )


# -- Tally's objects as the inventory forms' data ----------------------------------------------


def _data(company: Company, read: Any, result: Result) -> dict[str, Any]:
    if isinstance(read, TallyUnit):
        return _unit_data(read)
    if isinstance(read, TallyStockItem):
        return _item_data(company, read, result)
    data: dict[str, Any] = {"name": read.name, "parent": read.parent or "Primary"}
    if isinstance(read, TallyStockGroup):
        data["quantities_addable"] = read.addable
    return data


def _unit_data(read: TallyUnit) -> dict[str, Any]:
    if read.simple or not (read.first and read.second):
        return {
            "symbol": read.name,
            "formal_name": read.formal_name,
            "decimal_places": read.decimal_places,
            "uqc": read.uqc,
        }
    conversion = f"{read.conversion:f}" if read.conversion is not None else ""
    return {
        "symbol": read.name,
        "first_unit": read.first,
        "conversion": conversion,
        "second_unit": read.second,
    }


def _item_data(company: Company, read: TallyStockItem, result: Result) -> dict[str, Any]:
    costing = COSTING.get(read.costing.lower())
    if costing is None:
        costing = StockItem.Costing.AVG_COST
        result.note(f"Stock Item {read.name}: costing method {read.costing} kept as Avg. Cost")
    unit = unit_find(company=company, ref=read.unit) if read.unit else None
    return {
        "name": read.name,
        "group": read.parent or "Primary",
        "unit": read.unit,
        "costing_method": costing,
        "hsn_sac": read.hsn,
        "opening": _opening_rows(company, read, unit),
    }


def _opening_rows(
    company: Company, read: TallyStockItem, unit: Unit | None
) -> list[dict[str, Any]]:
    """The item's opening per godown, as the form takes it: the batches of one godown added
    up (a rate only where one row gives it), rows with neither quantity nor value left out.
    Tally's sign rules: the quantity as written (negative: short), OPENINGVALUE negative =
    Dr; stock in hand is a Dr value, anything else is refused naming the godown."""
    merged: dict[str, list[Any]] = {}  # godown (lower) -> [name, quantity, value, rate, rows]
    for row in read.openings:
        godown = row.godown or MAIN_LOCATION
        quantity = _in_units(row, unit)
        entry = merged.setdefault(godown.lower(), [godown, Decimal(0), Decimal(0), row.rate, 0])
        entry[1] += quantity
        entry[2] += row.value
        entry[4] += 1
    rows = []
    for godown, quantity, value, rate, count in merged.values():
        if not quantity and not value:
            continue
        if quantity < 0:
            why = f"{godown}: its opening quantity is {quantity:f}; opening stock is never short."
            raise Invalid.field("opening", why)
        if value < 0:
            raise Invalid.field(
                "opening",
                f"{godown}: its opening value is {-value:.2f} Cr; stock in hand is Dr "
                "(Tally writes it negative).",
            )
        row: dict[str, Any] = {
            "godown": _godown_ref(company, godown),
            "quantity": f"{quantity:f}",
            "value": f"{value:.2f}",
        }
        if rate is not None and count == 1:
            row["rate"] = f"{rate:.2f}"
        rows.append(row)
    return rows


def _in_units(row: TallyOpening, unit: Unit | None) -> Decimal:
    """A row's quantity in the item's unit: Tally writes a compound unit's as its first and
    second units (`2 Box 5 Nos`: 2.5 boxes of 10)."""
    if row.quantity is None:
        return Decimal(0)
    number, tail = row.quantity
    parts = tail.split()
    if unit is not None and unit.is_compound and len(parts) == 3 and unit.conversion:
        try:
            extra = Decimal(parts[1].replace(",", ""))
        except ArithmeticError:
            return number
        sign = -1 if number < 0 else 1
        return number + sign * extra / unit.conversion
    return number


def _godown_ref(company: Company, name: str) -> Any:
    """A godown by name for the form; Tally's Main Location is the company's own by id (it
    may be called otherwise here)."""
    if name.lower() != MAIN_LOCATION.lower():
        return name
    main = Godown.objects.filter(company=company, is_main_location=True).first()
    named = Godown.objects.filter(company=company, name__iexact=name).exists()
    return main.pk if main is not None and not named else name
