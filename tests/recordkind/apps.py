"""A kind of record that lives only in tests: one registration makes it lockable, logged with a
labelled diff and patched live, with no edit in locking, editlog or sync."""

from django.apps import AppConfig


class RecordKindConfig(AppConfig):
    name = "tests.recordkind"
    label = "recordkind"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.records import RecordKind, register
        from tests.recordkind.live import note_live
        from tests.recordkind.models import Note

        register(
            RecordKind(
                "note",
                Note,
                "Note",
                snapshot=lambda note: {"id": note.pk, "text": note.text, "version": note.version},
                lockable=True,
                labels={"text": "Words"},
                order=("text",),
                live=note_live,
            )
        )
