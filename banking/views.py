"""Banking pages and their JSON: the bank ledgers, a bank's Bank Reconciliation (bank dates
set inline), and its statement (format, CSV import, proposed matches to accept)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from banking.forms import COLUMNS
from banking.live import statement_region
from banking.models import StatementFormat
from banking.selectors import (
    MATCH_DAYS,
    Reconciliation,
    bank_ledger_get,
    bank_ledgers,
    bank_reconciliation_get,
    proposals_get,
    statement_format_get,
    statement_lines,
)
from banking.services import (
    bank_dates_save,
    statement_format_set,
    statement_import,
    statement_matches_accept,
)
from banking.snapshots import statement_format_snapshot
from banking.statements import Proposal, text_of
from companies.decorators import member_view
from companies.models import Company
from core.errors import DomainError
from core.http import body_data, date_param, form_refusal, json_response, region_asked, wants_json
from ledgers.models import Ledger
from ledgers.selectors import ledger_get
from vouchers.live import reconciliation_region

MAX_UPLOAD = 2_000_000


@require_http_methods(["GET"])
@member_view
def banking(request: HttpRequest, company: Company) -> HttpResponse:
    """The bank ledgers, each with its Bank Reconciliation and statement."""
    ledgers = list(bank_ledgers(company=company))
    if wants_json(request):
        return json_response([{"id": x.pk, "name": x.name} for x in ledgers])
    return render(request, "banking/index.html", {"ledgers": ledgers})


def _ledger(request: HttpRequest, company: Company, pk: int) -> Ledger:
    """The bank ledger a page shows; for a write, the ledger as named (the service refuses one
    that is not a bank, after the actor's role: a viewer hears that it may not write first)."""
    if request.method == "GET":
        return bank_ledger_get(company=company, ledger_id=pk)
    return ledger_get(company=company, ledger_id=pk)


def _period(request: HttpRequest, company: Company) -> tuple[dt.date, dt.date]:
    """?from=&to=: this financial year to today by default."""
    today = timezone.localdate()
    date_to = date_param(request, "to", today)
    date_from = date_param(request, "from", company.financial_year_begins(date_to))
    return date_from, date_to


def _reconciliation_json(report: Reconciliation) -> dict[str, Any]:
    return {
        "ledger": {"id": report.ledger.pk, "name": report.ledger.name},
        "from": report.date_from,
        "to": report.date_to,
        "balance_as_per_books": report.books,
        "not_reflected_in_bank": {
            "debit": report.unreflected_debit,
            "credit": report.unreflected_credit,
        },
        "balance_as_per_bank": report.bank,
        "entries": [
            {
                "entry_id": row.entry_id,
                "voucher_id": row.voucher_id,
                "version": row.version,
                "date": row.date,
                "particulars": row.particulars,
                "voucher_type": row.voucher_type,
                "number": row.number,
                "instrument_type": row.instrument_type,
                "instrument_number": row.instrument_number,
                "instrument_date": row.instrument_date,
                "debit": row.debit,
                "credit": row.credit,
                "bank_date": row.bank_date,
            }
            for row in report.rows
        ],
    }


def _page_or_refused(
    request: HttpRequest, save: Callable[[], Any], saved: str, refused: Callable[..., HttpResponse]
) -> HttpResponse | None:
    """Run a page's save: None when saved (with `saved` as its message), else the page again
    with why (form_refusal). A script's refusal is raised, for the JSON answer."""
    if wants_json(request):
        save()
        return None
    try:
        save()
    except DomainError as exc:
        errors, status = form_refusal(exc)
        return refused(errors=errors, status=status)
    messages.success(request, saved)
    return None


@require_http_methods(["GET", "POST"])
@member_view
def reconciliation(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """Tally's Bank Reconciliation of a bank ledger, ?from=&to=; POST sets or clears bank dates
    (JSON: {"dates": {entry id: date | null}, "versions": {voucher id: version}})."""
    ledger = _ledger(request, company, pk)
    if request.method == "POST":
        data = body_data(request)

        def save() -> Any:
            return bank_dates_save(company=company, actor=request.user, ledger=ledger, data=data)

        def refused(errors: dict[str, list[str]], status: int) -> HttpResponse:
            return _reconciliation_page(request, company, ledger, errors=errors, status=status)

        answer = _page_or_refused(request, save, "Bank dates saved.", refused)
        if answer is not None:
            return answer
        if not wants_json(request):
            return redirect(request.get_full_path())
    date_from, date_to = _period(request, company)
    if wants_json(request):
        report = bank_reconciliation_get(ledger=ledger, date_from=date_from, date_to=date_to)
        return json_response(_reconciliation_json(report))
    return _reconciliation_page(request, company, ledger)


def _reconciliation_page(
    request: HttpRequest,
    company: Company,
    ledger: Ledger,
    *,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    date_from, date_to = _period(request, company)
    report = bank_reconciliation_get(ledger=ledger, date_from=date_from, date_to=date_to)
    page = "banking/reconciliation.html"
    region = region_asked(request, {reconciliation_region(ledger.pk): f"{page}#report"})
    typed = request.POST if request.method == "POST" else {}
    context = {
        "ledger": ledger,
        "report": report,
        "region": reconciliation_region(ledger.pk),
        "errors": errors or {},
        # What was typed, shown again beside why it was not saved.
        "lines": [(row, typed.get(f"bank_date-{row.entry_id}")) for row in report.rows],
    }
    return render(request, region or page, context, status=status)


def _proposal_json(proposal: Proposal) -> dict[str, Any]:
    entry = proposal.entry
    return {
        "line_id": proposal.line.pk,
        "entry_id": entry.pk,
        "voucher_id": entry.voucher_id,
        "version": entry.voucher.version,
        "voucher": str(entry.voucher),
        "date": entry.date,
        "days": proposal.days,
        "by_cheque": proposal.by_cheque,
    }


def _line_json(line: Any) -> dict[str, Any]:
    return {
        "id": line.pk,
        "date": line.date,
        "description": line.description,
        "reference": line.reference,
        "withdrawal": line.amount if line.amount > 0 else None,
        "deposit": -line.amount if line.amount < 0 else None,
        "matched": line.matched,
        "voucher_id": line.voucher_id,
    }


@require_http_methods(["GET", "POST"])
@member_view
def statement(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """A bank's statement: its format, its lines and the matches proposed for the unmatched;
    POST imports a CSV (a page's file `file`, or JSON {"csv": text})."""
    ledger = _ledger(request, company, pk)
    if request.method == "POST":
        if wants_json(request):
            text = body_data(request).get("csv")
        else:
            upload = request.FILES.get("file")
            text = text_of(upload.read(MAX_UPLOAD)) if upload else None
        counts: list[tuple[int, int]] = []

        def save() -> Any:
            counts.append(
                statement_import(company=company, actor=request.user, ledger=ledger, text=text)
            )

        def refused(errors: dict[str, list[str]], status: int) -> HttpResponse:
            return _statement_page(request, company, ledger, errors=errors, status=status)

        answer = _page_or_refused(request, save, "Statement imported.", refused)
        if answer is not None:
            return answer
        imported, skipped = counts[0]
        if wants_json(request):
            return json_response({"imported": imported, "already_imported": skipped}, 201)
        return redirect("bank-statement", company.pk, ledger.pk)
    if wants_json(request):
        fmt = statement_format_get(ledger=ledger)
        return json_response(
            {
                "format": statement_format_snapshot(fmt) if fmt else None,
                "lines": [_line_json(x) for x in statement_lines(ledger=ledger)],
                "proposals": [_proposal_json(p) for p in proposals_get(ledger=ledger)],
            }
        )
    return _statement_page(request, company, ledger)


def _statement_page(
    request: HttpRequest,
    company: Company,
    ledger: Ledger,
    *,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    page = "banking/statement.html"
    region = region_asked(request, {statement_region(ledger.pk): f"{page}#lines"})
    fmt = statement_format_get(ledger=ledger) or StatementFormat(ledger=ledger)
    proposals = proposals_get(ledger=ledger)
    proposed = {p.line.pk for p in proposals}
    context = {
        "ledger": ledger,
        "format": fmt,
        "columns": COLUMNS,
        "date_formats": StatementFormat.DateFormat.choices,
        "proposals": proposals,
        "unproposed": [
            x for x in statement_lines(ledger=ledger, matched=False) if x.pk not in proposed
        ],
        "matched": statement_lines(ledger=ledger, matched=True).select_related(
            "voucher__voucher_type"
        ),
        "match_days": MATCH_DAYS,
        "region": statement_region(ledger.pk),
        "errors": errors or {},
    }
    return render(request, region or page, context, status=status)


@require_http_methods(["POST"])
@member_view
def statement_format(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """Set how a bank's statement CSV reads (banking.forms.StatementFormatForm)."""
    ledger = _ledger(request, company, pk)
    data = body_data(request)

    def save() -> Any:
        return statement_format_set(company=company, actor=request.user, ledger=ledger, data=data)

    def refused(errors: dict[str, list[str]], status: int) -> HttpResponse:
        return _statement_page(request, company, ledger, errors=errors, status=status)

    answer = _page_or_refused(request, save, "Statement format saved.", refused)
    if answer is not None:
        return answer
    if wants_json(request):
        fmt = statement_format_get(ledger=ledger)
        return json_response(statement_format_snapshot(fmt))  # type: ignore[arg-type]
    return redirect("bank-statement", company.pk, ledger.pk)


@require_http_methods(["POST"])
@member_view
def statement_accept(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """Accept proposed matches: each entry's bank date becomes its statement line's date
    (JSON: {"matches": {line id: entry id}, "versions": {voucher id: version}})."""
    ledger = _ledger(request, company, pk)
    data = body_data(request)
    accepted: list[Any] = []

    def save() -> Any:
        accepted.extend(
            statement_matches_accept(company=company, actor=request.user, ledger=ledger, data=data)
        )

    def refused(errors: dict[str, list[str]], status: int) -> HttpResponse:
        return _statement_page(request, company, ledger, errors=errors, status=status)

    answer = _page_or_refused(request, save, "Matches accepted.", refused)
    if answer is not None:
        return answer
    if wants_json(request):
        return json_response({"matched": [_line_json(line) for line in accepted]})
    return redirect("bank-statement", company.pk, ledger.pk)
