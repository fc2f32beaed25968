"""Tally's objects as typed values, read from their XML elements (FORMAT.md §2-§4): amounts in
our sign (positive = Dr), names stripped, the line set a voucher posts already chosen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from xml.etree.ElementTree import Element

from core.money import ZERO
from tallyxml.reading import amount, children, date, flag, listed, value


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
