"""The Verify page (the checks' findings, grouped by check) and the Exceptions list: for a
company's owners and the server's staff among its members. Verify runs as a job (core.jobs),
one at a time per company; the page follows it and shows the newest one's report."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from backups.folder import folder_get
from backups.models import DataException
from backups.verify import (
    Check,
    Finding,
    Severity,
    books_verify,
    checks,
    has_errors,
    object_url_name,
)
from backups.views import owner_or_staff
from companies.decorators import member_view
from companies.models import Company
from core.http import json_response, wants_json
from core.jobs import Work, job_get, job_start, jobs_of


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


def _finding_read(company: Company, data: dict[str, Any]) -> Finding:
    """A finding as the job's result keeps it (`_finding_json`)."""
    kind, _, pk = data["object"].partition(":")
    return Finding(
        check_id=data["check"],
        severity=Severity[data["severity"].upper()],
        company_id=company.pk,
        object_type=kind,
        object_id=int(pk) if pk else None,
        message=data["message"],
    )


def _verify_work(company: Company) -> Work:
    def work(progress: Any) -> dict[str, Any]:
        findings = books_verify(company=company, database=False, progress=progress)
        count = len(findings)
        plural = "s" if count != 1 else ""
        return {
            "message": f"Verified: {count} finding{plural}." if count else "Verified: no findings.",
            "url": reverse("backups:verify", args=[company.pk]),
            "findings": [_finding_json(f) for f in findings],
        }

    return work


@require_http_methods(["GET", "POST"])
@member_view
def verify(request: HttpRequest, company: Company) -> HttpResponse:
    """POST: verify the company now, every company check, read-only (the database-wide D01
    runs from `verify_books`: its rows are no one company's), as a job; one running for the
    company already is joined. JSON answers 202 with the job and its progress URL; a page
    follows it. GET: the newest verify — its progress bar while it runs, then its report —
    or, for JSON, `{"job": its state or null}`."""
    owner_or_staff(request, company)
    folder = folder_get()
    if request.method == "POST":
        job_id = job_start(
            folder, company_id=company.pk, what="verify", work=_verify_work(company), alone=True
        )
        if not wants_json(request):
            return redirect(reverse("backups:verify", args=[company.pk]))
        poll = reverse("backups:progress", args=[company.pk]) + f"?job={job_id}"
        job = job_get(folder, job_id=job_id, company_id=company.pk)
        response = json_response({"job": job, "url": poll}, status=202)
        response["Location"] = poll
        return response
    jobs = jobs_of(folder, company_id=company.pk, what="verify")
    job = jobs[0] if jobs else None
    if wants_json(request):
        return json_response({"job": job})
    return render(request, "backups/verify.html", {"job": job, **_report(company, job)})


def _report(company: Company, job: dict[str, Any] | None) -> dict[str, Any]:
    """The finished job's findings grouped under every company check, in check order."""
    if job is None or job["state"] != "done":
        return {"groups": None}
    findings = [_finding_read(company, f) for f in job["result"]["findings"]]
    ran = [c for c in checks() if c.scope == "company"]
    rows = _rows(company, findings)
    groups = [Group(check=c, rows=[r for r in rows if r.finding.check_id == c.id]) for c in ran]
    verified_at = dt.datetime.fromisoformat(job["updated_at"])
    return {
        "groups": groups,
        "count": len(findings),
        "errors": has_errors(findings),
        "verified_at": verified_at,
    }


@require_http_methods(["GET"])
@member_view
def exceptions(request: HttpRequest, company: Company) -> HttpResponse:
    """The rows repair moved out of the books, newest first, each with its content."""
    owner_or_staff(request, company)
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
