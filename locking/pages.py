"""Edit locks for pages that open a record to alter it: the lock is taken as the page renders."""

from __future__ import annotations

import secrets
from typing import Any

from django.db.models import Model
from django.http import HttpRequest

from companies.models import Company
from core.errors import Locked
from core.records import resource_of
from locking.services import lock_acquire


def new_connection_id() -> str:
    """A page's own id: the locks it takes live as long as its socket."""
    return secrets.token_urlsafe(16)


def lock_for_page(request: HttpRequest, company: Company, record: Model) -> dict[str, Any]:
    """Take `record`'s edit lock for the page being rendered (a fresh page id, unless the page
    asks again for itself with ?connection=), or note who holds it. Context for the editor."""
    resource = resource_of(record)
    connection = request.GET.get("connection", "")[:64] or new_connection_id()
    try:
        lock_acquire(
            company=company, resource=resource, actor=request.user, connection_id=connection
        )
    except Locked as exc:
        return {"connection_id": connection, "resource": resource, "locked": exc}
    return {"connection_id": connection, "resource": resource, "locked": None}
