from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "vouchers"

    def ready(self) -> None:
        from core.records import RecordKind, register
        from vouchers.models import Voucher
        from vouchers.snapshots import voucher_snapshot

        register(
            RecordKind(
                "voucher",
                Voucher,
                "Voucher",
                snapshot=voucher_snapshot,
                lockable=True,
                url_name="voucher",
            )
        )
