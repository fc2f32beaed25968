"""Ledgers and groups: list, create, alter, delete, search — pages and JSON (§7). A ledger's
statement page is a report (reports.views.ledger_statement), joined to its URL in tallysync.urls."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from companies.access import writer_require
from companies.decorators import member_view
from companies.models import Company
from core.errors import Invalid, Locked, StaleVersion
from core.formatting import bidi_isolated
from core.http import (
    DATABASE_ERRORS,
    body_data,
    form_refusal,
    json_response,
    version_of,
    wants_json,
)
from editlog.idempotency import saved_once
from editlog.models import Change
from ledgers.models import Ledger
from ledgers.selectors import (
    chart_build,
    group_json,
    group_list,
    ledger_get,
    ledger_json,
    ledger_list,
    ledger_search,
)
from ledgers.services import group_create, ledger_alter, ledger_create, ledger_delete
from locking.pages import lock_for_page
from locking.services import locks_of_company


def _page(request: HttpRequest, template: str, company: Company, **context: Any) -> HttpResponse:
    status = context.pop("status", 200)
    context.update(company=company, membership=request.membership)  # type: ignore[attr-defined]
    return render(request, template, context, status=status)


def _form_page(
    request: HttpRequest,
    company: Company,
    *,
    ledger: Ledger | None,
    data: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    if data is None and ledger is not None:
        opening = ledger.opening_balance
        data = {
            "name": ledger.name,
            "group": ledger.group.name if ledger.group else "",
            "opening_side": "Cr" if opening < 0 else "Dr",
            "opening_amount": abs(opening) or "",
            "gstin": ledger.gstin,
            "state": ledger.state,
            "version": ledger.version,
        }
    errors = errors or {}
    return _page(
        request,
        "ledgers/form.html",
        company,
        ledger=ledger,
        form=data or {"opening_side": "Dr"},
        errors=errors,
        opening_errors=[*errors.get("opening_debit", []), *errors.get("opening_credit", [])],
        general_errors=errors.get("__all__", []),
        groups=group_list(company=company),
        status=status,
        **(extra or {}),
    )


def _opening_from_form(data: dict[str, Any]) -> dict[str, Any]:
    """The form's side + amount as the API's opening_debit / opening_credit."""
    if "opening_amount" not in data:
        return data
    side = "opening_credit" if data.get("opening_side") == "Cr" else "opening_debit"
    return {**data, side: data.get("opening_amount") or "0"}


def _saved(change: Change) -> HttpResponse:
    """The answer to a save: the ledger as it stands (with its balance) and the save's seq."""
    ledger = ledger_get(company=change.company, ledger_id=change.object_id)
    status = 201 if change.verb == Change.Verb.CREATE else 200
    return json_response({**ledger_json(ledger), "seq": change.seq}, status=status)


@require_http_methods(["GET", "POST"])
@member_view
def ledgers(request: HttpRequest, company: Company) -> HttpResponse:
    if request.method == "POST":
        data = body_data(request)
        if wants_json(request):
            create = partial(ledger_create, company=company, actor=request.user, data=data)
            return saved_once(request, company=company, save=create, answer=_saved)
        try:
            ledger = ledger_create(
                company=company, actor=request.user, data=_opening_from_form(data)
            )
        except (Invalid, *DATABASE_ERRORS) as exc:  # the typing stays on screen
            errors, status = form_refusal(exc)
            return _form_page(
                request, company, ledger=None, data=data, errors=errors, status=status
            )
        messages.success(request, f"Ledger {bidi_isolated(ledger.name)} created.")
        return redirect("ledgers", company.pk)
    all_ledgers = list(ledger_list(company=company))
    if wants_json(request):
        return json_response([ledger_json(ledger) for ledger in all_ledgers])
    roots = chart_build(
        groups=group_list(company=company),
        balances=[(ledger, ledger.closing_balance) for ledger in all_ledgers],
    )
    nodes = [node for root in roots for node in root.walk() if node.ledgers or node.children]
    ungrouped = [ledger for ledger in all_ledgers if ledger.group_id is None]
    locks = locks_of_company(company=company)
    return _page(
        request, "ledgers/list.html", company, nodes=nodes, ungrouped=ungrouped, locks=locks
    )


@require_http_methods(["GET"])
@member_view
def ledger_new(request: HttpRequest, company: Company) -> HttpResponse:
    writer_require(company=company, actor=request.user)
    return _form_page(request, company, ledger=None)


@require_http_methods(["GET"])
@member_view
def ledger_edit(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """The alteration screen: takes the ledger's edit lock, or waits for its holder."""
    ledger = ledger_get(company=company, ledger_id=pk)
    extra = lock_for_page(request, company, f"ledger:{ledger.pk}")
    return _form_page(request, company, ledger=ledger, extra=extra)


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
    if wants_json(request):
        alter = partial(
            ledger_alter,
            company=company,
            ledger=current,
            actor=request.user,
            data=data,
            version=version,
        )
        return saved_once(request, company=company, save=alter, answer=_saved)
    try:
        altered = ledger_alter(
            company=company,
            ledger=current,
            actor=request.user,
            data=_opening_from_form(data),
            version=version,
        )
    except (Invalid, Locked, StaleVersion, *DATABASE_ERRORS) as exc:
        errors, status = form_refusal(exc)
        # The re-shown editor takes the lock again for its page (not while nothing can be written).
        extra = {} if status == 503 else lock_for_page(request, company, f"ledger:{current.pk}")
        return _form_page(
            request, company, ledger=current, data=data, errors=errors, status=status, extra=extra
        )
    messages.success(request, f"Ledger {bidi_isolated(altered.name)} altered.")
    return redirect("ledger", company.pk, altered.pk)


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
