"""Tally's answers to the XML API's requests (FORMAT.md §1, §5), built from the reports'
selectors: the report rows (DSPACCNAME/DSPACCINFO pairs, BSNAME/BSAMT, PLAMT, Ledger Vouchers'
DSPVCH… lines, Bills' BILLFIXED), new-style collections with TYPE="…" on their leaves, and the
import counters. Amounts in Tally's sign (negative = Dr), plain decimals: `-3540.00`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from itertools import chain
from xml.etree.ElementTree import Element, SubElement

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Max

from companies.models import Company
from core.money import ZERO
from inventory.models import Godown, StockGroup, StockItem, Unit, quantity_text
from ledgers.models import Group, Ledger
from ledgers.selectors import chart_build, group_list
from reports.outstandings import PAYABLE, RECEIVABLE, bills_outstanding_get
from reports.selectors import (
    DIFFERENCE,
    FinalLine,
    balance_sheet_get,
    detail_rows,
    profit_and_loss_get,
    tally_order,
    trial_balance_get,
    trial_balance_grouped,
)
from reports.statements import StatementLine, ledger_statement_stream
from tallyxml.api import (
    Answer,
    CollectionAsked,
    Refused,
    TallyRequest,
    body_stream,
    import_allowed,
)
from tallyxml.importing import Result, import_streams
from tallyxml.models import TallyKey
from tallyxml.writing import (
    CHUNK,
    group_element,
    master_elements,
    master_keys,
    stock_elements,
    tally_amount,
    tally_date,
    tally_quantity,
    voucher_elements,
    voucher_guid,
    voucher_type_element,
)
from vouchers.models import Voucher, VoucherType
from vouchers.selectors import day_book

# A report's rows or objects: a list, or an iterator read as the answer is written (whatever
# the report refuses, it refuses before returning).
Report = Callable[[TallyRequest, Company], Iterable[Element]]


def column_amount(ours: Decimal) -> str:
    """Our signed amount (positive = Dr) in Tally's sign (negative = Dr), as a report's
    column shows it: empty for nil."""
    return tally_amount(ours) if ours else ""


def report_date(day: dt.date) -> str:
    """A date as Tally's reports show it: 1-Apr-2026."""
    return f"{day.day}-{day:%b-%Y}"


def _leaf(parent: Element, tag: str, text: str, kind: str | None = None) -> Element:
    element = SubElement(parent, tag, {"TYPE": kind} if kind else {})
    element.text = text
    return element


# -- Trial Balance, Profit and Loss, Balance Sheet -------------------------------------------


def _dsp_rows(name: str, ours: Decimal) -> list[Element]:
    """A Trial Balance row as Tally writes it: the name, then the closing balance in the
    debit column (negative) or the credit column (positive)."""
    account = Element("DSPACCNAME")
    SubElement(account, "DSPDISPNAME").text = name
    info = Element("DSPACCINFO")
    debit = SubElement(SubElement(info, "DSPCLDRAMT"), "DSPCLDRAMTA")
    credit = SubElement(SubElement(info, "DSPCLCRAMT"), "DSPCLCRAMTA")
    (debit if ours > 0 else credit).text = column_amount(ours)
    return [account, info]


def trial_balance(request: TallyRequest, company: Company) -> list[Element]:
    """The closing balances on SVTODATE by primary group (the Trial Balance page's rows, in
    Tally's order); EXPLODEFLAG=Yes follows each group with its sub-groups and ledgers."""
    _, date_to = request.period(company)
    report = trial_balance_get(company=company, as_of=date_to)
    grouped, _ = trial_balance_grouped(report=report, groups=list(group_list(company=company)))
    rows: list[Element] = []
    for node in sorted(grouped.groups, key=tally_order):
        rows += _dsp_rows(node.group.name, node.total)
        if request.flag("EXPLODEFLAG"):
            for detail in detail_rows(node, 1):
                rows += _dsp_rows(detail.particulars, detail.amount)
    for row in grouped.ungrouped:
        rows += _dsp_rows(row.ledger.name, row.balance)
    if grouped.opening_difference:
        rows += _dsp_rows(DIFFERENCE, grouped.opening_difference)
    return rows


def _final_rows(
    lines: Iterable[FinalLine], sign: int, explode: bool, *, name_tag: str, amount_tag: str
) -> list[Element]:
    """A side of the final accounts: each line's name and amount (its side's sense turned to
    Tally's: `sign` -1 on a debit side), its details under the sub-amount when exploded."""
    rows: list[Element] = []

    def row(particulars: str, amount: Decimal, main: bool) -> None:
        named = Element(name_tag)
        account = SubElement(named, "DSPACCNAME") if name_tag != "DSPACCNAME" else named
        SubElement(account, "DSPDISPNAME").text = particulars
        figures = Element(amount_tag)
        sub_tag = "BSSUBAMT" if amount_tag == "BSAMT" else "PLSUBAMT"
        text = f"{-sign * amount:.2f}" if amount else ""
        SubElement(figures, sub_tag).text = "" if main else text
        SubElement(figures, "BSMAINAMT").text = text if main else ""
        rows.extend([named, figures])

    for line in lines:
        row(line.particulars, line.amount, True)
        if explode:
            for detail in line.details:
                row(detail.particulars, detail.amount, False)
    return rows


def profit_and_loss(request: TallyRequest, company: Company) -> list[Element]:
    """The Profit & Loss A/c of the period: the debit side's lines (Trading, then Profit &
    Loss), then the credit side's, each DSPACCNAME + PLAMT{PLSUBAMT, BSMAINAMT}."""
    date_from, date_to = request.period(company)
    report = profit_and_loss_get(company=company, date_from=date_from, date_to=date_to)
    explode = request.flag("EXPLODEFLAG")
    rows = {"name_tag": "DSPACCNAME", "amount_tag": "PLAMT"}
    return [
        *_final_rows([*report.trading_debit, *report.debit], 1, explode, **rows),
        *_final_rows([*report.trading_credit, *report.credit], -1, explode, **rows),
    ]


def balance_sheet(request: TallyRequest, company: Company) -> list[Element]:
    """The Balance Sheet on SVTODATE: Liabilities (credit, positive) then Assets (debit,
    negative), each BSNAME/DSPACCNAME + BSAMT{BSSUBAMT, BSMAINAMT}."""
    _, date_to = request.period(company)
    sheet = balance_sheet_get(company=company, as_of=date_to)
    explode = request.flag("EXPLODEFLAG")
    rows = {"name_tag": "BSNAME", "amount_tag": "BSAMT"}
    return [
        *_final_rows(sheet.liabilities, -1, explode, **rows),
        *_final_rows(sheet.assets, 1, explode, **rows),
    ]


# -- Ledger Vouchers, Bills Receivable and Payable -------------------------------------------


def ledger_named(company: Company, name: str) -> Ledger:
    ledger = Ledger.objects.filter(company=company, name__iexact=name.strip()).first()
    if not name.strip() or ledger is None:
        raise Refused(f"Could not find Ledger '{name}'")
    return ledger


def ledger_vouchers(request: TallyRequest, company: Company) -> Iterator[Element]:
    """The entries of LEDGERNAME in the period, as its statement shows them: date, the other
    side's ledger, voucher type and number, debit (negative) or credit (positive); read page
    by page as the answer is written."""
    ledger = ledger_named(company, request.variable("LEDGERNAME"))
    date_from, date_to = request.period(company)
    stream = ledger_statement_stream(
        ledger=ledger, date_from=date_from, date_to=date_to, company=company
    )
    return _statement_rows(stream.lines)


def _statement_rows(lines: Iterable[StatementLine]) -> Iterator[Element]:
    for line in lines:
        for tag, text in (
            ("DSPVCHDATE", report_date(line.date)),
            ("DSPVCHLEDACCOUNT", line.particulars),
            ("DSPVCHTYPE", line.voucher_type),
            ("DSPVCHNUMBER", str(line.number)),
            ("DSPVCHDRAMT", column_amount(line.debit)),
            ("DSPVCHCRAMT", column_amount(-line.credit)),
        ):
            element = Element(tag)
            element.text = text
            yield element


def _bills(side: str) -> Report:
    def bills(request: TallyRequest, company: Company) -> list[Element]:
        """The bills pending on SVTODATE: BILLFIXED{BILLDATE, BILLREF, BILLPARTY}, BILLCL (the
        pending amount, negative = Dr), BILLDUE and BILLOVERDUE (days)."""
        _, date_to = request.period(company)
        report = bills_outstanding_get(company=company, as_of=date_to, side=side)
        rows: list[Element] = []
        for bill in report.bills:
            fixed = Element("BILLFIXED")
            SubElement(fixed, "BILLDATE").text = report_date(bill.date)
            SubElement(fixed, "BILLREF").text = bill.name
            SubElement(fixed, "BILLPARTY").text = bill.party
            closing, due, overdue = Element("BILLCL"), Element("BILLDUE"), Element("BILLOVERDUE")
            closing.text = column_amount(bill.pending)
            due.text = report_date(bill.due_date or bill.date)
            overdue.text = str(bill.overdue_days(date_to))
            rows += [fixed, closing, due, overdue]
        return rows

    return bills


# -- List of Accounts, Day Book, Voucher Register: objects, as an import file carries them ------


def _message(element: Element) -> Element:
    message = Element("TALLYMESSAGE", {"xmlns:UDF": "TallyUDF"})
    message.append(element)
    return message


def _groups(company: Company) -> list[Element]:
    """Every group, Tally's own first (RESERVEDNAME their name), then the company's own each
    after its parent (tallyxml.writing)."""
    reserved = Group.objects.filter(company=company, predefined=True).select_related("parent")
    elements = []
    for group in reserved.order_by("parent_id", "id"):
        element = group_element(group)
        element.set("RESERVEDNAME", group.name)
        elements.append(element)
    return elements + [e for e in master_elements(company) if e.tag == "GROUP"]


def _voucher_types(company: Company) -> list[Element]:
    labels = dict(VoucherType.Base.choices)
    elements = []
    for voucher_type in VoucherType.objects.filter(company=company).order_by("id"):
        element = voucher_type_element(voucher_type)
        if voucher_type.name == labels[voucher_type.base]:
            element.set("RESERVEDNAME", voucher_type.name)
        elements.append(element)
    return elements


def _stock(company: Company, *tags: str) -> list[Element]:
    """The inventory masters of these tags (UNIT, STOCKGROUP, GODOWN, STOCKITEM), Main
    Location among the godowns, as the export writes them."""
    elements = stock_elements(company, master_keys(company), main_location=True)
    return [element for element in elements if element.tag in tags]


STOCK_TAGS = ("UNIT", "STOCKGROUP", "GODOWN", "STOCKITEM")


def list_of_accounts(request: TallyRequest, company: Company) -> Iterator[Element]:
    """The masters ACCOUNTTYPE names (Groups, Ledgers, Voucher Types, Units, Stock Groups,
    Godowns, Stock Items, All Accounting / Inventory Masters; All Masters by default, as
    Tally's List of Accounts opens), each in its TALLYMESSAGE."""
    account_type = request.variable("ACCOUNTTYPE").lower() or "all masters"

    def ledgers() -> Iterator[Element]:
        return (e for e in master_elements(company) if e.tag == "LEDGER")

    kinds: dict[str, Callable[[], Iterable[Element]]] = {
        "groups": lambda: _groups(company),
        "ledgers": ledgers,
        "voucher types": lambda: _voucher_types(company),
        "units": lambda: _stock(company, "UNIT"),
        "stock groups": lambda: _stock(company, "STOCKGROUP"),
        "godowns": lambda: _stock(company, "GODOWN"),
        "stock items": lambda: _stock(company, "STOCKITEM"),
        "all inventory masters": lambda: _stock(company, *STOCK_TAGS),
        "all masters": lambda: chain(
            _groups(company), ledgers(), _stock(company, *STOCK_TAGS), _voucher_types(company)
        ),
        "all accounting masters": lambda: chain(_groups(company), ledgers()),
    }
    if account_type not in kinds:
        raise Refused(f"Could not find Account Type '{request.variable('ACCOUNTTYPE')}'")
    return (_message(element) for element in kinds[account_type]())


def day_book_objects(request: TallyRequest, company: Company) -> Iterator[Element]:
    """The vouchers of the period, as the export file writes them (tallyxml.writing), read a
    chunk at a time as the answer is written."""
    date_from, date_to = request.period(company)
    elements = voucher_elements(company, date_from=date_from, date_to=date_to)
    return (_message(element) for element in elements)


def voucher_register(request: TallyRequest, company: Company) -> Iterator[Element]:
    """The Day Book's vouchers of one type (VOUCHERTYPENAME; every type when not given)."""
    type_name = request.variable("VOUCHERTYPENAME").lower()
    return (
        message
        for message in day_book_objects(request, company)
        if not type_name or message[0].get("VCHTYPE", "").lower() == type_name
    )


OBJECT_REPORTS: dict[str, Report] = {
    "list of accounts": list_of_accounts,
    "day book": day_book_objects,
    "daybook": day_book_objects,
    "voucher register": voucher_register,
}


def import_envelope(report: str, company: Company) -> Element:
    """FORMAT.md §1's "Import Data" envelope (its REQUESTDATA for the objects)."""
    envelope = Element("ENVELOPE")
    SubElement(SubElement(envelope, "HEADER"), "TALLYREQUEST").text = "Import Data"
    data = SubElement(SubElement(envelope, "BODY"), "IMPORTDATA")
    description = SubElement(data, "REQUESTDESC")
    SubElement(description, "REPORTNAME").text = report
    statics = SubElement(description, "STATICVARIABLES")
    SubElement(statics, "SVCURRENTCOMPANY").text = company.name
    SubElement(data, "REQUESTDATA")
    return envelope


REPORTS: dict[str, Report] = {
    **OBJECT_REPORTS,
    "trial balance": trial_balance,
    "profit and loss": profit_and_loss,
    "profit & loss": profit_and_loss,
    "profit and loss a/c": profit_and_loss,
    "balance sheet": balance_sheet,
    "ledger vouchers": ledger_vouchers,
    "bills receivable": _bills(RECEIVABLE),
    "bills payable": _bills(PAYABLE),
}


def report_rows(request: TallyRequest, company: Company) -> Iterable[Element]:
    """The rows of the report the request names; Refused for one not answered here."""
    report = REPORTS.get(request.name.strip().lower())
    if report is None:
        raise Refused(f"Could not find Report '{request.name}'!")
    return report(request, company)


def legacy_export(request: TallyRequest, company: Company) -> Answer:
    """A legacy `Export Data` answer: the report's rows straight under ENVELOPE, or for List of
    Accounts, Day Book and Voucher Register the objects in the "Import Data" envelope."""
    rows = report_rows(request, company)
    if request.name.strip().lower() in OBJECT_REPORTS:
        envelope = import_envelope(request.name, company)
        return Answer(envelope, envelope.find("BODY/IMPORTDATA/REQUESTDATA"), rows)
    return Answer(Element("ENVELOPE"), None, rows)


def new_style(data: Iterable[Element] = (), *, company: Company | None = None) -> Answer:
    """The new-style envelope: HEADER{VERSION 1, STATUS 1}, BODY{DESC{CMPINFO}, DATA}, the
    objects in DATA."""
    envelope = Element("ENVELOPE")
    header = SubElement(envelope, "HEADER")
    SubElement(header, "VERSION").text = "1"
    SubElement(header, "STATUS").text = "1"
    body = SubElement(envelope, "BODY")
    description = SubElement(body, "DESC")
    info = SubElement(description, "CMPINFO")
    if company is not None:
        SubElement(info, "COMPANY").text = company.name
    return Answer(envelope, SubElement(body, "DATA"), data)


# -- collections -----------------------------------------------------------------------------

Field = tuple[str, str, Callable[..., str]]


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


LEDGER_FIELDS: dict[str, Field] = {
    "name": ("NAME", "String", lambda lg, c: lg.name),
    "parent": ("PARENT", "String", lambda lg, c: lg.group.name if lg.group else "Primary"),
    "openingbalance": ("OPENINGBALANCE", "Amount", lambda lg, c: column_amount(lg.opening_balance)),
    "closingbalance": ("CLOSINGBALANCE", "Amount", lambda lg, c: column_amount(c.get(lg.pk, ZERO))),
    "partygstin": ("PARTYGSTIN", "String", lambda lg, c: lg.gstin),
    "ledstatename": ("LEDSTATENAME", "String", lambda lg, c: lg.state),
    "isbillwiseon": ("ISBILLWISEON", "Logical", lambda lg, c: _yes(lg.bill_wise)),
    "isrevenue": (
        "ISREVENUE",
        "Logical",
        lambda lg, c: _yes(bool(lg.group and lg.group.is_revenue)),
    ),
    "masterid": ("MASTERID", "Number", lambda lg, c: str(lg.pk)),
    "alterid": ("ALTERID", "Number", lambda lg, c: str(lg.version)),
}
DEBIT_NATURES = (Group.Nature.ASSET, Group.Nature.EXPENSE)
GROUP_FIELDS: dict[str, Field] = {
    "name": ("NAME", "String", lambda g, c: g.name),
    "parent": ("PARENT", "String", lambda g, c: g.parent.name if g.parent else "Primary"),
    "isrevenue": ("ISREVENUE", "Logical", lambda g, c: _yes(g.is_revenue)),
    "isdeemedpositive": (
        "ISDEEMEDPOSITIVE", "Logical", lambda g, c: _yes(g.nature in DEBIT_NATURES)
    ),
    "affectsgrossprofit": (
        "AFFECTSGROSSPROFIT", "Logical", lambda g, c: _yes(g.affects_gross_profit)
    ),
    "closingbalance": ("CLOSINGBALANCE", "Amount", lambda g, c: column_amount(c.get(g.pk, ZERO))),
    "masterid": ("MASTERID", "Number", lambda g, c: str(g.pk)),
}  # fmt: skip
VOUCHER_FIELDS: dict[str, Field] = {
    "date": ("DATE", "Date", lambda v, c: tally_date(v.date)),
    "vouchertypename": ("VOUCHERTYPENAME", "String", lambda v, c: v.voucher_type.name),
    "vouchernumber": ("VOUCHERNUMBER", "String", lambda v, c: v.voucher_no),
    "reference": ("REFERENCE", "String", lambda v, c: v.reference),
    "narration": ("NARRATION", "String", lambda v, c: v.narration),
    "iscancelled": ("ISCANCELLED", "Logical", lambda v, c: _yes(v.is_cancelled)),
    "amount": (
        "AMOUNT", "Amount",
        lambda v, c: column_amount(sum((e.debit for e in v.entries.all()), ZERO)),
    ),
    "guid": ("GUID", "String", lambda v, c: voucher_guid(c, v.pk)),
    "masterid": ("MASTERID", "Number", lambda v, c: str(v.pk)),
    "alterid": ("ALTERID", "Number", lambda v, c: str(v.version)),
}  # fmt: skip
LINES = ("allledgerentries", "ledgerentries")
# The inventory masters' fields (a reader's second argument: the masters' Tally GUIDs by kind
# and id, `writing.master_keys`). An item's opening is the whole of its godowns'; its closing
# needs the stock valuation, not answered here yet.
Kind = TallyKey.Kind


def _common(kind: str) -> dict[str, Field]:
    return {
        "masterid": ("MASTERID", "Number", lambda r, k: str(r.pk)),
        "alterid": ("ALTERID", "Number", lambda r, k: str(r.version)),
        "guid": ("GUID", "String", lambda r, k: k[kind].get(r.pk, "")),
    }


def _first(unit: Unit) -> str:
    return unit.first_unit.symbol if unit.first_unit_id is not None else ""


def _second(unit: Unit) -> str:
    return unit.second_unit.symbol if unit.second_unit_id is not None else ""


UNIT_FIELDS: dict[str, Field] = {
    "name": ("NAME", "String", lambda u, k: u.symbol),
    "symbol": ("SYMBOL", "String", lambda u, k: u.symbol),
    "formalname": ("FORMALNAME", "String", lambda u, k: u.formal_name),
    "originalname": ("ORIGINALNAME", "String", lambda u, k: u.formal_name),
    "issimpleunit": ("ISSIMPLEUNIT", "Logical", lambda u, k: _yes(not u.is_compound)),
    "decimalplaces": ("DECIMALPLACES", "Number", lambda u, k: str(u.decimal_places)),
    "gstrepuom": ("GSTREPUOM", "String", lambda u, k: u.uqc),
    "baseunits": ("BASEUNITS", "String", lambda u, k: _first(u)),
    "additionalunits": ("ADDITIONALUNITS", "String", lambda u, k: _second(u)),
    "conversion": (
        "CONVERSION", "Number",
        lambda u, k: quantity_text(u.conversion) if u.conversion is not None else "",
    ),
    **_common(Kind.UNIT),
}  # fmt: skip


def _parent_name(record: StockGroup | Godown) -> str:
    return record.parent.name if record.parent_id else "Primary"


STOCK_GROUP_FIELDS: dict[str, Field] = {
    "name": ("NAME", "String", lambda g, k: g.name),
    "parent": ("PARENT", "String", lambda g, k: _parent_name(g)),
    "isaddable": ("ISADDABLE", "Logical", lambda g, k: _yes(g.quantities_addable)),
    **_common(Kind.STOCK_GROUP),
}
GODOWN_FIELDS: dict[str, Field] = {
    "name": ("NAME", "String", lambda g, k: g.name),
    "parent": ("PARENT", "String", lambda g, k: _parent_name(g)),
    **_common(Kind.GODOWN),
}


def _opening(item: StockItem) -> tuple[Decimal, Decimal]:
    rows = item.openings.all()
    return sum((r.quantity for r in rows), Decimal(0)), sum((r.value for r in rows), ZERO)


def _opening_rate(item: StockItem) -> str:
    quantity, value = _opening(item)
    per = _first(item.unit) or item.unit.symbol
    return f"{value / quantity:.2f}/{per}" if quantity else ""


STOCK_ITEM_FIELDS: dict[str, Field] = {
    "name": ("NAME", "String", lambda i, k: i.name),
    "parent": ("PARENT", "String", lambda i, k: i.group.name if i.group_id else "Primary"),
    "baseunits": ("BASEUNITS", "String", lambda i, k: i.unit.symbol),
    "costingmethod": ("COSTINGMETHOD", "String", lambda i, k: i.get_costing_method_display()),
    "hsncode": ("HSNCODE", "String", lambda i, k: i.hsn_sac),
    "openingbalance": (
        "OPENINGBALANCE", "Quantity",
        lambda i, k: tally_quantity(_opening(i)[0], i.unit) if _opening(i)[0] else "",
    ),
    "openingvalue": ("OPENINGVALUE", "Amount", lambda i, k: column_amount(_opening(i)[1])),
    "openingrate": ("OPENINGRATE", "Rate", lambda i, k: _opening_rate(i)),
    **_common(Kind.STOCK_ITEM),
}  # fmt: skip


def _fields(asked: CollectionAsked, fields: dict[str, Field]) -> list[Field]:
    if "*" in asked.fetch:
        return list(fields.values())
    return [fields[name] for name in asked.fetch if name in fields]


def _object(tag: str, name: str, fields: list[Field], record: object, context: object) -> Element:
    element = Element(tag, {"NAME": name} if name else {})
    for leaf, kind, read in fields:
        _leaf(element, leaf, read(record, context), kind)
    return element


def _ledger_collection(
    asked: CollectionAsked, request: TallyRequest, company: Company
) -> Iterator[Element]:
    _, date_to = request.period(company)
    closing = {
        row.ledger.pk: row.balance for row in trial_balance_get(company=company, as_of=date_to).rows
    }
    fields = _fields(asked, LEDGER_FIELDS)
    ledgers = Ledger.objects.filter(company=company).select_related("group").order_by("name")
    return (_object("LEDGER", lg.name, fields, lg, closing) for lg in ledgers.iterator(CHUNK))


def _group_collection(asked: CollectionAsked, request: TallyRequest, company: Company) -> list:
    _, date_to = request.period(company)
    groups = list(group_list(company=company))
    report = trial_balance_get(company=company, as_of=date_to)
    roots = chart_build(groups=groups, balances=[(r.ledger, r.balance) for r in report.rows])
    totals = {node.group.pk: node.total for root in roots for node in root.walk()}
    fields = _fields(asked, GROUP_FIELDS)
    return [_object("GROUP", g.name, fields, g, totals) for g in groups]


def _voucher_collection(
    asked: CollectionAsked, request: TallyRequest, company: Company
) -> Iterator[Element]:
    date_from, date_to = request.period(company)
    fields = _fields(asked, VOUCHER_FIELDS)
    lines = "*" in asked.fetch or any(name in LINES for name in asked.fetch)
    vouchers = day_book(company=company, date_from=date_from, date_to=date_to)
    return (_voucher_object(v, fields, lines, company) for v in vouchers.iterator(CHUNK))


def _voucher_object(
    voucher: Voucher, fields: list[Field], lines: bool, company: Company
) -> Element:
    """A VOUCHER with the fetched leaves, and its lines as ALLLEDGERENTRIES.LIST alone when
    asked for (LedgerEntries too: one set, never the double count of FORMAT.md §3)."""
    element = _object("VOUCHER", "", fields, voucher, company)
    element.set("VCHTYPE", voucher.voucher_type.name)
    if lines:
        for entry in voucher.entries.all():
            line = SubElement(element, "ALLLEDGERENTRIES.LIST")
            _leaf(line, "LEDGERNAME", entry.ledger.name, "String")
            _leaf(line, "ISDEEMEDPOSITIVE", _yes(entry.amount > 0), "Logical")
            _leaf(line, "AMOUNT", column_amount(entry.amount), "Amount")
    return element


def _stock_collection(
    model: type[Unit | StockGroup | Godown | StockItem],
    tag: str,
    fields: dict[str, Field],
    related: tuple[str, ...],
    order: str,
) -> Callable[[CollectionAsked, TallyRequest, Company], list[Element]]:
    def build(asked: CollectionAsked, request: TallyRequest, company: Company) -> list[Element]:
        """The company's masters of one inventory kind with the fetched leaves (a fixed
        number of queries: the records with what they name, an item's openings, the GUIDs)."""
        records = model.objects.filter(company=company).select_related(*related).order_by(order)
        if model is StockItem:
            records = records.prefetch_related("openings")
        keys = master_keys(company)
        chosen = _fields(asked, fields)
        return [_object(tag, str(record), chosen, record, keys) for record in records]

    return build


_units = _stock_collection(Unit, "UNIT", UNIT_FIELDS, ("first_unit", "second_unit"), "symbol")
_stock_groups = _stock_collection(StockGroup, "STOCKGROUP", STOCK_GROUP_FIELDS, ("parent",), "name")
_godowns = _stock_collection(Godown, "GODOWN", GODOWN_FIELDS, ("parent",), "name")
_stock_items = _stock_collection(
    StockItem, "STOCKITEM", STOCK_ITEM_FIELDS, ("group", "unit__first_unit"), "name"
)

COLLECTIONS = {
    "unit": _units,
    "units": _units,
    "stockgroup": _stock_groups,
    "stockgroups": _stock_groups,
    "godown": _godowns,
    "godowns": _godowns,
    "stockitem": _stock_items,
    "stockitems": _stock_items,
    "ledger": _ledger_collection,
    "ledgers": _ledger_collection,
    "group": _group_collection,
    "groups": _group_collection,
    "voucher": _voucher_collection,
    "vouchers": _voucher_collection,
}


def collection(request: TallyRequest, company: Company) -> Answer:
    """A new-style collection export: BODY/DATA/COLLECTION of LEDGER, GROUP, VOUCHER, UNIT,
    STOCKGROUP, GODOWN or STOCKITEM objects with the FETCH list's leaves
    (TYPE="String|Amount|Logical|Date|Number|Quantity|Rate")."""
    asked = request.collection
    build = COLLECTIONS.get(asked.type.strip().lower()) if asked is not None else None
    if asked is None or build is None:
        name, kind = (asked.name, asked.type) if asked else (request.name, "")
        raise Refused(f"Could not find Collection '{name}' of type '{kind}'")
    answer = new_style(company=company)
    return Answer(
        answer.envelope, SubElement(answer.slot, "COLLECTION"), build(asked, request, company)
    )


# -- imports ---------------------------------------------------------------------------------


def _last_ids(company: Company) -> tuple[int, int]:
    vouchers = Voucher.objects.filter(company=company).aggregate(last=Max("pk"))["last"] or 0
    ledgers = Ledger.objects.filter(company=company).aggregate(last=Max("pk"))["last"] or 0
    return vouchers, ledgers


def counters(result: Result, *, last_voucher: int, last_master: int) -> list[Element]:
    """Tally's import counters, and a LINEERROR per refused object."""
    figures = {
        "CREATED": result.created,
        "ALTERED": result.altered,
        "DELETED": result.deleted,
        "LASTVCHID": last_voucher,
        "LASTMID": last_master,
        "COMBINED": 0,
        "IGNORED": result.ignored,
        "ERRORS": result.errors,
        "CANCELLED": result.cancelled,
        "EXCEPTIONS": 0,
    }
    answer = []
    for tag, figure in figures.items():
        element = Element(tag)
        element.text = str(figure)
        answer.append(element)
    for line in result.lines:
        if line.startswith("Refused "):
            element = Element("LINEERROR")
            element.text = line.removeprefix("Refused ")
            answer.append(element)
    return answer


def import_answer(request: TallyRequest, company: Company, user: AbstractBaseUser) -> Element:
    """The request's masters and vouchers imported as `user` (a writer), each voucher an
    ordinary save; the counters as a legacy RESPONSE or a new-style IMPORTRESULT."""
    import_allowed(company=company, user=user)
    before = _last_ids(company)
    result = import_streams(company=company, actor=user, streams=[body_stream(request)])
    after = _last_ids(company)
    last_voucher = after[0] if after[0] > before[0] else 0
    last_master = after[1] if after[1] > before[1] else 0
    figures = counters(result, last_voucher=last_voucher, last_master=last_master)
    if not request.new_style:
        response = Element("RESPONSE")
        response.extend(figures)
        return response
    answer = new_style(company=company)
    SubElement(answer.slot, "IMPORTRESULT").extend(figures)
    return answer.envelope


# -- dispatch --------------------------------------------------------------------------------


def answer(request: TallyRequest, company: Company, user: AbstractBaseUser) -> Answer:
    """Tally's answer to an export or import request on `company` (Refused when it has none:
    every refusal is raised before the answer's first byte)."""
    if request.verb == "import":
        return Answer.whole(import_answer(request, company, user))
    if request.type == "Collection":
        return collection(request, company)
    if request.type != "Data":
        raise Refused(
            f"Export of TYPE {request.type} is not answered here: ask for Data or Collection"
        )
    if not request.new_style:
        return legacy_export(request, company)
    return new_style(report_rows(request, company), company=company)
