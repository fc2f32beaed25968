"""Going behind the application's back: raw SQL on editlog_change, as an intruder would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.editlog.forgery import sql_as_owner


@pytest.fixture
def raw_sql(db: Any) -> Callable[..., None]:
    """Run SQL on the Edit Log table as its owner could (forgery.sql_as_owner)."""
    return sql_as_owner
