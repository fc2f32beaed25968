from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "ledgers"

    def ready(self) -> None:
        from core.records import RecordKind, register
        from ledgers.models import Group, Ledger
        from ledgers.snapshots import group_snapshot, ledger_snapshot

        register(RecordKind("group", Group, "Group", snapshot=group_snapshot))
        register(
            RecordKind(
                "ledger",
                Ledger,
                "Ledger",
                snapshot=ledger_snapshot,
                lockable=True,
                url_name="ledger",
            )
        )
