"""Domain errors every service raises; `core.http` turns them into HTTP answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from django.utils import timezone

T = TypeVar("T")
M = TypeVar("M", bound=Model)


class DomainError(Exception):
    """A save that the rules refuse; nothing was written."""

    status = 400


class Invalid(DomainError):
    """Bad input, with messages per field ("entries.1.debit", "date", "__all__")."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))

    @classmethod
    def field(cls, name: str, message: str) -> Invalid:
        return cls({name: [message]})


class NotFound(DomainError):
    """What a request names is not there, or not the asker's to see (HTTP 404). Lookups that
    mean "not found" raise it (`found`); any other missing row is a bug, answered 500."""

    status = 404

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)


def found(queryset: QuerySet[M], **lookups: Any) -> M:
    """The one row of `queryset` matching `lookups`; NotFound when there is none."""
    try:
        return queryset.get(**lookups)
    except queryset.model.DoesNotExist:
        raise NotFound from None


class NotAllowed(DomainError):
    """The actor's role does not allow this write."""

    status = 403


class StaleVersion(DomainError):
    """The record was altered since the caller read it (HTTP 409)."""

    status = 409

    def __init__(
        self,
        *,
        current_version: int,
        altered_by: str | None,
        altered_at: dt.datetime | None,
    ) -> None:
        self.current_version = current_version
        self.altered_by = altered_by
        self.altered_at = altered_at
        who = f" by {altered_by}" if altered_by else ""
        when = f" at {timezone.localtime(altered_at):%H:%M}" if altered_at else ""
        super().__init__(
            f"This record was altered{who}{when} (now version {current_version}); "
            "reload it and make your change again."
        )


class Locked(DomainError):
    """Someone else is altering this record (HTTP 423)."""

    status = 423

    def __init__(self, *, holder: str, holder_id: int, since: dt.datetime) -> None:
        self.holder = holder
        self.holder_id = holder_id
        self.since = since
        super().__init__(self.notice())

    def notice(self, show_name: Callable[[str], str] = str) -> str:
        """The message, with the holder's name as `show_name` gives it (a page isolates it)."""
        holder = show_name(self.holder)
        return (
            f"In use by {holder} since {timezone.localtime(self.since):%H:%M} — it opens for you "
            f"when {holder} saves or leaves."
        )


class Parsed(Generic[T]):
    """Input parsed before the write lock: the value, or the Invalid it raised, kept until the
    checks a user expects first (role, edit lock, version) have passed under the lock."""

    def __init__(self, parse: Callable[..., T], /, **kwargs: Any) -> None:
        self._value: T | None = None
        self._error: Invalid | None = None
        try:
            self._value = parse(**kwargs)
        except Invalid as exc:
            self._error = exc

    def get(self) -> T:
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]
