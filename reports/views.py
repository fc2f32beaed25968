"""Company dashboard, Trial Balance and ledger statement: pages for people, JSON for scripts."""

from __future__ import annotations

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
from core.validation import parse_id
from ledgers.selectors import group_list, ledger_get
from locking.services import locks_of_company
from reports.selectors import (
    TrialBalance,
    dashboard_get,
    ledger_statement_get,
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
    return render(request, "reports/ledger_statement.html", context)
