"""Test wiring shared by every folder: tests/services gets the `services` marker."""

from pathlib import Path

import pytest

SERVICES = Path(__file__).parent / "tests" / "services"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVICES in Path(item.fspath).parents:
            item.add_marker(pytest.mark.services)
