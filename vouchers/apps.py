from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "vouchers"

    def ready(self) -> None:
        from core.records import RecordKind, register
        from vouchers.live import voucher_live, voucher_note
        from vouchers.models import Voucher
        from vouchers.snapshots import voucher_snapshot

        register(
            RecordKind(
                "voucher",
                Voucher,
                "Voucher",
                snapshot=voucher_snapshot,
                lockable=True,
                order=("type", "number", "date", "reference", "narration", "cancelled", "entries"),
                url_name="voucher",
                live=voucher_live,
                live_note=voucher_note,
                position=10,
            )
        )
