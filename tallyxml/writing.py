"""A company's books written as Tally XML that Tally (and `import_tally`) can import.

The public API (FORMAT.md §1-§4; the sign rule: AMOUNT < 0 = Dr):

- `export_write(company, out, *, date_from=None, date_to=None, masters=True, vouchers=True,
  encoding="utf-16", report="All Masters") -> ExportCount`: the whole file, masters (groups,
  ledgers, voucher types) then the vouchers dated in the period (all of them when a bound is
  None), in the "Import Data" envelope, written to the binary stream `out` as it goes.
  `encoding` is "utf-16" (UTF-16LE with a BOM, what Tally's own exports are) or "utf-8"
  (no BOM).
- `envelope_open(out, *, company, report, encoding)`: a context manager for a caller that
  writes its own objects (the XML API's Day Book, List of Accounts): it yields an `Envelope`
  whose `message(element)` writes one TALLYMESSAGE.
- `masters_write(company, envelope)` / `vouchers_write(company, envelope, *, date_from,
  date_to)`: the two halves of `export_write`, into an open envelope; each returns its count.
- `master_elements(company)` / `voucher_elements(company, *, date_from, date_to)`: the same
  objects as an iterator of Elements (a collection answer can wrap them as it likes).
- Element builders: `group_element(group)`, `ledger_element(ledger, *, books_beginning=None,
  guid="")` (prefetch its opening bills for many), `voucher_type_element(voucher_type)`,
  `voucher_element(voucher, *, guid, alter_id)` (a model voucher; prefetch its entries with
  their ledger, bills and bank when there are many), `voucher_row_element(row, ...)` (the same
  from a `VoucherRow` of plain values, what `voucher_elements` reads), and
  `voucher_guid(company, voucher_id)`.

Streaming: each object is built as one small Element, serialised and encoded at once, then
dropped; vouchers are read `CHUNK` at a time by (date, id) as plain values (model instances
cost three times the time), their entries, bills, bank details and Tally identities in one
query each per chunk, so memory and queries are bounded whatever the company's size (the
ledgers' names are read once: masters).

Identity: a voucher imported from Tally keeps the GUID and ALTERID it came with (TallyKey);
any other voucher gets Tally's own shape of GUID, the company's chain id as a UUID and the
voucher's id in hex (`<chain uuid>-0000002a`), with its version as ALTERID. The importer knows
that shape, so importing the export into the same company changes nothing.
"""

from __future__ import annotations

import codecs
import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element, SubElement, tostring
from xml.sax.saxutils import escape

from django.db.models import Q

from companies.models import Company
from core.gst import TALLY_REGISTRATION
from inventory.models import MAIN_LOCATION, Godown, StockGroup, StockItem, Unit, quantity_text
from ledgers.models import Group, Ledger
from tallyxml.models import RECORD_FIELDS, TallyKey
from tallyxml.reading import clean_text
from vouchers.models import BankAllocation, BillAllocation, Entry, Voucher, VoucherType

CHUNK = 500
ENCODINGS = {"utf-16": ("utf-16-le", codecs.BOM_UTF16_LE), "utf-8": ("utf-8", b"")}
NEWLINE = "\r\n"  # Tally's own files end their lines so


@dataclass
class ExportCount:
    """How many objects a file carries, by kind."""

    groups: int = 0
    ledgers: int = 0
    units: int = 0
    stock_groups: int = 0
    godowns: int = 0
    stock_items: int = 0
    voucher_types: int = 0
    vouchers: int = 0


# -- the envelope ----------------------------------------------------------------------------


class Envelope:
    """An open "Import Data" envelope on a binary stream: `message` writes one object."""

    def __init__(self, out: BinaryIO, encoder: codecs.IncrementalEncoder) -> None:
        self._out, self._encoder = out, encoder

    def write(self, text: str) -> None:
        self._out.write(self._encoder.encode(text))

    def message(self, element: Element) -> None:
        """One object in its own TALLYMESSAGE, as Tally writes them."""
        body = serialized(element)
        self.write(f'<TALLYMESSAGE xmlns:UDF="TallyUDF">{NEWLINE}{body}{NEWLINE}</TALLYMESSAGE>')
        self.write(NEWLINE)


@contextmanager
def envelope_open(
    out: BinaryIO, *, company: Company, report: str = "All Masters", encoding: str = "utf-16"
) -> Iterator[Envelope]:
    """The §1 envelope around what the block writes; ValueError for an unknown encoding."""
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}, not {encoding!r}")
    codec, bom = ENCODINGS[encoding]
    out.write(bom)
    envelope = Envelope(out, codecs.getincrementalencoder(codec)())
    head = Element("REQUESTDESC")
    SubElement(head, "REPORTNAME").text = report
    static = SubElement(head, "STATICVARIABLES")
    SubElement(static, "SVCURRENTCOMPANY").text = clean_text(company.name)
    envelope.write(
        f"<ENVELOPE>{NEWLINE}<HEADER>{NEWLINE}<TALLYREQUEST>Import Data</TALLYREQUEST>{NEWLINE}"
        f"</HEADER>{NEWLINE}<BODY>{NEWLINE}<IMPORTDATA>{NEWLINE}"
        f"{tostring(head, encoding='unicode')}{NEWLINE}<REQUESTDATA>{NEWLINE}"
    )
    yield envelope
    envelope.write(f"</REQUESTDATA>{NEWLINE}</IMPORTDATA>{NEWLINE}</BODY>{NEWLINE}</ENVELOPE>")
    envelope.write(NEWLINE)


def export_write(
    company: Company,
    out: BinaryIO,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    masters: bool = True,
    vouchers: bool = True,
    encoding: str = "utf-16",
    report: str = "All Masters",
) -> ExportCount:
    """Write `company`'s masters and/or its vouchers of the period to `out` as one Tally XML
    file; the count of what it carries. ValueError for an unknown encoding."""
    count = ExportCount()
    with envelope_open(out, company=company, report=report, encoding=encoding) as envelope:
        if masters:
            count = masters_write(company, envelope)
        if vouchers:
            count.vouchers = vouchers_write(company, envelope, date_from=date_from, date_to=date_to)
    return count


COUNTED = {"GROUP": "groups", "LEDGER": "ledgers", "VOUCHERTYPE": "voucher_types"}
COUNTED |= {"UNIT": "units", "STOCKGROUP": "stock_groups", "GODOWN": "godowns"}
COUNTED["STOCKITEM"] = "stock_items"


def masters_write(company: Company, envelope: Envelope) -> ExportCount:
    """Groups (parents first), ledgers, inventory masters and voucher types into an open
    envelope."""
    count = ExportCount()
    for element in master_elements(company):
        envelope.message(element)
        field = COUNTED[element.tag]
        setattr(count, field, getattr(count, field) + 1)
    return count


def vouchers_write(
    company: Company, envelope: Envelope, *, date_from: dt.date | None, date_to: dt.date | None
) -> int:
    """The period's vouchers into an open envelope, in date order; how many."""
    written = 0
    for element in voucher_elements(company, date_from=date_from, date_to=date_to):
        envelope.message(element)
        written += 1
    return written


# What an attribute's value escapes besides &, < and > (ElementTree's own choice).
_IN_QUOTES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#09;"}


def serialized(element: Element) -> str:
    """An element as XML text, what `ElementTree.tostring` writes for our elements (no
    namespaces, no tails, every element closed with an end tag) at a third of its cost."""
    parts: list[str] = []
    _serialize(element, parts)
    return "".join(parts)


def _serialize(element: Element, parts: list[str]) -> None:
    tag, text = element.tag, element.text
    if element.attrib:
        attributes = "".join(f' {k}="{escape(v, _IN_QUOTES)}"' for k, v in element.attrib.items())
        parts.append(f"<{tag}{attributes}>")
    else:
        parts.append(f"<{tag}>")
    if text:
        parts.append(escape(text) if ("&" in text or "<" in text or ">" in text) else text)
    for child in element:
        _serialize(child, parts)
    parts.append(f"</{tag}>")


# -- values ----------------------------------------------------------------------------------


def tally_amount(amount: Decimal) -> str:
    """Our signed amount (positive = Dr) in Tally's sign (negative = Dr), two places."""
    return f"{-amount:.2f}" if amount else "0.00"


def tally_date(day: dt.date) -> str:
    return f"{day:%Y%m%d}"


def yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def _put(parent: Element, tag: str, text: str = "") -> Element:
    child = SubElement(parent, tag)
    child.text = clean_text(text)
    return child


def _names(parent: Element, name: str) -> None:
    """Tally's name list: where a master's name (and its aliases) live besides NAME=."""
    languages = SubElement(parent, "LANGUAGENAME.LIST")
    names = SubElement(languages, "NAME.LIST", TYPE="String")
    _put(names, "NAME", name)
    _put(languages, "LANGUAGEID", " 1033")


def voucher_guid(company: Company, voucher_id: int) -> str:
    """The GUID of a voucher that did not come from Tally: Tally's shape (the company's GUID,
    a dash, the object's id in hex), the company's chain id standing for its GUID."""
    return f"{uuid.UUID(hex=company.chain_id)}-{voucher_id:08x}"


def voucher_id_of(company: Company, guid: str) -> int | None:
    """The id of this company's voucher a `voucher_guid` names; None for any other GUID."""
    prefix = f"{uuid.UUID(hex=company.chain_id)}-"
    tail = guid[len(prefix) :] if guid.lower().startswith(prefix) else ""
    try:
        return int(tail, 16) if tail else None
    except ValueError:
        return None


# -- masters ---------------------------------------------------------------------------------


def master_elements(company: Company) -> Iterator[Element]:
    """The company's groups that are not Tally's 28 (each after its parent), its ledgers (in
    chunks, opening bills prefetched), its inventory masters (units, simple first; stock
    groups and godowns each after its parent; stock items with their opening per godown) and
    its own voucher types, as Elements. A master imported from Tally keeps its GUID."""
    keys = master_keys(company)
    for group in _groups_parents_first(company):
        yield group_element(group)
    ledgers = (
        Ledger.objects.filter(company=company)
        .select_related("group")
        .prefetch_related("opening_bills")
        .order_by("id")
    )
    ledger_keys = keys[TallyKey.Kind.LEDGER]
    for ledger in ledgers.iterator(chunk_size=CHUNK):
        yield ledger_element(
            ledger, books_beginning=company.books_beginning, guid=ledger_keys.get(ledger.id, "")
        )
    yield from stock_elements(company, keys)
    labels = dict(VoucherType.Base.choices)
    for voucher_type in VoucherType.objects.filter(company=company).order_by("id"):
        if voucher_type.name != labels[voucher_type.base]:  # Tally's own are every company's
            yield voucher_type_element(voucher_type)


def master_keys(company: Company) -> dict[str, dict[int, str]]:
    """The Tally GUIDs of the company's masters, by kind and record id, in one query (a key
    made of a name, for an object that came without a GUID, is no GUID)."""
    keys: dict[str, dict[int, str]] = {kind: {} for kind in TallyKey.Kind.values}
    masters = [field for kind, field in RECORD_FIELDS.items() if kind != TallyKey.Kind.VOUCHER]
    fields = [f"{field}_id" for field in masters]
    rows = (
        TallyKey.objects.filter(company=company)
        .exclude(kind=TallyKey.Kind.VOUCHER)
        .exclude(guid__startswith="name:")
        .values_list("kind", "guid", *fields)
    )
    for kind, guid, *ids in rows:
        record_id = next((pk for pk in ids if pk is not None), None)
        if record_id is not None:
            keys[kind][record_id] = guid
    return keys


def _groups_parents_first(company: Company) -> list[Group]:
    groups = list(Group.objects.filter(company=company, predefined=False).select_related("parent"))
    ours = {group.id for group in groups}
    placed: set[int] = set()
    ordered: list[Group] = []
    while len(ordered) < len(groups):
        for group in groups:
            if group.id not in placed and (
                group.parent_id is None or group.parent_id not in ours or group.parent_id in placed
            ):
                ordered.append(group)
                placed.add(group.id)
    return ordered


def group_element(group: Group) -> Element:
    """A GROUP: its parent (empty = primary) and the flags that give its nature."""
    element = Element("GROUP", NAME=clean_text(group.name), RESERVEDNAME="", ACTION="Create")
    _put(element, "PARENT", group.parent.name if group.parent_id else "")
    debit = group.nature in (Group.Nature.ASSET, Group.Nature.EXPENSE)
    _put(element, "ISDEEMEDPOSITIVE", yes_no(debit))
    _put(element, "ISREVENUE", yes_no(group.is_revenue))
    _put(element, "AFFECTSGROSSPROFIT", yes_no(group.affects_gross_profit))
    _put(element, "ISSUBLEDGER", "No")
    _names(element, group.name)
    return element


def ledger_element(
    ledger: Ledger, *, books_beginning: dt.date | None = None, guid: str = ""
) -> Element:
    """A LEDGER: group, opening balance (negative = Dr), bill-wise openings, GSTIN and state in
    both of Tally's generations (the dated lists applicable from the books' beginning: pass
    it for many ledgers, else it is read from the ledger's company)."""
    books_beginning = books_beginning or ledger.company.books_beginning
    # Profit & Loss A/c is the one reserved ledger (Cash is predefined but ordinary).
    reserved = clean_text(ledger.name) if ledger.predefined and not ledger.group_id else ""
    element = Element(
        "LEDGER", NAME=clean_text(ledger.name), RESERVEDNAME=reserved, ACTION="Create"
    )
    if guid:
        _put(element, "GUID", guid)
    _put(element, "PARENT", ledger.group.name if ledger.group_id else "")
    _put(element, "OPENINGBALANCE", tally_amount(ledger.opening_balance))
    _put(element, "ISBILLWISEON", yes_no(ledger.bill_wise))
    if ledger.credit_days is not None:
        _put(element, "BILLCREDITPERIOD", f"{ledger.credit_days} Days")
    registration = TALLY_REGISTRATION.get(ledger.gst_registration_type, "")
    if ledger.gstin or registration:
        _put(element, "PARTYGSTIN", ledger.gstin)
        _put(element, "GSTREGISTRATIONTYPE", registration or "Regular")
    if ledger.state:
        _put(element, "LEDSTATENAME", ledger.state)
    _names(element, ledger.name)
    if ledger.gstin or registration:
        details = SubElement(element, "LEDGSTREGDETAILS.LIST")
        _put(details, "APPLICABLEFROM", tally_date(books_beginning))
        _put(details, "GSTREGISTRATIONTYPE", registration or "Regular")
        _put(details, "PLACEOFSUPPLY", ledger.state)
        _put(details, "GSTIN", ledger.gstin)
    if ledger.state:
        mailing = SubElement(element, "LEDMAILINGDETAILS.LIST")
        _put(mailing, "APPLICABLEFROM", tally_date(books_beginning))
        _put(mailing, "MAILINGNAME", ledger.name)
        _put(mailing, "STATE", ledger.state)
        _put(mailing, "COUNTRY", "India")
    for bill in ledger.opening_bills.all():
        allocation = SubElement(element, "BILLALLOCATIONS.LIST")
        _put(allocation, "NAME", bill.name)
        _put(allocation, "BILLDATE", tally_date(bill.date))
        _put(allocation, "OPENINGBALANCE", tally_amount(bill.amount))
        _put(allocation, "ISADVANCE", "No")
        if bill.due_date is not None:
            _put(allocation, "BILLCREDITPERIOD", f"{(bill.due_date - bill.date).days} Days")
    return element


def voucher_type_element(voucher_type: VoucherType) -> Element:
    """A VOUCHERTYPE of the company's own, its PARENT the base type it behaves as."""
    name = clean_text(voucher_type.name)
    element = Element("VOUCHERTYPE", NAME=name, RESERVEDNAME="", ACTION="Create")
    _put(element, "PARENT", voucher_type.get_base_display())
    _put(element, "MAILINGNAME", voucher_type.abbreviation)
    _put(element, "ISACTIVE", "Yes")
    _names(element, voucher_type.name)
    return element


# -- inventory masters -----------------------------------------------------------------------


def stock_elements(
    company: Company, keys: dict[str, dict[int, str]], *, main_location: bool = False
) -> Iterator[Element]:
    """Units (simple ones first), stock groups and godowns (each after its parent; Main
    Location, every company's, only when renamed or asked for) and stock items, five
    queries; `keys`: `master_keys(company)`."""
    Kind = TallyKey.Kind
    units = Unit.objects.filter(company=company).select_related("first_unit", "second_unit")
    for unit in sorted(units, key=lambda u: (u.is_compound, u.symbol.lower())):
        yield unit_element(unit, guid=keys[Kind.UNIT].get(unit.pk, ""))
    groups = StockGroup.objects.filter(company=company).select_related("parent")
    for group in _tree_ordered(list(groups)):
        yield stock_group_element(group, guid=keys[Kind.STOCK_GROUP].get(group.pk, ""))
    godowns = Godown.objects.filter(company=company).select_related("parent")
    for godown in _tree_ordered(list(godowns)):
        if main_location or not (godown.is_main_location and godown.name == MAIN_LOCATION):
            yield godown_element(godown, guid=keys[Kind.GODOWN].get(godown.pk, ""))
    items = (
        StockItem.objects.filter(company=company)
        .select_related("group", "unit__first_unit")
        .prefetch_related("openings__godown")
        .order_by("name")
    )
    for item in items:
        yield stock_item_element(
            item, guid=keys[Kind.STOCK_ITEM].get(item.pk, ""), since=company.books_beginning
        )


def _tree_ordered(records: list[Any]) -> list[Any]:
    """Stock groups or godowns, each after its parent, by name otherwise."""
    ordered: list[Any] = []
    placed: set[int | None] = {None}
    waiting = sorted(records, key=lambda r: r.name.lower())
    while waiting:
        ready = [r for r in waiting if r.parent_id in placed]
        if not ready:  # a loop cannot be saved; written as they are
            return ordered + waiting
        ordered += ready
        placed |= {r.pk for r in ready}
        waiting = [r for r in waiting if r.pk not in placed]
    return ordered


def _guid(element: Element, guid: str) -> None:
    if guid:
        _put(element, "GUID", guid)


def unit_element(unit: Unit, *, guid: str = "") -> Element:
    """A UNIT: a simple one's formal name, decimal places and UQC; a compound one's first
    unit (BASEUNITS), conversion and second unit (ADDITIONALUNITS)."""
    element = Element("UNIT", NAME=clean_text(unit.symbol), RESERVEDNAME="", ACTION="Create")
    _put(element, "NAME", unit.symbol)
    _guid(element, guid)
    if unit.first_unit_id is not None and unit.second_unit_id is not None:
        _put(element, "BASEUNITS", unit.first_unit.symbol)
        _put(element, "ADDITIONALUNITS", unit.second_unit.symbol)
        _put(element, "CONVERSION", f" {quantity_text(unit.conversion or Decimal(1))}")
        _put(element, "ISSIMPLEUNIT", "No")
    else:
        _put(element, "ORIGINALNAME", unit.formal_name)
        _put(element, "GSTREPUOM", unit.uqc)
        _put(element, "ISSIMPLEUNIT", "Yes")
    _put(element, "DECIMALPLACES", f" {unit.decimal_places}")
    return element


def stock_group_element(group: StockGroup, *, guid: str = "") -> Element:
    element = Element("STOCKGROUP", NAME=clean_text(group.name), RESERVEDNAME="", ACTION="Create")
    _guid(element, guid)
    _put(element, "PARENT", group.parent.name if group.parent_id else "")
    _put(element, "ISADDABLE", yes_no(group.quantities_addable))
    _names(element, group.name)
    return element


def godown_element(godown: Godown, *, guid: str = "") -> Element:
    element = Element("GODOWN", NAME=clean_text(godown.name), RESERVEDNAME="", ACTION="Create")
    _guid(element, guid)
    _put(element, "PARENT", godown.parent.name if godown.parent_id else "")
    _names(element, godown.name)
    return element


def tally_quantity(quantity: Decimal, unit: Unit) -> str:
    """A quantity as Tally writes it: ` 200 Nos`; in a compound unit its first unit's whole
    number and the rest in its second unit (` 2 Box 5 Nos`: 2.5 boxes of 10)."""
    if unit.first_unit_id is None or not unit.conversion:
        return f" {quantity_text(quantity)} {unit.symbol}"
    whole = int(quantity)
    text = f" {whole} {unit.first_unit.symbol}"
    if rest := quantity - whole:
        text += f" {quantity_text(rest * unit.conversion)} {unit.second_unit.symbol}"
    return text


def _per(unit: Unit) -> str:
    return unit.first_unit.symbol if unit.first_unit_id is not None else unit.symbol


def stock_item_element(item: StockItem, *, guid: str = "", since: dt.date | None = None) -> Element:
    """A STOCKITEM: its stock group (empty = Primary), unit, costing method, HSN/SAC (dated
    from `since`, the books' beginning) and its opening, the whole and per godown in
    BATCHALLOCATIONS.LIST (quantity as written, OPENINGVALUE negative = Dr). Prefetch its
    openings with their godowns for many."""
    unit = item.unit
    element = Element("STOCKITEM", NAME=clean_text(item.name), RESERVEDNAME="", ACTION="Create")
    _guid(element, guid)
    _put(element, "PARENT", item.group.name if item.group_id else "")
    _put(element, "COSTINGMETHOD", item.get_costing_method_display())
    _put(element, "BASEUNITS", unit.symbol)
    openings = sorted(item.openings.all(), key=lambda row: row.godown.name.lower())
    quantity = sum((row.quantity for row in openings), Decimal(0))
    value = sum((row.value for row in openings), Decimal(0))
    if openings:
        _put(element, "OPENINGBALANCE", tally_quantity(quantity, unit))
        _put(element, "OPENINGVALUE", tally_amount(value))
        _put(element, "OPENINGRATE", f"{value / quantity:.2f}/{_per(unit)}")
    if item.hsn_sac:
        details = SubElement(element, "GSTDETAILS.LIST")
        _put(details, "APPLICABLEFROM", tally_date(since or item.company.books_beginning))
        _put(details, "HSNCODE", item.hsn_sac)
    _names(element, item.name)
    for row in openings:
        batch = SubElement(element, "BATCHALLOCATIONS.LIST")
        _put(batch, "GODOWNNAME", row.godown.name)
        _put(batch, "BATCHNAME", "Primary Batch")
        _put(batch, "OPENINGBALANCE", tally_quantity(row.quantity, unit))
        _put(batch, "OPENINGVALUE", tally_amount(row.value))
        _put(batch, "OPENINGRATE", f"{row.rate:.2f}/{_per(unit)}")
    return element


# -- vouchers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoucherLine:
    """What a voucher's line writes: its ledger's name and bill-wise setting, its signed
    amount (positive = Dr), its bill allocations and its bank instrument."""

    ledger: str
    bill_wise: bool
    amount: Decimal
    bills: tuple[BillAllocation, ...] = ()
    bank: BankAllocation | None = None


@dataclass(frozen=True)
class VoucherRow:
    """What a VOUCHER writes, read as plain values (an export reads thousands of them)."""

    type_name: str
    date: dt.date
    number: str  # the Voucher No. as issued (INV/26-27/0001), or the plain counter's
    narration: str
    reference: str
    cancelled: bool
    lines: tuple[VoucherLine, ...]


def voucher_elements(
    company: Company, *, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> Iterator[Element]:
    """The company's vouchers dated in the period (a None bound: open), in (date, id) order,
    as Elements; read CHUNK at a time as plain values, five queries per chunk (the ledgers'
    and types' names once: masters)."""
    vouchers = Voucher.objects.filter(company=company).order_by("date", "id")
    if date_from is not None:
        vouchers = vouchers.filter(date__gte=date_from)
    if date_to is not None:
        vouchers = vouchers.filter(date__lte=date_to)
    fields = ("id", "date", "number", "number_text", "narration", "reference")
    fields += ("is_cancelled", "version")
    vouchers = vouchers.values_list(*fields, "voucher_type_id")
    ledgers = {
        pk: (name, bill_wise)
        for pk, name, bill_wise in Ledger.objects.filter(company=company).values_list(
            "id", "name", "bill_wise"
        )
    }
    types = dict(VoucherType.objects.filter(company=company).values_list("id", "name"))
    after = Q()
    while chunk := list(vouchers.filter(after)[:CHUNK]):
        ids = [row[0] for row in chunk]
        lines = _lines_of(ids, ledgers)
        tally = TallyKey.objects.filter(
            company=company, kind=TallyKey.Kind.VOUCHER, voucher__in=ids
        )
        keys = {
            pk: (guid, alter)
            for pk, guid, alter in tally.values_list("voucher_id", "guid", "alter_id")
        }
        for pk, day, number, text, narration, reference, cancelled, version, type_id in chunk:
            row = VoucherRow(
                type_name=types[type_id], date=day, number=text or str(number),
                narration=narration,
                reference=reference, cancelled=cancelled, lines=tuple(lines.get(pk, ())),
            )  # fmt: skip
            guid, alter_id = keys.get(pk, (voucher_guid(company, pk), None))
            yield voucher_row_element(
                row, guid=guid, alter_id=version if alter_id is None else alter_id
            )
        after = Q(date__gt=chunk[-1][1]) | Q(date=chunk[-1][1], id__gt=chunk[-1][0])


def _lines_of(
    voucher_ids: list[int], ledgers: dict[int, tuple[str, bool]]
) -> dict[int, list[VoucherLine]]:
    """The lines of these vouchers, in position order, with their bills and instruments:
    three queries."""
    bills: dict[int, list[BillAllocation]] = {}
    for bill in BillAllocation.objects.filter(entry__voucher_id__in=voucher_ids).order_by("id"):
        bills.setdefault(bill.entry_id, []).append(bill)
    banks = {
        bank.entry_id: bank
        for bank in BankAllocation.objects.filter(entry__voucher_id__in=voucher_ids)
    }
    lines: dict[int, list[VoucherLine]] = {}
    entries = Entry.objects.filter(voucher_id__in=voucher_ids).order_by("voucher_id", "position")
    for pk, voucher_id, ledger_id, amount in entries.values_list(
        "id", "voucher_id", "ledger_id", "amount"
    ):
        name, bill_wise = ledgers[ledger_id]
        line = VoucherLine(name, bill_wise, amount, tuple(bills.get(pk, ())), banks.get(pk))
        lines.setdefault(voucher_id, []).append(line)
    return lines


def voucher_element(voucher: Voucher, *, guid: str, alter_id: int) -> Element:
    """A voucher read as a model (its entries with their ledger, bills and bank, prefetched
    for a list of them) as a VOUCHER element: see `voucher_row_element`."""
    lines = tuple(
        VoucherLine(
            ledger=entry.ledger.name,
            bill_wise=entry.ledger.bill_wise,
            amount=entry.amount,
            bills=tuple(entry.bills.all()),
            bank=getattr(entry, "bank", None),  # the reverse one-to-one raises when none
        )
        for entry in sorted(voucher.entries.all(), key=lambda e: e.position)
    )
    row = VoucherRow(
        type_name=voucher.voucher_type.name, date=voucher.date, number=voucher.voucher_no,
        narration=voucher.narration, reference=voucher.reference,
        cancelled=voucher.is_cancelled, lines=lines,
    )  # fmt: skip
    return voucher_row_element(row, guid=guid, alter_id=alter_id)


def voucher_row_element(voucher: VoucherRow, *, guid: str, alter_id: int) -> Element:
    """A VOUCHER in Accounting Voucher View: ALLLEDGERENTRIES.LIST lines (debits
    ISDEEMEDPOSITIVE=Yes with a negative AMOUNT), their bills and bank details; a cancelled
    one has no lines and says ISCANCELLED=Yes."""
    type_name = clean_text(voucher.type_name)
    view = "Accounting Voucher View"
    element = Element("VOUCHER", REMOTEID=guid, VCHTYPE=type_name, ACTION="Create", OBJVIEW=view)
    _put(element, "DATE", tally_date(voucher.date))
    _put(element, "GUID", guid)
    _put(element, "NARRATION", voucher.narration)
    _put(element, "VOUCHERTYPENAME", type_name)
    _put(element, "REFERENCE", voucher.reference)
    _put(element, "VOUCHERNUMBER", voucher.number)
    lines = voucher.lines
    party = next((line for line in lines if line.bill_wise), lines[0] if lines else None)
    if party is not None:
        _put(element, "PARTYLEDGERNAME", party.ledger)
    _put(element, "PERSISTEDVIEW", view)
    _put(element, "VCHENTRYMODE", "As Voucher")
    _put(element, "ISCANCELLED", yes_no(voucher.cancelled))
    _put(element, "ISOPTIONAL", "No")
    _put(element, "ISDELETED", "No")
    _put(element, "ALTERID", f" {alter_id}")
    for line in lines:
        _line_element(element, line, voucher.date)
    return element


def _line_element(voucher: Element, line: VoucherLine, day: dt.date) -> None:
    element = SubElement(voucher, "ALLLEDGERENTRIES.LIST")
    _put(element, "LEDGERNAME", line.ledger)
    _put(element, "ISDEEMEDPOSITIVE", yes_no(line.amount > 0))
    _put(element, "ISPARTYLEDGER", yes_no(line.bill_wise))
    _put(element, "AMOUNT", tally_amount(line.amount))
    for bill in line.bills:
        _bill_element(element, bill)
    bank = line.bank
    if bank is not None:
        allocation = SubElement(element, "BANKALLOCATIONS.LIST")
        _put(allocation, "DATE", tally_date(day))
        if bank.instrument_date is not None:
            _put(allocation, "INSTRUMENTDATE", tally_date(bank.instrument_date))
        _put(allocation, "TRANSACTIONTYPE", bank.get_instrument_type_display())
        _put(allocation, "INSTRUMENTNUMBER", bank.instrument_number)
        _put(allocation, "PAYMENTFAVOURING", bank.favouring)
        if bank.bank_date is not None:
            _put(allocation, "BANKERSDATE", tally_date(bank.bank_date))
        _put(allocation, "AMOUNT", tally_amount(line.amount))


def _bill_element(line: Element, bill: BillAllocation) -> None:
    allocation = SubElement(line, "BILLALLOCATIONS.LIST")
    _put(allocation, "NAME", bill.name)
    _put(allocation, "BILLTYPE", bill.get_kind_display())
    if bill.due_date is not None:
        _put(allocation, "BILLCREDITPERIOD", f"{(bill.due_date - bill.date).days} Days")
    _put(allocation, "AMOUNT", tally_amount(bill.amount))
