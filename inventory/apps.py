from django.apps import AppConfig


class InventoryConfig(AppConfig):
    """Inventory masters: units, stock groups, godowns and stock items (issue 20)."""

    name = "inventory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.records import (
            ArchivedTable,
            RecordKind,
            archive_register,
            rebuild_register,
            register,
        )
        from inventory.live import master_live
        from inventory.models import Godown, ItemOpening, StockGroup, StockItem, Unit
        from inventory.services import main_location_ensure
        from inventory.snapshots import (
            godown_snapshot,
            stock_group_snapshot,
            stock_item_snapshot,
            unit_snapshot,
        )

        register(
            RecordKind(
                "unit",
                Unit,
                "Unit",
                snapshot=unit_snapshot,
                lockable=True,
                labels={
                    "formal_name": "Formal name",
                    "decimal_places": "Number of decimal places",
                    "uqc": "Unit Quantity Code (UQC)",
                    "first_unit": "First unit",
                    "second_unit": "Second unit",
                },
                order=("symbol", "formal_name", "decimal_places", "uqc", "first_unit"),
                url_name="unit",
                live=master_live,
                position=40,
            )
        )
        register(
            RecordKind(
                "stock_group",
                StockGroup,
                "Stock Group",
                snapshot=stock_group_snapshot,
                lockable=True,
                labels={"parent": "Under", "quantities_addable": "Quantities can be added"},
                order=("name", "parent", "quantities_addable"),
                url_name="stock-group",
                live=master_live,
                position=41,
            )
        )
        register(
            RecordKind(
                "godown",
                Godown,
                "Godown",
                snapshot=godown_snapshot,
                seeded=lambda godown: godown.is_main_location,
                lockable=True,
                labels={"parent": "Under"},
                order=("name", "parent"),
                url_name="godown",
                live=master_live,
                position=42,
            )
        )
        register(
            RecordKind(
                "stock_item",
                StockItem,
                "Stock Item",
                snapshot=stock_item_snapshot,
                lockable=True,
                labels={
                    "group": "Under",
                    "unit": "Units",
                    "costing_method": "Costing method",
                    "hsn_sac": "HSN/SAC",
                    "opening": "Opening balance",
                },
                order=("name", "group", "unit", "costing_method", "hsn_sac", "opening"),
                url_name="stock-item",
                live=master_live,
                position=43,
            )
        )
        for model in (Unit, StockGroup, Godown, StockItem):
            archive_register(ArchivedTable(model))
        archive_register(ArchivedTable(ItemOpening, "item__company"))
        rebuild_register("inventory_main_location", main_location_ensure)
        self._voucher_parts()

    def _voucher_parts(self) -> None:
        """Item invoices, Stock Journals and Physical Stock: vouchers with stock lines, their
        part "items" (`vouchers.parts`), posted on the vouchers' own endpoints with a body that
        has "items" (an invoice, a count) or "source"/"destination" (a Stock Journal)."""
        from core.records import ArchivedTable, archive_register
        from inventory.live import STOCK_LINES
        from inventory.models import StockLine
        from inventory.voucher_services import (
            PART,
            stock_part_read,
            stock_voucher_alter,
            stock_voucher_create,
        )
        from vouchers.parts import (
            VoucherBody,
            VoucherPart,
            voucher_body_register,
            voucher_part_register,
        )

        voucher_part_register(VoucherPart(name=PART, read=stock_part_read, refresh=STOCK_LINES))
        for key in ("items", "source", "destination"):
            voucher_body_register(
                VoucherBody(
                    key=key, part=PART, create=stock_voucher_create, alter=stock_voucher_alter
                )
            )
        archive_register(ArchivedTable(StockLine, "voucher__company"))
