"""The lock routes of a lockable kind, for its app's URL conf to include beside its pages:
`<id>/lock/` (name "<kind>-lock") and `<id>/lock/break/` ("<kind>-lock-break")."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, path

from core.records import kind_get
from locking import views


def lock_urls(kind: str) -> list[URLPattern]:
    record_kind = kind_get(kind)
    if record_kind is None or not record_kind.lockable:
        raise ImproperlyConfigured(f"{kind!r} is not a lockable record kind (core.records)")
    return [
        path("<id:pk>/lock/", views.lock, {"kind": kind}, name=f"{kind}-lock"),
        path(
            "<id:pk>/lock/break/",
            views.lock_take_over,
            {"kind": kind},
            name=f"{kind}-lock-break",
        ),
    ]
