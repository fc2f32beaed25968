from django.apps import AppConfig


class EditlogConfig(AppConfig):
    name = "editlog"

    def ready(self) -> None:
        from core.records import ArchivedTable, archive_register
        from editlog.models import Change

        archive_register(ArchivedTable(Change, log=True))
