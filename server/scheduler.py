"""Starting the backup scheduler (backups.schedule) in a server process, and putting each
scheduled backup's outcome on the Server Monitor's event log."""

from __future__ import annotations

from django.conf import settings

from backups.schedule import Outcome, Scheduler
from sync.models import ConnectionEvent
from sync.registry import event_record


def outcome_record(outcome: Outcome) -> None:
    """One line per company and run: "Backed up" with the archive, or "Backup failed" and why."""
    kind = ConnectionEvent.Kind.BACKUP if outcome.archive else ConnectionEvent.Kind.BACKUP_FAILED
    event_record(kind=kind, company_id=outcome.company_id, detail=outcome.detail)


def scheduler_start() -> Scheduler | None:
    """Start the scheduler in a server that `manage.py serve` launched (how an office runs it:
    docs/operations.md). A process importing the application otherwise — the tests, the browser
    tests' servers, the bench — takes no backups of its own."""
    if not settings.SERVING_PORT:
        return None
    scheduler = Scheduler(report=outcome_record)
    scheduler.start()
    return scheduler
