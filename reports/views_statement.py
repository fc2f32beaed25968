"""A party's statement of account (reports.party_statement): the printable page, its JSON, and
the PDF to send to the party."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods
from fpdf import FontFace
from fpdf.enums import TableBordersLayout

from companies.decorators import member_view
from companies.models import Company
from core.errors import Invalid
from core.export import period_text, tally_date
from core.http import json_response, wants_json
from core.money import format_amount, format_balance
from core.pdf import FONT, RUPEE, Pdf
from reports.party_statement import PartyStatement, party_statement_get
from reports.views import period_asked

PDF = "pdf"


@require_http_methods(["GET"])
@member_view
def party_statement(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """Tally's statement of account of a ledger for ?from=&to= (this financial year to today
    by default); ?format=pdf the PDF to send. NotFound (404) for another company's ledger."""
    fmt = request.GET.get("format")
    if fmt not in (None, PDF):
        raise Invalid.field("format", 'The format may be "pdf" (or left out for the page).')
    date_from, date_to = period_asked(request, company)
    statement = party_statement_get(
        company=company, ledger_id=pk, date_from=date_from, date_to=date_to
    )
    if fmt == PDF:
        response = HttpResponse(statement_pdf(statement), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            True, statement_filename(statement)
        )
        return response
    if wants_json(request):
        return json_response(statement_json(statement))
    return render(request, "reports/party_statement.html", {"statement": statement})


def statement_filename(statement: PartyStatement) -> str:
    """`Statement-Sharma Enterprises-2026-11-30.pdf`, without a character file systems refuse."""
    party = "".join("-" if c in '\\/*?:"<>|' or ord(c) < 32 else c for c in statement.ledger.name)
    return f"Statement-{party.strip()}-{statement.date_to.isoformat()}.pdf"


def _company_json(company: Company) -> dict[str, Any]:
    return {
        "name": company.name,
        "mailing_name": company.printed_name,
        "address": company.address,
        "state": company.state,
        "pin": company.pin,
        "gstin": company.gstin,
    }


def statement_json(statement: PartyStatement) -> dict[str, Any]:
    """Signed balances (positive = Dr), unsigned debit and credit; `bills` null for a ledger
    that does not keep balances bill-by-bill, else those pending on `to` signed like the
    balance, and `on_account` what the closing holds beyond them."""
    ledger, bills = statement.ledger, statement.bills
    return {
        "company": _company_json(statement.company),
        "party": {
            "id": ledger.pk,
            "name": ledger.name,
            "group": getattr(ledger.group, "name", None),
            "state": ledger.state,
            "gstin": ledger.gstin,
        },
        "from": statement.date_from,
        "to": statement.date_to,
        "opening": statement.opening,
        "lines": [
            {
                "date": row.line.date,
                "voucher_id": row.line.voucher_id,
                "voucher_type": row.line.voucher_type,
                "number": row.line.number,
                "reference": row.reference,
                "particulars": row.line.particulars,
                "debit": row.line.debit,
                "credit": row.line.credit,
                "balance": row.line.balance,
            }
            for row in statement.lines
        ],
        "total_debit": statement.total_debit,
        "total_credit": statement.total_credit,
        "closing": statement.closing,
        "bills": None
        if bills is None
        else [
            {
                "name": bill.name,
                "date": bill.date,
                "due_date": bill.due_date,
                "pending": bill.pending,
                "overdue_days": statement.overdue_days(bill),
            }
            for bill in bills
        ],
        "on_account": None if bills is None else statement.on_account,
    }


# -- The PDF (core.pdf: A4, DejaVu Sans embedded, so ₹ and names in Latin, Greek or Cyrillic
# print as typed).

_BOLD = FontFace(emphasis="BOLD")
_LINE_COLUMNS = (
    "Date",
    "Particulars",
    "Vch Type",
    "Vch No.",
    "Ref.",
    f"Debit ({RUPEE})",
    f"Credit ({RUPEE})",
)
_LINE_WIDTHS = (19, 46, 20, 13, 20, 23, 23, 26)  # with Balance: the 190 mm between margins
_BILL_COLUMNS = ("Bill", "Date", "Due on", f"Pending ({RUPEE})", "Overdue days")
_BILL_WIDTHS = (50, 30, 30, 45, 35)


def _amount(value: Any) -> str:
    return format_amount(value) if value else ""


def _heads(pdf: Pdf, statement: PartyStatement) -> None:
    """The company's head, centred, then whom the statement is to and its period."""
    company, ledger = statement.company, statement.ledger
    pdf.set_font(FONT, style="B", size=13)
    pdf.cell(0, 7, company.printed_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=8)
    place = ", ".join(x for x in (company.state, company.pin) if x)
    for text in [*company.address.splitlines(), place, company.gstin and f"GSTIN: {company.gstin}"]:
        if text.strip():
            pdf.cell(0, 4, text.strip(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, style="B", size=11)
    pdf.cell(0, 6, "Statement of Account", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    period = period_text(statement.date_from, statement.date_to)
    pdf.cell(0, 5, period, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, style="B", size=10)
    pdf.cell(0, 5, ledger.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=8)
    for text in (ledger.state, ledger.gstin and f"GSTIN: {ledger.gstin}"):
        if text:
            pdf.cell(0, 4, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _lines_table(pdf: Pdf, statement: PartyStatement) -> None:
    """The vouchers between the opening and the closing balance; the heading row repeats on
    every page the table runs onto."""
    align = ("LEFT", "LEFT", "LEFT", "RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT")
    with pdf.table(
        col_widths=_LINE_WIDTHS,
        text_align=align,
        line_height=4.5,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        repeat_headings=1,
    ) as table:
        table.row([*_LINE_COLUMNS, f"Balance ({RUPEE})"])
        row = table.row()
        row.cell(tally_date(statement.date_from))
        row.cell("Opening Balance", colspan=6, style=_BOLD)
        row.cell(format_balance(statement.opening))
        for party_line in statement.lines:
            line = party_line.line
            table.row(
                [
                    tally_date(line.date),
                    line.particulars,
                    line.voucher_type,
                    str(line.number),
                    party_line.reference,
                    _amount(line.debit),
                    _amount(line.credit),
                    format_balance(line.balance),
                ]
            )
        row = table.row(style=_BOLD)
        row.cell("")
        row.cell("Total", colspan=4)
        row.cell(_amount(statement.total_debit))
        row.cell(_amount(statement.total_credit))
        row.cell("")
        row = table.row(style=_BOLD)
        row.cell(tally_date(statement.date_to))
        row.cell("Closing Balance", colspan=6)
        row.cell(format_balance(statement.closing))


def _bills_table(pdf: Pdf, statement: PartyStatement) -> None:
    """The bills pending at the period's end, then On Account and the closing they add up to."""
    pdf.ln(5)
    pdf.set_font(FONT, style="B", size=10)
    title = f"Pending bills as on {tally_date(statement.date_to)}"
    pdf.cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=8)
    with pdf.table(
        col_widths=_BILL_WIDTHS,
        text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
        line_height=4.5,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        repeat_headings=1,
    ) as table:
        table.row(_BILL_COLUMNS)
        for bill in statement.bills or ():
            table.row(
                [
                    bill.name,
                    tally_date(bill.date),
                    tally_date(bill.due_date or bill.date),
                    format_balance(bill.pending),
                    str(statement.overdue_days(bill) or ""),
                ]
            )
        for label, value in (
            ("On Account", statement.on_account),
            ("Closing Balance", statement.closing),
        ):
            row = table.row(style=_BOLD)
            row.cell(label, colspan=3)
            row.cell(format_balance(value))
            row.cell("")


def statement_pdf(statement: PartyStatement, *, compress: bool = True) -> bytes:
    """The statement as an A4 PDF (`compress` off leaves the page streams uncompressed, for
    tests)."""
    pdf = Pdf(
        title=f"Statement of Account: {statement.ledger.name}",
        author=statement.company.printed_name,
        compress=compress,
    )
    pdf.add_page()
    _heads(pdf, statement)
    pdf.set_font(FONT, size=8)
    _lines_table(pdf, statement)
    if statement.bills is not None:
        _bills_table(pdf, statement)
    return pdf.bytes()
