from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "ledgers"

    def ready(self) -> None:
        from core.records import RecordKind, register
        from ledgers.live import (
            book_reload,
            closing_stock_live,
            group_live,
            groups_reload,
            ledger_live,
            ledger_note,
        )
        from ledgers.models import ClosingStock, Group, Ledger
        from ledgers.snapshots import closing_stock_snapshot, group_snapshot, ledger_snapshot

        register(
            RecordKind(
                "group",
                Group,
                "Group",
                snapshot=group_snapshot,
                seeded=lambda group: group.predefined,
                labels={"is_revenue": "Revenue"},
                order=("name", "parent", "nature"),
                live=group_live,
                live_note=groups_reload,
                position=30,
            )
        )
        register(
            RecordKind(
                "ledger",
                Ledger,
                "Ledger",
                snapshot=ledger_snapshot,
                seeded=lambda ledger: ledger.predefined,
                lockable=True,
                labels={
                    "opening_balance": "Opening balance",
                    "gstin": "GSTIN",
                    "state_code": "State code",
                    "gst_registration_type": "GST registration type",
                    "bill_wise": "Maintain balances bill-by-bill",
                    "credit_days": "Default credit period (days)",
                    "opening_bills": "Opening bills",
                },
                # Bill-wise details came after Changes were recorded without them.
                grown={
                    **{"bill_wise": False, "credit_days": None, "opening_bills": []},
                    **{"state_code": "", "gst_registration_type": ""},
                },
                # positive = Dr; the rest are the JSON API's words for the same amounts
                signed_amounts=frozenset({"opening_balance"}),
                amounts=frozenset({"opening_debit", "opening_credit", "closing_balance"}),
                order=(
                    *("name", "group", "opening_balance", "address", "state", "state_code"),
                    *("gst_registration_type", "gstin"),
                    *("bill_wise", "credit_days", "opening_bills"),
                ),
                url_name="ledger",
                live=ledger_live,
                live_note=ledger_note,
                position=20,
            )
        )
        register(
            RecordKind(
                "closing_stock",
                ClosingStock,
                "Closing stock",
                snapshot=closing_stock_snapshot,
                amounts=frozenset({"amount"}),
                order=("ledger", "date", "amount"),
                live=closing_stock_live,
                live_note=book_reload,
                position=25,
            )
        )
        from core.records import ArchivedTable, archive_register
        from ledgers.models import LedgerDay

        archive_register(ArchivedTable(Group))
        archive_register(ArchivedTable(Ledger))
        archive_register(ArchivedTable(ClosingStock))
        from ledgers.models import OpeningBill

        archive_register(ArchivedTable(OpeningBill, "ledger__company"))
        # Day totals are sums of entries: rebuilt after a restore (vouchers.totals).
        archive_register(ArchivedTable(LedgerDay, "ledger__company", derived=True))
