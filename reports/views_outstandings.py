"""Tally's Outstandings: Bills Receivable and Payable, a ledger's and a group's outstandings,
ageing — pages for people (live: each report is the region "outstandings", which a save that
moves bills re-fetches), JSON for scripts, CSV and Excel files."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from companies.decorators import member_view
from companies.models import Company
from core.errors import Invalid
from core.export import Column, Row, Table, balance_cells, export_format, export_response
from core.export import tally_date as file_date
from core.http import date_param, json_response, region_asked, wants_json
from core.templatetags.tally import dom_id
from ledgers.selectors import ledger_get
from reports.outstandings import (
    BY_BILL,
    BY_DUE,
    PAYABLE,
    RECEIVABLE,
    SIDES,
    Ageing,
    BillsOutstanding,
    GroupOutstanding,
    LedgerOutstanding,
    ageing_get,
    bills_outstanding_get,
    group_named,
    group_outstanding_get,
    ledger_outstanding_get,
    slabs_parse,
)
from vouchers.bills import PendingBill

REGION = "outstandings"  # what vouchers.live and ledgers.live name when bills move
TITLES = {RECEIVABLE: "Bills Receivable", PAYABLE: "Bills Payable"}
AMOUNT = Column("Amount", "amount", 16)
DR_CR = Column("Dr/Cr", width=6)


def _as_of(request: HttpRequest) -> dt.date:
    day: dt.date = date_param(request, "as_of") or timezone.localdate()
    return day


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], *, region: str = REGION
) -> HttpResponse:
    """The page, or its report alone when a live refresh asks for the region."""
    chosen = region_asked(request, {region: f"{template}#report"}) or template
    return render(request, chosen, {"region": region, **context})


def _bill_json(bill: PendingBill, as_of: dt.date) -> dict[str, Any]:
    return {
        "party": bill.party,
        "ledger_id": bill.ledger_id,
        "name": bill.name,
        "date": bill.date,
        "due_date": bill.due_date,
        "pending": bill.pending,
        "overdue_days": bill.overdue_days(as_of),
    }


def _bill_cells(bill: PendingBill, as_of: dt.date) -> list[Any]:
    return [
        bill.date,
        bill.name,
        bill.due_date or bill.date,
        bill.overdue_days(as_of),
        *balance_cells(bill.pending),
    ]


BILL_COLUMNS = [
    Column("Date", "date", 12),
    Column("Ref. No.", width=18),
    Column("Due on", "date", 12),
    Column("Overdue by days", "integer", 10),
    AMOUNT,
    DR_CR,
]


def _bills_table(company: Company, report: BillsOutstanding) -> Table:
    rows = [Row([bill.party, *_bill_cells(bill, report.as_of)]) for bill in report.bills]
    rows.append(Row(["Total", None, None, None, None, *balance_cells(report.total)], "total"))
    return Table(
        company=company.name,
        title=TITLES[report.side],
        period=f"as at {file_date(report.as_of)}",
        columns=[Column("Party", width=32), *BILL_COLUMNS],
        rows=rows,
    )


def _bills(request: HttpRequest, company: Company, side: str) -> HttpResponse:
    report = bills_outstanding_get(company=company, as_of=_as_of(request), side=side)
    if fmt := export_format(request):
        return export_response(request, _bills_table(company, report), fmt)
    if wants_json(request):
        bills = [_bill_json(bill, report.as_of) for bill in report.bills]
        return json_response({"as_of": report.as_of, "bills": bills, "total": report.total})
    return _page(
        request, "reports/bills_outstanding.html", {"report": report, "title": TITLES[side]}
    )


@require_http_methods(["GET"])
@member_view
def bills_receivable(request: HttpRequest, company: Company) -> HttpResponse:
    """Bills Receivable on ?as_of= (today by default): every bill with a debit pending."""
    return _bills(request, company, RECEIVABLE)


@require_http_methods(["GET"])
@member_view
def bills_payable(request: HttpRequest, company: Company) -> HttpResponse:
    """Bills Payable on ?as_of=: every bill with a credit pending."""
    return _bills(request, company, PAYABLE)


def _ledger_table(company: Company, report: LedgerOutstanding) -> Table:
    rows = [Row(_bill_cells(bill, report.as_of)) for bill in report.bills]
    if report.on_account:
        rows.append(Row([None, "On Account", None, None, *balance_cells(report.on_account)]))
    rows.append(Row(["Total", None, None, None, *balance_cells(report.balance)], "total"))
    return Table(
        company=company.name,
        title=f"Ledger Outstandings: {report.ledger.name}",
        period=f"as at {file_date(report.as_of)}",
        columns=BILL_COLUMNS,
        rows=rows,
    )


@require_http_methods(["GET"])
@member_view
def ledger_outstanding(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """A ledger's pending bills on ?as_of=, and On Account: its balance less the bills."""
    ledger = ledger_get(company=company, ledger_id=pk)
    report = ledger_outstanding_get(company=company, ledger=ledger, as_of=_as_of(request))
    if fmt := export_format(request):
        return export_response(request, _ledger_table(company, report), fmt)
    if wants_json(request):
        return json_response(
            {
                "as_of": report.as_of,
                "ledger": {"id": ledger.pk, "name": ledger.name},
                "bills": [_bill_json(bill, report.as_of) for bill in report.bills],
                "pending": report.pending,
                "on_account": report.on_account,
                "balance": report.balance,
            }
        )
    return _page(request, "reports/outstanding_ledger.html", {"report": report})


def _group_table(company: Company, report: GroupOutstanding) -> Table:
    def cells(pending: Any, on_account: Any, balance: Any) -> list[Any]:
        return [*balance_cells(pending), *balance_cells(on_account), *balance_cells(balance)]

    rows = [Row([p.party, *cells(p.pending, p.on_account, p.balance)]) for p in report.parties]
    rows.append(Row(["Total", *cells(report.pending, report.on_account, report.balance)], "total"))
    return Table(
        company=company.name,
        title=f"Group Outstandings: {report.group.name}",
        period=f"as at {file_date(report.as_of)}",
        columns=[
            Column("Party", width=32),
            Column("Pending Bills", "amount", 16),
            DR_CR,
            Column("On Account", "amount", 16),
            DR_CR,
            Column("Closing Balance", "amount", 16),
            DR_CR,
        ],
        rows=rows,
    )


@require_http_methods(["GET"])
@member_view
def group_outstanding(request: HttpRequest, company: Company, group: str) -> HttpResponse:
    """A group's outstandings (by id or name) on ?as_of=: per party, pending bills, On Account
    and closing balance."""
    found = group_named(company=company, key=group)
    report = group_outstanding_get(company=company, group=found, as_of=_as_of(request))
    if fmt := export_format(request):
        return export_response(request, _group_table(company, report), fmt)
    if wants_json(request):
        parties = [
            {
                "ledger_id": p.ledger_id,
                "party": p.party,
                "pending": p.pending,
                "on_account": p.on_account,
                "balance": p.balance,
            }
            for p in report.parties
        ]
        return json_response(
            {
                "as_of": report.as_of,
                "group": {"id": found.pk, "name": found.name},
                "parties": parties,
                "pending": report.pending,
                "on_account": report.on_account,
                "balance": report.balance,
            }
        )
    # Its region is the group's own, which every balance moved under it refreshes
    # (ledgers.live), bill-wise or not: it shows each ledger's closing balance.
    return _page(
        request,
        "reports/outstanding_group.html",
        {"report": report},
        region=dom_id(found, "outstanding"),
    )


def _choice(request: HttpRequest, name: str, choices: tuple[str, ...]) -> str:
    value = request.GET.get(name) or choices[0]
    if value not in choices:
        raise Invalid.field(name, f"Choose {' or '.join(choices)}.")
    return value


def _ageing_table(company: Company, report: Ageing) -> Table:
    def cells(amounts: list[Any], total: Any) -> list[Any]:
        return [*(amount or None for amount in amounts), total]

    rows = [Row([row.party, *cells(row.amounts, row.total)]) for row in report.rows]
    rows.append(Row(["Total", *cells(report.totals, report.total)], "total"))
    slabs = [Column(slab.label, "amount", 14) for slab in report.slabs]
    return Table(
        company=company.name,
        title=f"Ageing: {TITLES[report.side]} by {report.by} date",
        period=f"as at {file_date(report.as_of)}",
        columns=[Column("Party", width=32), *slabs, Column("Total", "amount", 16)],
        rows=rows,
    )


@require_http_methods(["GET"])
@member_view
def ageing(request: HttpRequest, company: Company) -> HttpResponse:
    """Ageing of Bills Receivable (?side=payable: Payable) on ?as_of=, by ?by=due (days past the
    due date; default) or bill (days since the bill's date), in ?slabs=30,60,90."""
    report = ageing_get(
        company=company,
        as_of=_as_of(request),
        side=_choice(request, "side", SIDES),
        by=_choice(request, "by", (BY_DUE, BY_BILL)),
        ends=slabs_parse(request.GET.get("slabs")),
    )
    if fmt := export_format(request):
        return export_response(request, _ageing_table(company, report), fmt)
    if wants_json(request):
        slabs = [{"label": s.label, "from": s.low, "to": s.high} for s in report.slabs]
        rows = [
            {"ledger_id": r.ledger_id, "party": r.party, "amounts": r.amounts, "total": r.total}
            for r in report.rows
        ]
        return json_response(
            {
                "as_of": report.as_of,
                "side": report.side,
                "by": report.by,
                "slabs": slabs,
                "parties": rows,
                "totals": report.totals,
                "total": report.total,
            }
        )
    slabs_text = ",".join(str(s.high) for s in report.slabs if s.high is not None and s.high >= 0)
    context = {"report": report, "title": TITLES[report.side], "slabs_text": slabs_text}
    return _page(request, "reports/ageing.html", context)
