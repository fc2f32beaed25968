"""The company's Edit Log over HTTP (JSON; the sync issue adds the pages)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from companies.errors import Invalid
from companies.http import json_response, member_view
from companies.models import Company
from editlog.selectors import change_json, change_list

PAGE = 200


@require_http_methods(["GET"])
@member_view
def changes(request: HttpRequest, company: Company) -> HttpResponse:
    since = request.GET.get("since", "0")
    if not since.isdigit():
        raise Invalid.field("since", "Send the last seq you have, a whole number.")
    rows = change_list(company=company, since=int(since), object_key=request.GET.get("object"))
    return json_response([change_json(change) for change in rows[:PAGE]])
