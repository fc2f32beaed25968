"""What the Edit Log keeps of a row moved to the Exceptions list (hashed: its shape only grows)."""

from __future__ import annotations

from typing import Any

from backups.models import DataException


def exception_snapshot(moved: DataException) -> dict[str, Any]:
    return {
        "id": moved.pk,
        "object": f"{moved.object_type}:{moved.object_id}",
        "check": moved.check_id,
        "message": moved.message,
        "content": moved.content,
    }
