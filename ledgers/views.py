"""Ledgers and groups: list, create, alter, delete, search — pages and JSON (§7). A ledger's
statement page is a report (reports.views.ledger_statement), joined to its URL in tallysync.urls."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from companies.access import writer_require
from companies.decorators import member_view
from companies.models import Company
from core.export import export_format, export_response
from core.formatting import bidi_isolated
from core.forms import Errors
from core.http import body_data, json_response, region_asked, version_of, wants_json
from core.money import format_amount
from editlog.idempotency import save_answered
from editlog.models import Change
from ledgers.drafts import bill_wise_default
from ledgers.export import ledger_list_table
from ledgers.models import Ledger
from ledgers.selectors import (
    chart_build,
    closing_stock_get,
    closing_stock_json,
    closing_stock_list,
    group_json,
    group_list,
    ledger_get,
    ledger_json,
    ledger_list,
    ledger_search,
)
from ledgers.services import (
    closing_stock_delete,
    closing_stock_set,
    group_create,
    ledger_alter,
    ledger_create,
    ledger_delete,
)
from locking.pages import lock_for_page
from locking.services import locks_of_company


def _form_page(
    request: HttpRequest,
    *,
    ledger: Ledger | None,
    data: dict[str, Any] | None = None,
    errors: Errors | None = None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Ledger Creation or Alteration: fresh, or again with what was typed and why not."""
    if data is None and ledger is not None:
        opening = ledger.opening_balance
        data = {
            "name": ledger.name,
            "group": ledger.group.name if ledger.group else "",
            "opening_side": "Cr" if opening < 0 else "Dr",
            "opening_amount": format_amount(abs(opening)) if opening else "",
            "gstin": ledger.gstin,
            "state": ledger.state,
            "gst_registration_type": ledger.gst_registration_type,
            "version": ledger.version,
            "bill_wise": "true" if ledger.bill_wise else "false",
            "credit_days": "" if ledger.credit_days is None else str(ledger.credit_days),
            "opening_bills": _opening_bills_typed(ledger),
        }
    errors = errors or {}
    groups = group_list(company=request.membership.company)  # type: ignore[attr-defined]
    context = {
        "ledger": ledger,
        "form": data or {"opening_side": "Dr"},
        "errors": errors,
        "opening_errors": [*errors.get("opening_debit", []), *errors.get("opening_credit", [])],
        "opening_bills_errors": _opening_bills_errors(errors),
        "general_errors": errors.get("__all__", []),
        "groups": groups,
        # The groups whose new ledgers keep bills by default (the page follows the group typed).
        "bill_wise_groups": [group.name for group in groups if bill_wise_default(group)],
        **(extra or {}),
    }
    return render(request, "ledgers/form.html", context, status=status)


def _opening_bills_typed(ledger: Ledger) -> str:
    """The ledger's opening bills as the JSON text the page's editor posts."""
    return json.dumps(
        [
            {
                "name": bill.name,
                "date": f"{bill.date:%d-%b-%Y}",
                "due_date": f"{bill.due_date:%d-%b-%Y}" if bill.due_date else "",
                "amount": format_amount(abs(bill.amount)),
                "side": "Dr" if bill.amount > 0 else "Cr",
            }
            for bill in ledger.opening_bills.all()
        ]
    )


def _opening_bills_errors(errors: Errors) -> list[str]:
    """The messages on the opening bills, each bill's with its place ("Bill 2: …")."""
    found = list(errors.get("opening_bills", []))
    for key, said in errors.items():
        if key.startswith("opening_bills."):
            place = int(key.split(".")[1]) + 1
            found += [f"Bill {place}: {message}" for message in said]
    return found


def _saved(change: Change) -> HttpResponse:
    """The answer to a save: the ledger as it stands (with its balance) and the save's seq."""
    ledger = ledger_get(company=change.company, ledger_id=change.object_id)
    status = 201 if change.verb == Change.Verb.CREATE else 200
    return json_response({**ledger_json(ledger), "seq": change.seq}, status=status)


def _saved_page(
    request: HttpRequest, verb: str, to: Callable[[Ledger], HttpResponse]
) -> Callable[[Ledger], HttpResponse]:
    """After a form's save: the message, then on to the next page."""

    def page(ledger: Ledger) -> HttpResponse:
        messages.success(request, f"Ledger {bidi_isolated(ledger.name)} {verb}.")
        return to(ledger)

    return page


@require_http_methods(["GET", "POST"])
@member_view
def ledgers(request: HttpRequest, company: Company) -> HttpResponse:
    if request.method == "POST":
        data = body_data(request)
        return save_answered(
            request,
            company=company,
            save=partial(ledger_create, company=company, actor=request.user, data=data),
            answer=_saved,
            # As in Tally, a blank Ledger Creation for the next one (the message names this one).
            saved_page=_saved_page(
                request, "created", lambda _: redirect("ledger-new", company.pk)
            ),
            refused_page=lambda errors, status, _: _form_page(
                request, ledger=None, data=data, errors=errors, status=status
            ),
        )
    all_ledgers = list(ledger_list(company=company))
    fmt = export_format(request)
    if wants_json(request) and not fmt:
        return json_response([ledger_json(ledger) for ledger in all_ledgers])
    roots = chart_build(
        groups=group_list(company=company),
        balances=[(ledger, ledger.closing_balance) for ledger in all_ledgers],
    )
    nodes = [node for root in roots for node in root.walk() if node.ledgers or node.children]
    ungrouped = [ledger for ledger in all_ledgers if ledger.group_id is None]
    today = timezone.localdate()
    if fmt:
        table = ledger_list_table(company=company, nodes=nodes, ungrouped=ungrouped, today=today)
        return export_response(request, table, fmt)
    page = "ledgers/list.html"
    region = region_asked(request, {"ledger-list": f"{page}#ledger-list"})
    context = {
        "nodes": nodes,
        "ungrouped": ungrouped,
        "today": today,
        "locks": None if region else locks_of_company(company=company),
    }
    return render(request, region or page, context)


@require_http_methods(["GET"])
@member_view
def ledger_new(request: HttpRequest, company: Company) -> HttpResponse:
    writer_require(company=company, actor=request.user)
    return _form_page(request, ledger=None)


@require_http_methods(["GET"])
@member_view
def ledger_edit(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """The alteration screen: takes the ledger's edit lock, or waits for its holder."""
    ledger = ledger_get(company=company, ledger_id=pk)
    extra = lock_for_page(request, company, ledger)
    return _form_page(request, ledger=ledger, extra=extra)


@require_http_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
@member_view
def ledger(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    current = ledger_get(company=company, ledger_id=pk)
    if request.method == "GET":  # a browser's GET goes to the statement (tallysync.urls)
        return json_response(ledger_json(current))
    data = body_data(request)
    version = version_of(request, data)
    if request.method == "DELETE":
        ledger_delete(company=company, ledger=current, actor=request.user, version=version)
        return HttpResponse(status=204)

    def refused_page(errors: Errors, status: int, _: Exception) -> HttpResponse:
        # The re-shown editor takes the lock again for its page (not while nothing can be written).
        extra = {} if status == 503 else lock_for_page(request, company, current)
        return _form_page(
            request, ledger=current, data=data, errors=errors, status=status, extra=extra
        )

    return save_answered(
        request,
        company=company,
        save=partial(
            ledger_alter,
            company=company,
            ledger=current,
            actor=request.user,
            data=data,
            version=version,
        ),
        answer=_saved,
        saved_page=_saved_page(
            request, "altered", lambda altered: redirect("ledger", company.pk, altered.pk)
        ),
        refused_page=refused_page,
    )


@require_http_methods(["GET"])
@member_view
def search(request: HttpRequest, company: Company) -> HttpResponse:
    """Ledger names as <option>s for the entry form's list, as the user types."""
    text = request.GET.get("q") or next(
        (v for k, v in request.GET.items() if k.endswith("-ledger")), ""
    )
    found = ledger_search(company=company, text=text)
    return render(request, "ledgers/_options.html", {"ledgers": found})


@require_http_methods(["GET", "POST"])
@member_view
def groups(request: HttpRequest, company: Company) -> HttpResponse:
    if request.method == "GET":
        return json_response([group_json(group) for group in group_list(company=company)])
    data = body_data(request)
    group = group_create(
        company=company, actor=request.user, name=data.get("name", ""), parent=data.get("parent")
    )
    return json_response(group_json(group), status=201)


def _closing_stock_page(
    request: HttpRequest,
    ledger: Ledger,
    *,
    data: dict[str, Any] | None = None,
    errors: Errors | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "ledger": ledger,
        "values": closing_stock_list(ledger=ledger),
        "form": data or {},
        "errors": errors or {},
        "general_errors": [
            message
            for name in ("__all__", "ledger", "version")
            for message in (errors or {}).get(name, [])
        ],
    }
    page = "ledgers/closing_stock.html"
    region = region_asked(request, {"closing-stock": f"{page}#values"})
    return render(request, region or page, context, status=status)


@require_http_methods(["GET", "POST"])
@member_view
def closing_stock(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """A Stock-in-Hand ledger's closing values (Tally's way for books without inventory):
    listed, and entered or altered by day (date, amount, and the version for an alteration)."""
    ledger = ledger_get(company=company, ledger_id=pk)
    if request.method == "GET":
        if wants_json(request):
            return json_response([closing_stock_json(v) for v in closing_stock_list(ledger=ledger)])
        return _closing_stock_page(request, ledger)
    data = body_data(request)

    def answer(change: Change) -> HttpResponse:
        value = closing_stock_get(company=company, value_id=change.object_id)
        status = 201 if change.verb == Change.Verb.CREATE else 200
        return json_response({**closing_stock_json(value), "seq": change.seq}, status=status)

    return save_answered(
        request,
        company=company,
        save=partial(
            closing_stock_set,
            company=company,
            actor=request.user,
            ledger=ledger,
            data=data,
            version=data.get("version"),
        ),
        answer=answer,
        saved_page=lambda _: redirect("closing-stock", company.pk, ledger.pk),
        refused_page=lambda errors, status, _: _closing_stock_page(
            request, ledger, data=data, errors=errors, status=status
        ),
    )


@require_http_methods(["POST", "DELETE"])
@member_view
def closing_stock_remove(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """Remove a closing value read at its version (?version= or the body)."""
    value = closing_stock_get(company=company, value_id=pk)
    data = body_data(request)
    closing_stock_delete(
        company=company, actor=request.user, value=value, version=version_of(request, data)
    )
    if wants_json(request):
        return HttpResponse(status=204)
    return redirect("closing-stock", company.pk, value.ledger_id)
