"""Vouchers over HTTP: Day Book and create, one voucher, alter, cancel, delete (DESIGN.md §7)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from companies.errors import Invalid
from companies.http import body_data, json_response, member_view, version_of
from companies.models import Company
from companies.validation import parse_date
from vouchers.models import Voucher
from vouchers.selectors import day_book, voucher_get, voucher_json
from vouchers.services import voucher_alter, voucher_cancel, voucher_create, voucher_delete

MAX_DAY_BOOK_DAYS = 366


def _date_param(request: HttpRequest, name: str, default: dt.date) -> dt.date:
    raw = request.GET.get(name)
    if not raw:
        return default
    try:
        return parse_date(raw)
    except ValueError as exc:
        raise Invalid.field(name, str(exc)) from None


def _saved(voucher: Voucher, status: int = 200) -> HttpResponse:
    """The answer to a save: the voucher as recorded in its Change, and that Change's seq."""
    change = voucher.change  # type: ignore[attr-defined]
    return json_response({**change.after, "seq": change.seq}, status=status)


@require_http_methods(["GET", "POST"])
@member_view
def vouchers(request: HttpRequest, company: Company) -> HttpResponse:
    if request.method == "POST":
        voucher = voucher_create(company=company, actor=request.user, data=body_data(request))
        return _saved(voucher, status=201)
    day = _date_param(request, "date", timezone.localdate())
    date_from, date_to = _date_param(request, "from", day), _date_param(request, "to", day)
    if not 0 <= (date_to - date_from).days <= MAX_DAY_BOOK_DAYS:
        raise Invalid.field("to", "Choose an end date on or after the start, at most a year on.")
    rows = day_book(company=company, date_from=date_from, date_to=date_to)
    return json_response(
        {
            "from": date_from,
            "to": date_to,
            "vouchers": [voucher_json(v, v.entries.all()) for v in rows],
        }
    )


@require_http_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
@member_view
def voucher(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    current = voucher_get(company=company, voucher_id=pk)
    if request.method == "GET":
        return json_response(voucher_json(current, current.entries.all()))
    data = body_data(request)
    version = version_of(request, data)
    if request.method == "DELETE":
        voucher_delete(company=company, voucher=current, actor=request.user, version=version)
        return HttpResponse(status=204)
    altered = voucher_alter(
        company=company, voucher=current, actor=request.user, data=data, version=version
    )
    return _saved(altered)


@require_http_methods(["POST"])
@member_view
def cancel(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    current = voucher_get(company=company, voucher_id=pk)
    data = body_data(request)
    cancelled = voucher_cancel(
        company=company, voucher=current, actor=request.user, version=version_of(request, data)
    )
    return _saved(cancelled)
