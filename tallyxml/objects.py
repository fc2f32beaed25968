"""Tally's objects as typed values, read from their XML elements (FORMAT.md §2-§4): amounts in
our sign (positive = Dr), names stripped, the line set a voucher posts already chosen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from core.money import ZERO
from tallyxml.reading import amount, children, date, flag, listed, quantity, value


class Unreadable(ValueError):
    """An object the file gives in a form that cannot be posted (a bad date or amount)."""


def _ours(text: str, what: str) -> Decimal:
    """A Tally amount (negative = Dr) in our sign (positive = Dr); 0 when empty."""
    try:
        number = amount(text)
    except ValueError:
        raise Unreadable(f"{what} {text!r} is not an amount") from None
    return -number if number is not None else ZERO


def _day(text: str, what: str) -> dt.date | None:
    try:
        return date(text)
    except ValueError:
        raise Unreadable(f"bad date: {what} {text!r}") from None


def identity(element: Element, texts: dict[str, str] | None = None) -> tuple[str, int | None]:
    """The object's Tally identity (GUID, else REMOTEID, else VCHKEY; "" when none) and its
    ALTERID (None when absent); `texts`: its children's, when read already (`children`)."""
    if texts is None:
        texts = {tag: value(element, tag) for tag in ("GUID", "ALTERID")}
    guid = texts.get("GUID") or element.get("REMOTEID", "") or element.get("VCHKEY", "")
    alter = texts.get("ALTERID", "")
    return guid.strip(), int(alter) if alter.lstrip("-").isdigit() else None


def _parent(element: Element) -> str:
    """The PARENT's name; "" for a primary one (`&#4; Primary`, `Primary` or empty)."""
    parent = value(element, "PARENT")
    return "" if parent.lower() == "primary" else parent


# -- masters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TallyGroup:
    name: str
    parent: str  # "" = primary
    reserved: str
    debit_natured: bool  # ISDEEMEDPOSITIVE
    revenue: bool
    gross_profit: bool
    guid: str
    alter_id: int | None
    action: str


def group_read(element: Element) -> TallyGroup:
    guid, alter_id = identity(element)
    return TallyGroup(
        name=(element.get("NAME") or value(element, "NAME")).strip(),
        parent=_parent(element),
        reserved=value(element, "RESERVEDNAME"),
        debit_natured=flag(element, "ISDEEMEDPOSITIVE"),
        revenue=flag(element, "ISREVENUE"),
        gross_profit=flag(element, "AFFECTSGROSSPROFIT"),
        guid=guid,
        alter_id=alter_id,
        action=element.get("ACTION", "Create"),
    )


@dataclass(frozen=True)
class TallyBill:
    name: str
    date: dt.date | None
    amount: Decimal  # positive = Dr


@dataclass(frozen=True)
class TallyLedger:
    name: str
    parent: str
    opening: Decimal  # positive = Dr
    bill_wise: bool
    gstin: str
    state: str
    registration: str  # Tally's GSTREGISTRATIONTYPE, as written
    bills: tuple[TallyBill, ...]
    guid: str
    alter_id: int | None
    action: str


def _latest(element: Element, tag: str) -> Element | None:
    """Of a dated list (`LEDGSTREGDETAILS.LIST`), the entry with the latest APPLICABLEFROM."""
    entries = [e for e in listed(element, tag) if len(e)]
    return max(entries, key=lambda e: value(e, "APPLICABLEFROM"), default=None)


def ledger_read(element: Element) -> TallyLedger:
    """A LEDGER, its GST and state read in both generations (TallyPrime 3's dated lists win
    over the older direct children when they say something)."""
    guid, alter_id = identity(element)
    name = (element.get("NAME") or value(element, "NAME")).strip()
    registration = _latest(element, "LEDGSTREGDETAILS.LIST")
    mailing = _latest(element, "LEDMAILINGDETAILS.LIST")
    gstin = value(registration, "GSTIN") or value(element, "PARTYGSTIN")
    state = (
        value(mailing, "STATE")
        or value(registration, "PLACEOFSUPPLY")
        or value(element, "LEDSTATENAME")
        or value(element, "STATENAME")
    )
    bills = tuple(
        TallyBill(
            name=value(b, "NAME"),
            date=_day(value(b, "BILLDATE"), f"{name}'s bill date"),
            amount=_ours(value(b, "OPENINGBALANCE"), f"{name}'s bill"),
        )
        for b in listed(element, "BILLALLOCATIONS.LIST")
        if value(b, "NAME")
    )
    return TallyLedger(
        name=name,
        parent=_parent(element),
        opening=_ours(value(element, "OPENINGBALANCE"), f"{name}'s opening balance"),
        bill_wise=flag(element, "ISBILLWISEON"),
        gstin="".join(gstin.split()).upper(),
        state=" ".join(state.split()),
        registration=value(registration, "GSTREGISTRATIONTYPE")
        or value(element, "GSTREGISTRATIONTYPE"),
        bills=bills,
        guid=guid,
        alter_id=alter_id,
        action=element.get("ACTION", "Create"),
    )


@dataclass(frozen=True)
class TallyVoucherType:
    name: str
    parent: str


def voucher_type_read(element: Element) -> TallyVoucherType:
    return TallyVoucherType(
        name=(element.get("NAME") or value(element, "NAME")).strip(), parent=_parent(element)
    )


# -- vouchers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TallyBillRef:
    kind: str  # Tally's BILLTYPE: New Ref, Agst Ref, Advance, On Account
    name: str
    amount: Decimal  # positive = Dr
    credit_days: int | None


@dataclass(frozen=True)
class TallyBank:
    transaction_type: str
    instrument_number: str
    instrument_date: dt.date | None
    favouring: str
    bank_date: dt.date | None


@dataclass(frozen=True)
class TallyLine:
    ledger: str
    amount: Decimal  # positive = Dr
    party: bool
    bills: tuple[TallyBillRef, ...] = ()
    bank: TallyBank | None = None


@dataclass(frozen=True)
class TallyVoucher:
    guid: str
    alter_id: int | None
    action: str
    type_name: str
    date: dt.date | None
    number: str
    reference: str
    narration: str
    cancelled: bool
    optional: bool
    deleted: bool
    lines: tuple[TallyLine, ...] = field(default=())

    @property
    def label(self) -> str:
        """How the report names it: type, number and date as Tally shows them."""
        day = f"{self.date:%d-%b-%Y}" if self.date else "no date"
        number = f" No. {self.number}" if self.number else ""
        return f"{self.type_name}{number} of {day}"


def _days(text: str) -> int | None:
    digits = "".join(c for c in text.split()[0] if c.isdigit()) if text.strip() else ""
    return int(digits) if digits else None


def _line_read(element: Element, where: str) -> TallyLine | None:
    """A ledger line; None for an empty placeholder (no LEDGERNAME)."""
    texts, lists = children(element)
    ledger = texts.get("LEDGERNAME", "")
    if not ledger:
        return None
    bills = tuple(
        TallyBillRef(
            kind=value(b, "BILLTYPE"),
            name=value(b, "NAME"),
            amount=_ours(value(b, "AMOUNT"), f"{where}: a bill's amount"),
            credit_days=_days(value(b, "BILLCREDITPERIOD")),
        )
        for b in lists.get("BILLALLOCATIONS.LIST", ())
        if value(b, "BILLTYPE") or value(b, "NAME")
    )
    banks = [
        b
        for b in lists.get("BANKALLOCATIONS.LIST", ())
        if value(b, "TRANSACTIONTYPE") or value(b, "INSTRUMENTNUMBER")
    ]
    bank = None
    if banks:
        b = banks[0]
        bank = TallyBank(
            transaction_type=value(b, "TRANSACTIONTYPE"),
            instrument_number=value(b, "INSTRUMENTNUMBER"),
            instrument_date=_day(value(b, "INSTRUMENTDATE"), f"{where}: instrument date"),
            favouring=value(b, "PAYMENTFAVOURING"),
            bank_date=_day(value(b, "BANKERSDATE"), f"{where}: bank date"),
        )
    return TallyLine(
        ledger=ledger,
        amount=_ours(texts.get("AMOUNT", ""), f"{where}: {ledger}'s amount"),
        party=texts.get("ISPARTYLEDGER", "").lower() == "yes",
        bills=bills,
        bank=bank,
    )


def _lines(elements: list[Element], where: str) -> list[TallyLine]:
    return [line for e in elements if (line := _line_read(e, where)) is not None]


def _balances(lines: list[TallyLine]) -> bool:
    return bool(lines) and sum((line.amount for line in lines), ZERO) == 0


def lines_chosen(lists: dict[str, list[Element]], where: str) -> list[TallyLine]:
    """The one set of lines a voucher posts (FORMAT.md §3, the double-count trap), from its
    list children by tag (`children`): a non-empty ALLLEDGERENTRIES alone; else
    LEDGERENTRIES plus the items' ACCOUNTINGALLOCATIONS; when the chosen set does not balance
    and the other does, the other."""
    every = _lines(lists.get("ALLLEDGERENTRIES.LIST", []), where)
    items = [
        *lists.get("ALLINVENTORYENTRIES.LIST", ()),
        *lists.get("INVENTORYENTRIES.LIST", ()),
    ]
    invoice = _lines(lists.get("LEDGERENTRIES.LIST", []), where) + _lines(
        [a for item in items for a in listed(item, "ACCOUNTINGALLOCATIONS.LIST")], where
    )
    chosen, other = (every, invoice) if every else (invoice, every)
    if not _balances(chosen) and _balances(other):
        return other
    return chosen


def voucher_read(element: Element) -> TallyVoucher:
    """A VOUCHER; Unreadable for a bad date or amount (the report names the voucher)."""
    texts, lists = children(element)
    guid, alter_id = identity(element, texts)
    type_name = texts.get("VOUCHERTYPENAME") or element.get("VCHTYPE", "")
    number = texts.get("VOUCHERNUMBER", "")
    where = f"{type_name} No. {number}" if number else type_name
    return TallyVoucher(
        guid=guid,
        alter_id=alter_id,
        action=element.get("ACTION", "Create"),
        type_name=type_name.strip(),
        date=_day(texts.get("DATE", ""), f"{where}:"),
        number=number,
        reference=texts.get("REFERENCE", ""),
        narration="\n".join(texts.get("NARRATION", "").splitlines()),
        cancelled=texts.get("ISCANCELLED", "").lower() == "yes",
        optional=texts.get("ISOPTIONAL", "").lower() == "yes",
        deleted=texts.get("ISDELETED", "").lower() == "yes",
        lines=tuple(lines_chosen(lists, where)),
    )


# -- inventory masters -----------------------------------------------------------------------

NOT_APPLICABLE = "not applicable"  # `&#4; Not Applicable`, its mark taken out


def _said(element: Element | None, tag: str) -> str:
    """A value, "" for Tally's `&#4; Not Applicable`."""
    text = value(element, tag)
    return "" if text.lower() == NOT_APPLICABLE else text


def _name(element: Element) -> str:
    return (element.get("NAME") or value(element, "NAME")).strip()


def _quantity(text: str, what: str) -> tuple[Decimal, str] | None:
    """A quantity with what follows its number (`" 10 Nos"`, `"(-)2 Box 5 Nos"`)."""
    try:
        read = quantity(text.replace("(-)", "-"))
    except InvalidOperation:
        read = None
    if read is None and text.strip():
        raise Unreadable(f"{what} {text.strip()!r} is not a quantity")
    return read


def _rate(text: str, what: str) -> Decimal | None:
    """A rate (`"5.60/nos"`): its amount, None when empty."""
    try:
        return amount(text.split("/", 1)[0]) if text.strip() else None
    except ValueError:
        raise Unreadable(f"{what} {text!r} is not a rate") from None


@dataclass(frozen=True)
class TallyUnit:
    name: str  # the symbol ("Nos"; a compound one "Box of 10 Nos")
    formal_name: str
    decimal_places: int
    uqc: str  # GSTREPUOM's code ("NOS" of "NOS-NUMBERS")
    simple: bool
    first: str  # a compound unit's BASEUNITS
    second: str  # its ADDITIONALUNITS
    conversion: Decimal | None
    guid: str
    alter_id: int | None
    action: str


def unit_read(element: Element) -> TallyUnit:
    guid, alter_id = identity(element)
    name = _name(element)
    places = value(element, "DECIMALPLACES") or "0"
    if not places.isdigit():
        raise Unreadable(f"{name}'s decimal places {places!r} are not a number")
    conversion = _quantity(value(element, "CONVERSION"), f"{name}'s conversion")
    return TallyUnit(
        name=name,
        formal_name=_said(element, "ORIGINALNAME") or _said(element, "FORMALNAME"),
        decimal_places=int(places),
        uqc=_said(element, "GSTREPUOM").split("-", 1)[0].strip(),
        simple=value(element, "ISSIMPLEUNIT").lower() != "no",
        first=_said(element, "BASEUNITS"),
        second=_said(element, "ADDITIONALUNITS"),
        conversion=conversion[0] if conversion else None,
        guid=guid,
        alter_id=alter_id,
        action=element.get("ACTION", "Create"),
    )


@dataclass(frozen=True)
class TallyStockGroup:
    name: str
    parent: str  # "" = Primary
    addable: bool  # "Should quantities of items be added" (ISADDABLE)
    guid: str
    alter_id: int | None
    action: str


def stock_group_read(element: Element) -> TallyStockGroup:
    guid, alter_id = identity(element)
    return TallyStockGroup(
        name=_name(element),
        parent=_parent(element),
        addable=value(element, "ISADDABLE").lower() != "no",
        guid=guid,
        alter_id=alter_id,
        action=element.get("ACTION", "Create"),
    )


@dataclass(frozen=True)
class TallyGodown:
    name: str
    parent: str  # "" = Primary
    guid: str
    alter_id: int | None
    action: str


def godown_read(element: Element) -> TallyGodown:
    guid, alter_id = identity(element)
    return TallyGodown(
        name=_name(element),
        parent=_parent(element),
        guid=guid,
        alter_id=alter_id,
        action=element.get("ACTION", "Create"),
    )


@dataclass(frozen=True)
class TallyOpening:
    """Opening stock in one godown (a BATCHALLOCATIONS.LIST row, or the item's own figures)."""

    godown: str  # "" = Main Location
    quantity: tuple[Decimal, str] | None  # the number (negative = short) and what follows it
    rate: Decimal | None
    value: Decimal  # our sign: positive = Dr, stock in hand


@dataclass(frozen=True)
class TallyStockItem:
    name: str
    parent: str  # the stock group; "" = Primary
    unit: str  # BASEUNITS
    costing: str  # COSTINGMETHOD as written
    hsn: str
    openings: tuple[TallyOpening, ...]
    guid: str
    alter_id: int | None
    action: str


def _opening_read(element: Element, what: str, godown: str = "") -> TallyOpening:
    return TallyOpening(
        godown=godown,
        quantity=_quantity(value(element, "OPENINGBALANCE"), f"{what}: opening quantity"),
        rate=_rate(value(element, "OPENINGRATE"), f"{what}: opening rate"),
        value=_ours(value(element, "OPENINGVALUE"), f"{what}: opening value"),
    )


def _hsn(element: Element) -> str:
    """The HSN/SAC: TallyPrime 3's dated HSNDETAILS, else the older GSTDETAILS (the latest
    APPLICABLEFROM of either), else a direct HSNCODE."""
    for tag in ("HSNDETAILS.LIST", "GSTDETAILS.LIST"):
        entries = [e for e in listed(element, tag) if _said(e, "HSNCODE")]
        if entries:
            latest = max(entries, key=lambda e: value(e, "APPLICABLEFROM"))
            return _said(latest, "HSNCODE")
    return _said(element, "HSNCODE")


def stock_item_read(element: Element) -> TallyStockItem:
    """A STOCKITEM with its opening stock: per godown from BATCHALLOCATIONS.LIST (batches of
    one godown are one row here), else the item's own OPENINGBALANCE in Main Location. The
    quantity's sign as written; OPENINGVALUE negative = Dr (FORMAT.md §4)."""
    guid, alter_id = identity(element)
    name = _name(element)
    rows = [
        _opening_read(batch, f"{name} in {godown or 'Main Location'}", godown)
        for batch in listed(element, "BATCHALLOCATIONS.LIST")
        for godown in [_said(batch, "GODOWNNAME")]
        if value(batch, "OPENINGBALANCE") or value(batch, "OPENINGVALUE")
    ]
    if not rows and (value(element, "OPENINGBALANCE") or value(element, "OPENINGVALUE")):
        rows = [_opening_read(element, name)]
    return TallyStockItem(
        name=name,
        parent=_parent(element),
        unit=_said(element, "BASEUNITS"),
        costing=value(element, "COSTINGMETHOD"),
        hsn=_hsn(element),
        openings=tuple(rows),
        guid=guid,
        alter_id=alter_id,
        action=element.get("ACTION", "Create"),
    )
