"""Test wiring shared by every folder: the data folder, a secret key, an Edit Log key and head
file, and the test database's name (production settings carry none of them), and the
`services` marker for tests/services."""

import os
import secrets
from pathlib import Path

import pytest
from django.conf import settings

from tallysync.var import var_prepare

SERVICES = Path(__file__).parent / "tests" / "services"


def pytest_configure(config: pytest.Config) -> None:
    # A run's own key, unless the environment gives one; the processes tests start inherit it.
    settings.SECRET_KEY = os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    settings.EDITLOG_KEY = os.environ.setdefault("TALLYSYNC_EDITLOG_KEY", secrets.token_urlsafe(50))
    var_prepare(settings.VAR_DIR)  # as manage.py does: the folder the test database goes in
    settings.EDITLOG_HEAD_FILE = settings.VAR_DIR / f"test-{os.getpid()}.editlog_head"


def pytest_unconfigure(config: pytest.Config) -> None:
    Path(settings.EDITLOG_HEAD_FILE).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings() -> None:
    """Each run its own test database, named by process: on one PostgreSQL server a developer's
    run and a benchmark's must not drop each other's. SQLite uses a file like production, not
    shared-cache memory: there a socket's read in one thread fails another thread's write with
    "table is locked" instead of WAL's waiting."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        name = str(settings.VAR_DIR / f"test-{os.getpid()}.sqlite3")
    else:
        name = f"test_{database['NAME']}_{os.getpid()}"
    database.setdefault("TEST", {})["NAME"] = name


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVICES in Path(item.fspath).parents:
            item.add_marker(pytest.mark.services)
