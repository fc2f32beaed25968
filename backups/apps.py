from django.apps import AppConfig


class BackupsConfig(AppConfig):
    """Company archives (backup, restore, the move between databases), scheduled backups with
    retention, and verify/repair of the books with its Exceptions list."""

    name = "backups"
