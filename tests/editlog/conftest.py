"""Going behind the application's back: raw SQL on editlog_change, as an intruder would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection


@pytest.fixture
def raw_sql(db: Any) -> Callable[..., None]:
    """Run SQL on the Edit Log table as its owner could. On PostgreSQL the append-only trigger
    is switched off first (only inside the test's transaction, which is rolled back)."""

    def run(sql: str, params: list[Any] | None = None) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # ALTER TABLE refuses while deferred foreign-key checks are pending.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(
                    "ALTER TABLE editlog_change DISABLE TRIGGER editlog_change_append_only"
                )
            cursor.execute(sql, params or [])
            if connection.vendor == "postgresql":
                cursor.execute(
                    "ALTER TABLE editlog_change ENABLE TRIGGER editlog_change_append_only"
                )

    return run
