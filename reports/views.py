"""Company dashboard, Trial Balance, final accounts and a ledger's books (statement, Cash/Bank
Book, Monthly Summary): pages for people, JSON for scripts."""

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
from core.http import date_param, json_response, wants_json
from core.templatetags.tally import dom_id
from core.validation import FIRST_YEAR, LAST_YEAR, optional_dates, parse_id
from ledgers.models import Ledger
from ledgers.selectors import group_list, ledger_get, ledger_json, ledger_list
from locking.services import locks_of_company
from reports.selectors import (
    BalanceSheet,
    FinalLine,
    ProfitAndLoss,
    TrialBalance,
    balance_sheet_get,
    dashboard_get,
    profit_and_loss_get,
    trial_balance_get,
    trial_balance_grouped,
)
from reports.statements import (
    MonthlySummary,
    Statement,
    StatementKey,
    ledger_monthly_get,
    ledger_statement_get,
)

STATEMENT_PAGE = 200


@require_http_methods(["GET"])
@member_view
def dashboard(request: HttpRequest, company: Company) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    if wants_json(request):
        return json_response(company_json(company, membership.role))
    context = {
        "dashboard": dashboard_get(company=company, today=timezone.localdate()),
        "locks": locks_of_company(company=company),
    }
    return render(request, "reports/dashboard.html", context)


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
    return render(request, "reports/trial_balance.html", context)


def _page_key(request: HttpRequest) -> StatementKey | None:
    """?after=, the key a statement page starts after (none: the first page)."""
    text = request.GET.get("after", "")
    return StatementKey.parse(text) if text.strip() else None


def _statement(request: HttpRequest, company: Company, ledger: Ledger) -> Statement:
    date_from, date_to = _period(request, company)
    return ledger_statement_get(
        ledger=ledger,
        date_from=date_from,
        date_to=date_to,
        after=_page_key(request),
        limit=STATEMENT_PAGE,
        company=company,
    )


def _ledger_named(ledger: Ledger) -> dict[str, Any]:
    return {"id": ledger.pk, "name": ledger.name, "group": getattr(ledger.group, "name", None)}


def _key_json(key: StatementKey | None) -> str | None:
    return None if key is None else str(key)


def _statement_json(statement: Statement) -> dict[str, Any]:
    """A statement page: signed balances (positive = Dr), unsigned debit and credit columns;
    `next` the key of the next page (null on the last), `previous` that of the previous page
    ("" when it is the first, null on the first)."""
    return {
        "ledger": _ledger_named(statement.ledger),
        "from": statement.date_from,
        "to": statement.date_to,
        "after": _key_json(statement.after),
        "opening": statement.opening,
        "lines": [
            {
                "date": line.date,
                "particulars": line.particulars,
                "voucher_id": line.voucher_id,
                "voucher_type": line.voucher_type,
                "number": line.number,
                "debit": line.debit,
                "credit": line.credit,
                "balance": line.balance,
                "key": str(line.key),
            }
            for line in statement.lines
        ],
        "closing": statement.closing,
        "next": _key_json(statement.next),
        "previous": None if statement.after is None else str(statement.previous or ""),
    }


@require_http_methods(["GET"])
@member_view
def ledger_statement(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """A ledger's statement (Tally's Ledger Vouchers), ?from=&to= (this financial year to
    today by default), a page of lines at a time after the key ?after=. A browser reaches it at
    the ledger's own URL too (tallysync.urls), where scripts get the ledger's JSON."""
    ledger = ledger_get(company=company, ledger_id=pk)
    statement = _statement(request, company, ledger)
    if wants_json(request):
        return json_response(_statement_json(statement))
    context = {"ledger": ledger, "statement": statement}
    template = _region(request, "reports/ledger_statement.html", dom_id(ledger, "statement"))
    return render(request, template, context)


@require_http_methods(["GET"])
@member_view
def cash_bank_books(request: HttpRequest, company: Company) -> HttpResponse:
    """Tally's Cash/Bank Book(s): the cash and bank ledgers to choose from, with balances."""
    ledgers = list(ledger_list(company=company).filter(group__is_cash_bank=True))
    if wants_json(request):
        return json_response([ledger_json(ledger) for ledger in ledgers])
    template = _region(request, "reports/cash_bank_books.html", "cash-bank-books")
    return render(request, template, {"ledgers": ledgers})


@require_http_methods(["GET"])
@member_view
def cash_bank_book(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """A cash or bank ledger's statement with each day's closing balance after the day's last
    line; `ledger` refused (400) for a ledger outside Cash-in-Hand and the bank groups."""
    ledger = ledger_get(company=company, ledger_id=pk)
    if ledger.group is None or not ledger.group.is_cash_bank:
        message = (
            f"{ledger.name} is not a cash or bank ledger: the Cash/Bank Book shows ledgers under "
            "Cash-in-Hand, Bank Accounts or Bank OD A/c."
        )
        raise Invalid.field("ledger", message)
    statement = _statement(request, company, ledger)
    if wants_json(request):
        days = [{"date": x.date, "closing": x.balance} for x in statement.lines if x.day_end]
        return json_response({**_statement_json(statement), "day_closings": days})
    context = {"ledger": ledger, "statement": statement, "daily": True}
    template = _region(request, "reports/cash_bank_book.html", dom_id(ledger, "statement"))
    return render(request, template, context)


def _year(request: HttpRequest, company: Company) -> int:
    """?year= (2026 for 2026-27), by default the financial year of today; Invalid naming
    `year` otherwise."""
    text = request.GET.get("year", "").strip()
    if not text:
        return company.financial_year_of(timezone.localdate())
    year = parse_id(text)
    if year is None or not FIRST_YEAR <= year < LAST_YEAR:
        message = "Enter the year a financial year begins in, like 2026 for 2026-27."
        raise Invalid.field("year", message)
    return year


def _monthly_json(summary: MonthlySummary) -> dict[str, Any]:
    return {
        "ledger": _ledger_named(summary.ledger),
        "from": summary.year_start,
        "to": summary.year_end,
        "opening": summary.opening,
        "months": [
            {
                "month": f"{line.date_from:%Y-%m}",
                "from": line.date_from,
                "to": line.date_to,
                "debit": line.debit,
                "credit": line.credit,
                "closing": line.closing,
            }
            for line in summary.months
        ],
        "total_debit": summary.total_debit,
        "total_credit": summary.total_credit,
        "closing": summary.closing,
    }


@require_http_methods(["GET"])
@member_view
def ledger_monthly(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """A ledger's Monthly Summary for a financial year (?year=), each month drilling down to
    the ledger's statement for that month."""
    summary = ledger_monthly_get(company=company, ledger_id=pk, year=_year(request, company))
    if wants_json(request):
        return json_response(_monthly_json(summary))
    region = dom_id(summary.ledger, "monthly")
    template = _region(request, "reports/ledger_monthly.html", region)
    return render(request, template, {"summary": summary, "ledger": summary.ledger})


def _region(request: HttpRequest, template: str, region: str) -> str:
    """The report's own partial when a live refresh asks for its region (htmx's target)."""
    target = request.htmx.target if request.htmx else None  # type: ignore[attr-defined]
    return f"{template}#report" if target == region else template


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
    return render(request, _region(request, "reports/profit_loss.html", "profit-loss"), context)


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
    return render(request, _region(request, "reports/balance_sheet.html", "balance-sheet"), context)
