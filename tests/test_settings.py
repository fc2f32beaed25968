"""The embedded SQLite database is set up for several writers: WAL, busy timeout, IMMEDIATE."""

import pytest
from django.conf import settings
from django.db import connection


def test_sqlite_takes_the_write_lock_at_begin():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    assert "busy_timeout=4000" in options["init_command"]


@pytest.mark.django_db
def test_sqlite_connection_has_the_pragmas():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 4000
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
