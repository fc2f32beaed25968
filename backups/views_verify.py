"""The Verify page (the checks' findings, grouped by check) and the Exceptions list: for a
company's owners and the server's staff among its members."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from backups.models import DataException
from backups.verify import Check, Finding, books_verify, checks, has_errors, object_url_name
from companies.decorators import member_view
from companies.models import Company, Membership
from core.errors import NotAllowed
from core.http import json_response, wants_json


def _owner_or_staff(request: HttpRequest, company: Company) -> None:
    """Verify and the Exceptions list are the owner's (and the server's staff's) to read."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    if membership.is_owner or request.user.is_staff:
        return
    role = membership.get_role_display().lower()
    raise NotAllowed(f"You are {role} in {company.name}; verifying the books needs owner or staff.")


@dataclass(frozen=True)
class Row:
    finding: Finding
    url: str  # the object's page, where its kind has one


@dataclass(frozen=True)
class Group:
    check: Check
    rows: list[Row]


def _rows(company: Company, findings: list[Finding]) -> list[Row]:
    rows = []
    for finding in findings:
        name = object_url_name(finding.object_type)
        url = reverse(name, args=(company.pk, finding.object_id)) if name else ""
        rows.append(Row(finding=finding, url=url))
    return rows


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "check": finding.check_id,
        "severity": finding.severity.name.lower(),
        "object": finding.object_key,
        "message": finding.message,
    }


@require_http_methods(["GET"])
@member_view
def verify(request: HttpRequest, company: Company) -> HttpResponse:
    """Every company check, run now (read-only); the database-wide D01 runs from the command
    line (`verify_books`): its rows are no one company's."""
    _owner_or_staff(request, company)
    findings = books_verify(company=company, database=False)
    if wants_json(request):
        return json_response([_finding_json(f) for f in findings])
    ran = [c for c in checks() if c.scope == "company"]
    rows = _rows(company, findings)
    groups = [Group(check=c, rows=[r for r in rows if r.finding.check_id == c.id]) for c in ran]
    context = {"groups": groups, "count": len(findings), "errors": has_errors(findings)}
    return render(request, "backups/verify.html", context)


@require_http_methods(["GET"])
@member_view
def exceptions(request: HttpRequest, company: Company) -> HttpResponse:
    """The rows repair moved out of the books, newest first, each with its content."""
    _owner_or_staff(request, company)
    moved = DataException.objects.filter(company=company).select_related("moved_by")
    if wants_json(request):
        return json_response(
            [
                {
                    "id": m.pk,
                    "object": f"{m.object_type}:{m.object_id}",
                    "check": m.check_id,
                    "message": m.message,
                    "content": m.content,
                    "moved_at": m.moved_at,
                }
                for m in moved
            ]
        )
    rows = [(m, json.dumps(m.content, indent=1, ensure_ascii=False)) for m in moved]
    return render(request, "backups/exceptions.html", {"rows": rows})
