"""Company dashboard, Trial Balance and ledger statement: pages for people, JSON for scripts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from companies.decorators import member_view
from companies.models import Company
from companies.serializers import company_json
from core.errors import Invalid
from core.http import date_param, json_response, region_asked, wants_json
from core.templatetags.tally import dom_id
from core.validation import optional_dates, parse_id
from ledgers.selectors import group_list, ledger_get
from locking.services import locks_of_company
from reports.selectors import (
    BalanceSheet,
    FinalLine,
    ProfitAndLoss,
    TrialBalance,
    balance_sheet_get,
    dashboard_get,
    ledger_statement_get,
    profit_and_loss_get,
    trial_balance_get,
    trial_balance_grouped,
)

STATEMENT_PAGE = 200


@require_http_methods(["GET"])
@member_view
def dashboard(request: HttpRequest, company: Company) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    if wants_json(request):
        return json_response(company_json(company, membership.role))
    today = timezone.localdate()
    page = "reports/dashboard.html"
    region = region_asked(
        request,
        {
            "dashboard-cash-bank": f"{page}#cash-bank",
            "dashboard-receivables": f"{page}#receivables",
            "dashboard-payables": f"{page}#payables",
            "dashboard-activity": f"{page}#activity",
            dom_id("day-book", today.isoformat()): f"{page}#today",
        },
    )
    context = {
        "dashboard": dashboard_get(company=company, today=today),  # read as the page uses it
        "locks": None if region else locks_of_company(company=company),
    }
    return render(request, region or page, context)


def _trial_balance_json(report: TrialBalance) -> dict[str, Any]:
    difference = report.opening_difference
    return {
        "as_of": report.as_of,
        "rows": [
            {
                "ledger_id": row.ledger.pk,
                "ledger": row.ledger.name,
                "group": row.ledger.group.name if row.ledger.group else None,
                "debit": row.debit,
                "credit": row.credit,
            }
            for row in report.rows
        ],
        "total_debit": report.total_debit,
        "total_credit": report.total_credit,
        "opening_difference": abs(difference),
        "opening_difference_side": None if not difference else "Dr" if difference > 0 else "Cr",
    }


@require_http_methods(["GET"])
@member_view
def trial_balance(request: HttpRequest, company: Company) -> HttpResponse:
    as_of = date_param(request, "as_of")
    if wants_json(request):
        return json_response(_trial_balance_json(trial_balance_get(company=company, as_of=as_of)))
    # A person reads the Trial Balance as of a day: today unless they choose another.
    as_of = as_of or timezone.localdate()
    report = trial_balance_get(company=company, as_of=as_of)
    group_id = parse_id(request.GET.get("group", ""))
    grouped, focus = trial_balance_grouped(
        report=report, groups=list(group_list(company=company)), focus_id=group_id
    )
    if group_id is not None and focus is None:
        raise Invalid.field("group", "No such group in this company.")
    context = {"report": report, "as_of": as_of, "focus": focus, "grouped": grouped}
    page = "reports/trial_balance.html"
    return render(
        request, region_asked(request, {"trial-balance": f"{page}#report"}) or page, context
    )


@require_http_methods(["GET"])
@member_view
def ledger_statement(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """A ledger's statement, this financial year by default, a page of lines at a time. Its URL
    is the ledger's own (tallysync.urls): scripts get the ledger's JSON there."""
    ledger = ledger_get(company=company, ledger_id=pk)
    today = timezone.localdate()
    fy_start = company.financial_year_begins(today)
    date_from = date_param(request, "from", max(fy_start, company.books_beginning))
    date_to = date_param(request, "to", today)
    offset = parse_id(request.GET.get("offset", "")) or 0
    statement = ledger_statement_get(
        ledger=ledger,
        date_from=date_from,
        date_to=date_to,
        offset=offset,
        limit=STATEMENT_PAGE,
        company=company,
    )
    context = {
        "ledger": ledger,
        "statement": statement,
        "next_offset": offset + STATEMENT_PAGE,
    }
    page = "reports/ledger_statement.html"
    region = region_asked(request, {dom_id(ledger, "statement"): f"{page}#statement"})
    return render(request, region or page, context)


def _line_json(line: FinalLine, part: str) -> dict[str, Any]:
    return {
        "particulars": line.particulars,
        "amount": line.amount,
        "part": part,
        "group_id": line.group.pk if line.group else None,
        "details": [
            {
                "particulars": row.particulars,
                "amount": row.amount,
                "depth": row.depth,
                "ledger_id": row.ledger.pk if row.ledger else None,
            }
            for row in line.details
        ],
    }


def _profit_and_loss_json(report: ProfitAndLoss) -> dict[str, Any]:
    def side(trading: list[FinalLine], rest: list[FinalLine]) -> list[dict[str, Any]]:
        return [_line_json(x, "trading") for x in trading] + [
            _line_json(x, "profit_loss") for x in rest
        ]

    return {
        "from": report.date_from,
        "to": report.date_to,
        "gross_profit": report.gross_profit,
        "nett_profit": report.nett_profit,
        "debit": side(report.trading_debit, report.debit),
        "credit": side(report.trading_credit, report.credit),
        "trading_total": report.trading_total,
        "total": report.total,
    }


def _period(request: HttpRequest, company: Company) -> tuple[dt.date, dt.date]:
    """?from=&to=, by default the current financial year to today (from the day the books
    begin); Invalid naming the field for a date that is none or a period that ends first."""
    dates = optional_dates(request.GET, "from", "to")
    date_to = dates["to"] or timezone.localdate()
    year_start = company.financial_year_begins(date_to)
    date_from = dates["from"] or max(year_start, company.books_beginning)
    if date_from > date_to:
        raise Invalid.field("to", "The period ends before it begins.")
    return date_from, date_to


@require_http_methods(["GET"])
@member_view
def profit_and_loss(request: HttpRequest, company: Company) -> HttpResponse:
    """Tally's Profit & Loss A/c for a period; ?detailed=1 shows sub-groups and ledgers."""
    date_from, date_to = _period(request, company)
    report = profit_and_loss_get(company=company, date_from=date_from, date_to=date_to)
    if wants_json(request):
        return json_response(_profit_and_loss_json(report))
    context = {"report": report, "detailed": request.GET.get("detailed") == "1"}
    page = "reports/profit_loss.html"
    region = region_asked(request, {"profit-loss": f"{page}#report"})
    return render(request, region or page, context)


def _balance_sheet_json(report: BalanceSheet) -> dict[str, Any]:
    return {
        "as_of": report.as_of,
        "liabilities": [_line_json(x, "liabilities") for x in report.liabilities],
        "assets": [_line_json(x, "assets") for x in report.assets],
        "liabilities_total": report.liabilities_total,
        "assets_total": report.assets_total,
    }


@require_http_methods(["GET"])
@member_view
def balance_sheet(request: HttpRequest, company: Company) -> HttpResponse:
    """Tally's Balance Sheet as of a day (today by default); ?detailed=1 as above."""
    as_of = date_param(request, "as_of") or timezone.localdate()
    report = balance_sheet_get(company=company, as_of=as_of)
    if wants_json(request):
        return json_response(_balance_sheet_json(report))
    year_start = max(company.financial_year_begins(as_of), company.books_beginning)
    context = {
        "report": report,
        "detailed": request.GET.get("detailed") == "1",
        "year_start": min(year_start, as_of),
    }
    page = "reports/balance_sheet.html"
    region = region_asked(request, {"balance-sheet": f"{page}#report"})
    return render(request, region or page, context)
