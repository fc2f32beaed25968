"""Edit locks over HTTP: POST takes (or renews) a record's lock, DELETE lets it go (§7). One
pair of routes per lockable kind (locking.urls.lock_urls)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from companies.decorators import member_view
from companies.models import Company
from core.http import body_data, json_response
from core.records import kind_get
from locking.models import EditLock
from locking.services import lock_acquire, lock_break, lock_release


def lock_json(lock: EditLock) -> dict[str, Any]:
    return {
        "resource": lock.resource,
        "holder": {"id": lock.holder_id, "name": lock.holder.get_username()},
        "since": lock.acquired_at,
        "heartbeat_at": lock.heartbeat_at,
    }


def _existing(company: Company, kind: str, pk: int) -> str:
    """The resource name of a record of this company; 404 for anything else."""
    record_kind = kind_get(kind)
    if record_kind is None or not record_kind.lockable:
        raise Http404
    records = record_kind.model._default_manager.filter(pk=pk)
    # The company itself is a lockable record (Company Alteration): it is its own company.
    if record_kind.model is Company:
        records = records.filter(pk=company.pk)
    else:
        records = records.filter(company=company)
    if not records.exists():
        raise Http404
    return f"{kind}:{pk}"


@require_http_methods(["POST", "DELETE"])
@member_view
def lock(request: HttpRequest, company: Company, pk: int, kind: str) -> HttpResponse:
    resource = _existing(company, kind, pk)
    if request.method == "DELETE":
        lock_release(company=company, resource=resource, actor=request.user)
        return HttpResponse(status=204)
    data = body_data(request)
    taken = lock_acquire(
        company=company,
        resource=resource,
        actor=request.user,
        connection_id=str(data.get("connection", ""))[:64],
    )
    return json_response(lock_json(taken))


@require_http_methods(["POST"])
@member_view
def lock_take_over(request: HttpRequest, company: Company, pk: int, kind: str) -> HttpResponse:
    """An owner breaks someone else's lock (the holder's screen is told)."""
    resource = _existing(company, kind, pk)
    lock_break(company=company, resource=resource, actor=request.user)
    return json_response({"resource": resource, "broken": True})
