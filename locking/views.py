"""Edit locks over HTTP: POST takes (or renews) a record's lock, DELETE lets it go (§7)."""

from __future__ import annotations

import secrets
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from companies.http import body_data, json_response, member_view
from companies.models import Company
from locking.models import EditLock
from locking.services import lock_acquire, lock_break, lock_release


def new_connection_id() -> str:
    """A page's own id: the locks it takes live as long as its socket."""
    return secrets.token_urlsafe(16)


def lock_json(lock: EditLock) -> dict[str, Any]:
    return {
        "resource": lock.resource,
        "holder": {"id": lock.holder_id, "name": lock.holder.get_username()},
        "since": lock.acquired_at,
        "heartbeat_at": lock.heartbeat_at,
    }


@require_http_methods(["POST", "DELETE"])
@member_view
def lock(request: HttpRequest, company: Company, pk: int, kind: str) -> HttpResponse:
    resource = f"{kind}:{pk}"
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
    lock_break(company=company, resource=f"{kind}:{pk}", actor=request.user)
    return json_response({"resource": f"{kind}:{pk}", "broken": True})
