from django.apps import AppConfig


class BackupsConfig(AppConfig):
    """Company archives (backup, restore, the move between databases), scheduled backups with
    retention, and verify/repair of the books with its Exceptions list."""

    name = "backups"

    def ready(self) -> None:
        from backups import verify_bills  # noqa: F401  (registers its checks)
        from backups.models import DataException
        from backups.snapshots import exception_snapshot
        from core.records import RecordKind, register

        # Repair records each row it moves (backups.repair): the Edit Log shows what left
        # the books, and whole.
        register(
            RecordKind(
                "exception",
                DataException,
                "Data exception",
                snapshot=exception_snapshot,
                labels={"check": "Check", "object": "Row moved"},
                order=("object", "check", "message", "content"),
                position=90,
            )
        )
        from core.records import ArchivedTable, archive_register

        # The Exceptions list is the books' too: a restore brings back what repair moved out.
        archive_register(ArchivedTable(DataException))
