"""tests/services run against real PostgreSQL (and Redis when REDIS_URL is set).

`make test` runs them as `DATABASE_URL=postgres://… REDIS_URL=redis://… pytest -m services`.
Before the first of them runs, one session-wide check looks at the configured services:

* the database is not PostgreSQL (plain `pytest` on the SQLite default): the tests skip, since
  SQLite cannot show what they are about (row locks, the append-only trigger) — unless CI=true
  and the run asked for them with `-m services`, which is a misconfigured CI: fail;
* PostgreSQL or Redis is configured but unreachable: skip with the reason, or fail under CI=true.

The check runs in a session-scoped autouse fixture, so it runs only when a test of this folder
is actually selected (`pytest -m "not services"` never touches the services) and before
pytest-django tries to create the test database.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection

CI = os.environ.get("CI", "").lower() == "true"
HOW_TO_RUN = "run via `make test` / set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test"
CONNECT_TIMEOUT = 5  # seconds


def pg_connect(db: dict[str, Any], **options: Any) -> psycopg.Connection:
    """A psycopg connection to the database a dj-database-url dict names."""
    return psycopg.connect(
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        dbname=db.get("NAME"),
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        connect_timeout=CONNECT_TIMEOUT,
        **options,
    )


def _database_problem(db: dict[str, Any]) -> str | None:
    """Why the configured PostgreSQL cannot be used, or None if a connection works."""
    where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db.get('NAME')}"
    try:
        with pg_connect(db) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (
            f"PostgreSQL not reachable at {where} ({reason}): "
            "start it or set DATABASE_URL=postgres://user@host:port/db"
        )
    return None


def _redis_problem(url: str) -> str | None:
    """Why Redis at `url` cannot be used, or None if it answers PING."""
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT
        )
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError) as exc:
        return f"Redis not reachable at {url} ({exc}): start it or set REDIS_URL"
    return None


def _services_problem(config: pytest.Config) -> tuple[str, bool] | None:
    """(message, fatal) when the services tests cannot run here; None when they can."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        fatal = CI and (config.getoption("markexpr", "") or "").strip() == "services"
        return (
            f"tests/services need PostgreSQL but the database is {db['ENGINE']}: {HOW_TO_RUN}",
            fatal,
        )
    problem = _database_problem(db)
    if problem is None and settings.REDIS_URL:
        problem = _redis_problem(settings.REDIS_URL)
    return (problem, CI) if problem else None


@pytest.fixture(scope="session", autouse=True)
def services_available(request: pytest.FixtureRequest) -> None:
    """Skip every test here with the reason, or under CI=true fail them all, when the services
    are not there. pytest caches a session fixture's outcome, so this checks only once."""
    found = _services_problem(request.config)
    if found is None:
        return
    message, fatal = found
    if fatal:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def postgres(services_available: None) -> None:
    """Belt and braces: these tests prove nothing on SQLite, so never let them pass there."""
    assert connection.vendor == "postgresql", f"expected PostgreSQL, got {connection.vendor}"


def run_together(
    workers: list[Callable[[], Any]], *, timeout: float = 120
) -> list[tuple[str, Any]]:
    """Run each callable in its own thread, all released at once by a barrier.

    Returns one ("ok", value) or ("error", exception) per worker, in order. Every thread closes
    its own database connection when done, so none is left open for the test's flush.
    """
    barrier = threading.Barrier(len(workers))
    results: list[tuple[str, Any] | None] = [None] * len(workers)

    def run(i: int, work: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[i] = ("ok", work())
        except BaseException as exc:  # reported to the test, which decides what is expected
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, work), name=f"worker-{i}", daemon=True)
        for i, work in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"threads still running after {timeout}s: {stuck}"
    assert all(r is not None for r in results)
    return results  # type: ignore[return-value]
