"""Reports over HTTP: the Trial Balance (JSON; the browser UI adds pages)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from companies.errors import Invalid
from companies.http import json_response, member_view
from companies.models import Company
from companies.validation import parse_date
from reports.selectors import trial_balance_get


@require_http_methods(["GET"])
@member_view
def trial_balance(request: HttpRequest, company: Company) -> HttpResponse:
    as_of = None
    if raw := request.GET.get("as_of"):
        try:
            as_of = parse_date(raw)
        except ValueError as exc:
            raise Invalid.field("as_of", str(exc)) from None
    report = trial_balance_get(company=company, as_of=as_of)
    return json_response(
        {
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
            "opening_difference": abs(report.opening_difference),
            "opening_difference_side": (
                None
                if not report.opening_difference
                else "Dr"
                if report.opening_difference > 0
                else "Cr"
            ),
        }
    )
