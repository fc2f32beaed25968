"""What an intruder who can write the database does to the Edit Log, shared by tests/editlog and
the PostgreSQL tests in tests/services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection

from companies.models import Company
from editlog.head import head_append
from editlog.models import Change


def sql_as_owner(sql: str, params: list[Any] | None = None) -> None:
    """Run SQL on the Edit Log table as its owner could. On PostgreSQL the append-only trigger
    is switched off around it (inside the caller's transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses while deferred foreign-key checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE editlog_change DISABLE TRIGGER editlog_change_append_only")
        cursor.execute(sql, params or [])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE editlog_change ENABLE TRIGGER editlog_change_append_only")


def rechain_from(company: Company, seq: int, hashing: Callable[[Change, str], str]) -> None:
    """Recompute every hash from Change #`seq` to the newest with `hashing(change, prev_hash)`,
    as an intruder would after rewriting #`seq`, and move the company's last_hash along."""
    prev = Change.objects.get(company=company, seq=seq - 1).hash
    for change in Change.objects.filter(company=company, seq__gte=seq).order_by("seq"):
        change.prev_hash, change.hash = prev, hashing(change, prev)
        sql_as_owner(
            "UPDATE editlog_change SET prev_hash = %s, hash = %s WHERE id = %s",
            [change.prev_hash, change.hash, change.pk],
        )
        prev = change.hash
    Company.objects.filter(pk=company.pk).update(last_hash=prev)


def cut_back(company: Company, changes: int) -> int:
    """Delete the newest `changes` Changes and lower last_seq to match; the new last seq."""
    last = Company.objects.get(pk=company.pk).last_seq - changes
    sql_as_owner(
        "DELETE FROM editlog_change WHERE company_id = %s AND seq > %s", [company.pk, last]
    )
    Company.objects.filter(pk=company.pk).update(last_seq=last)
    return last


def heads_as_committed() -> None:
    """The head file as the commits would have left it (a test's transaction never commits)."""
    for company in Company.objects.all():
        head_append(chain_id=company.chain_id, seq=company.last_seq, hash=company.last_hash)
