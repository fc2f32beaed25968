"""Ledgers and groups over HTTP (JSON or form bodies; DESIGN.md §7)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from companies.http import body_data, json_response, member_view, version_of
from companies.models import Company
from ledgers.selectors import group_json, group_list, ledger_get, ledger_json, ledger_list
from ledgers.services import group_create, ledger_alter, ledger_create, ledger_delete


@require_http_methods(["GET", "POST"])
@member_view
def ledgers(request: HttpRequest, company: Company) -> HttpResponse:
    if request.method == "GET":
        return json_response([ledger_json(ledger) for ledger in ledger_list(company=company)])
    ledger = ledger_create(company=company, actor=request.user, data=body_data(request))
    return json_response({**ledger_json(ledger), "seq": ledger.change.seq}, status=201)


@require_http_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
@member_view
def ledger(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    current = ledger_get(company=company, ledger_id=pk)
    if request.method == "GET":
        return json_response(ledger_json(current))
    data = body_data(request)
    if request.method == "DELETE":
        ledger_delete(
            company=company, ledger=current, actor=request.user, version=version_of(request, data)
        )
        return HttpResponse(status=204)
    altered = ledger_alter(
        company=company,
        ledger=current,
        actor=request.user,
        data=data,
        version=version_of(request, data),
    )
    return json_response({**ledger_json(altered), "seq": altered.change.seq})


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
