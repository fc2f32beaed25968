from django.apps import AppConfig


class TallyXmlConfig(AppConfig):
    """Tally in, Tally out: Tally's XML read into typed drafts and posted through the batch
    path, books written back as Tally XML, and Tally's XML-over-HTTP API."""

    name = "tallyxml"
    verbose_name = "Tally XML"

    def ready(self) -> None:
        from core.records import ArchivedTable, archive_register
        from tallyxml.models import TallyKey

        # A restored company's second import of the same file still changes nothing.
        archive_register(ArchivedTable(TallyKey))
