"""The company's Edit Log: a page for browsers, the change feed as JSON for scripts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from companies.decorators import member_view
from companies.models import Company
from companies.selectors import memberships_of_company
from core.http import json_response, wants_json, year_start
from editlog.selectors import (
    ChangeFilters,
    change_filters_parse,
    change_json,
    change_list,
    change_page,
    object_type_choices,
    whole_number,
)

PAGE = 200  # JSON: Changes per answer; a script asks again with ?since=<last seq>
HTML_PAGE = 100


@require_http_methods(["GET"])
@member_view
def changes(request: HttpRequest, company: Company) -> HttpResponse:
    """The log newest first for browsers; after ?since=<seq>, in seq order, for scripts."""
    filters = change_filters_parse(request.GET, year_start=year_start(request))
    if not wants_json(request):
        return _log_page(request, company, filters)
    since = whole_number(
        request.GET.get("since", "0"),
        field="since",
        message="Send the last seq you have, a whole number.",
    )
    rows = change_list(company=company, since=since, filters=filters)
    return json_response([change_json(change) for change in rows[:PAGE]])


def _log_page(request: HttpRequest, company: Company, filters: ChangeFilters) -> HttpResponse:
    raw_before = request.GET.get("before")
    before = None
    if raw_before is not None:
        before = whole_number(raw_before, field="before", message="Send a seq, a whole number.")
    page = change_page(company=company, filters=filters, before=before, size=HTML_PAGE)
    newest, older = request.GET.copy(), request.GET.copy()
    newest.pop("before", None)
    older["before"] = str(page.older)
    members = memberships_of_company(company_id=company.pk)
    context = {
        "page": page,
        "filters": filters,
        "object_types": object_type_choices(),
        "usernames": [membership.user.get_username() for membership in members],
        "older_query": older.urlencode(),
        "newest_query": newest.urlencode() if before is not None else None,
        "subject": page.rows[0].change.object_repr if filters.object_key and page.rows else "",
    }
    return render(request, "editlog/list.html", context)
