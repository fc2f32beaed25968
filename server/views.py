"""The server's own pages: the Server Monitor and /healthz."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

import tallysync
from server.selectors import events_get, monitor_get
from sync.health import channel_layer_check
from sync.models import ConnectionEvent

logger = logging.getLogger(__name__)


def database_check() -> dict[str, Any]:
    """{"ok", "ms", "vendor"} of one trivial query."""
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        ok = True
    except DatabaseError:
        # Logged, not answered: the error may name the database host or user.
        logger.warning("Database health check failed", exc_info=True)
        ok = False
    ms = round((time.perf_counter() - started) * 1000, 2)
    return {"ok": ok, "ms": ms, "vendor": connection.vendor}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and channel layer reachable: 200, else 503; open to anyone. What the server
    runs (its version, the database vendor, the channel layer's class) only for staff: a
    stranger on the LAN learns that it is up, not what to attack."""
    database = database_check()
    channel_layer = channel_layer_check()
    ok = database["ok"] and channel_layer["ok"]
    body: dict[str, Any] = {
        "status": "ok" if ok else "error",
        "database": database,
        "channel_layer": channel_layer,
        "version": tallysync.__version__,
    }
    if not request.user.is_staff:
        body = {
            "status": body["status"],
            "database": _without(database, "vendor"),
            "channel_layer": _without(channel_layer, "backend"),
        }
    return JsonResponse(body, status=200 if ok else 503)


def _without(check: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in check.items() if name != key}


@never_cache
@staff_member_required
def monitor(request: HttpRequest) -> HttpResponse:
    """The Server Monitor; htmx polls its two live parts every 2 s, each reading only its own."""
    kind = request.GET.get("kind", "")
    target = request.htmx.target if request.htmx else None
    context: dict[str, Any] = {"kind": kind, "kinds": ConnectionEvent.Kind.choices}
    if target != "monitor-events":
        context.update(monitor_get())
    if target != "monitor-live":
        context["events"] = events_get(kind=kind)
    template = "server/monitor.html"
    if target in ("monitor-live", "monitor-events"):
        template += "#" + target.removeprefix("monitor-")
    return render(request, template, context)
