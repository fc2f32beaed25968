from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "vouchers"

    def ready(self) -> None:
        from core.records import RecordKind, register
        from vouchers.live import numbering_live, voucher_live, voucher_note
        from vouchers.models import Voucher, VoucherNumbering
        from vouchers.snapshots import numbering_snapshot, voucher_snapshot, vouchers_snapshots

        register(
            RecordKind(
                "voucher",
                Voucher,
                "Voucher",
                snapshot=voucher_snapshot,
                snapshots=vouchers_snapshots,
                lockable=True,
                # The Ref. / Bill No. came after Changes were recorded without it.
                grown={"reference": ""},
                labels={"voucher_no": "Voucher No."},
                order=(
                    *("type", "number", "voucher_no", "date", "reference", "narration"),
                    *("cancelled", "entries"),
                ),
                url_name="voucher",
                live=voucher_live,
                live_note=voucher_note,
                position=10,
            )
        )
        register(
            RecordKind(
                "voucher_numbering",
                VoucherNumbering,
                "Voucher numbering",
                snapshot=numbering_snapshot,
                labels={
                    "method": "Method of voucher numbering",
                    "width": "Width of numerical part",
                },
                order=("type", "method", "prefix", "suffix", "width"),
                url_name="voucher-numbering",
                live=numbering_live,
                position=15,
            )
        )
        from core.records import ArchivedTable, archive_register, rebuild_register
        from vouchers.models import (
            BankAllocation,
            BillAllocation,
            Entry,
            VoucherCounter,
            VoucherType,
        )
        from vouchers.totals import ledger_totals_rebuild

        # Backups (core.records.ArchivedTable): counters are carried, not recomputed — a
        # deleted voucher's number is never given again, and only the counter knows it.
        for model, path in (
            (VoucherType, "company"),
            (Voucher, "company"),
            (Entry, "voucher__company"),
            (VoucherCounter, "company"),
            (VoucherNumbering, "company"),
            (BillAllocation, "entry__voucher__company"),
            (BankAllocation, "entry__voucher__company"),
        ):
            archive_register(ArchivedTable(model, path))
        rebuild_register("ledger_totals", ledger_totals_rebuild)
