"""Tally's inventory masters: Units of measure, Stock Groups, Godowns and Stock Items with their
opening stock per godown. Quantities are Decimals with at most four places (a unit says how
many it allows); rates and values are money (integer paise, `core.money`)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from core.money import MoneyField

MAX_DECIMAL_PLACES = 4
QUANTITY = {"max_digits": 18, "decimal_places": MAX_DECIMAL_PLACES}

# Tally's own godown, made with every company: never deleted, may be renamed.
MAIN_LOCATION = "Main Location"


class Master(models.Model):
    """What every inventory master has: its company, and the version an alteration checks."""

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField(default=1)
    altered_at = models.DateTimeField(auto_now=True)
    altered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


class Unit(Master):
    """A unit of measure: simple ("Nos", 0 decimal places, UQC NOS) or compound ("Box of 10
    Nos": one `first_unit` = `conversion` × `second_unit`)."""

    symbol = models.CharField(max_length=50)
    formal_name = models.CharField(max_length=100, blank=True)
    decimal_places = models.PositiveSmallIntegerField(default=0)
    uqc = models.CharField("GST UQC", max_length=10, blank=True)
    first_unit = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    conversion = models.DecimalField(null=True, blank=True, **QUANTITY)
    second_unit = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["company", "symbol"]
        constraints = [
            models.UniqueConstraint(Lower("symbol"), "company", name="unit_symbol_unique"),
            models.CheckConstraint(
                condition=models.Q(decimal_places__lte=MAX_DECIMAL_PLACES),
                name="unit_decimal_places_range",
            ),
        ]

    def __str__(self) -> str:
        return self.symbol

    @property
    def is_compound(self) -> bool:
        return self.first_unit_id is not None


class StockGroup(Master):
    """A group of stock items, under another (None: Primary). Its totals show quantities only
    when they may be added (`quantities_addable`)."""

    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    quantities_addable = models.BooleanField(default=True)

    class Meta:
        ordering = ["company", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "company", name="stock_group_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Godown(Master):
    """A place stock is kept, under another (None: Primary). `is_main_location`: Tally's own
    "Main Location", made with the company."""

    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_main_location = models.BooleanField(default=False)

    class Meta:
        ordering = ["company", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "company", name="godown_name_unique"),
            models.UniqueConstraint(
                "company",
                condition=models.Q(is_main_location=True),
                name="godown_one_main_location",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StockItem(Master):
    class Costing(models.TextChoices):
        AVG_COST = "avg_cost", "Avg. Cost"
        FIFO = "fifo", "FIFO"
        LAST_PURCHASE = "last_purchase", "Last Purchase Cost"

    name = models.CharField(max_length=200)
    group = models.ForeignKey(
        StockGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="items")
    costing_method = models.CharField(
        max_length=20, choices=Costing.choices, default=Costing.AVG_COST
    )
    hsn_sac = models.CharField("HSN/SAC", max_length=20, blank=True)

    class Meta:
        ordering = ["company", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "company", name="stock_item_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ItemOpening(models.Model):
    """A stock item's opening stock in one godown, at the books' beginning."""

    item = models.ForeignKey(StockItem, on_delete=models.CASCADE, related_name="openings")
    godown = models.ForeignKey(Godown, on_delete=models.PROTECT, related_name="openings")
    quantity = models.DecimalField(**QUANTITY)
    rate = MoneyField()
    value = MoneyField()

    class Meta:
        ordering = ["item", "godown__name"]
        constraints = [
            models.UniqueConstraint(fields=["item", "godown"], name="item_opening_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} in {self.godown_id}: {self.quantity} @ {self.rate}"

    def quantity_text(self) -> str:
        return quantity_text(self.quantity)


def quantity_text(quantity: Decimal) -> str:
    """A quantity as its digits, without trailing zeros: 10, 2.5, 0.125."""
    text = f"{quantity:.{MAX_DECIMAL_PLACES}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class StockLine(models.Model):
    """One row of a voucher's stock lines (the part "items" of `vouchers.parts`): an item's
    quantity in one godown. An item line split across godowns is several rows with the same
    `line` (the line's number in the voucher as typed); `position` orders all of a voucher's
    rows. `kind` is what the row is to the valuation (`inventory.moves.MoveKind`).

    `quantity` is signed, + in and − out, except on a Physical Stock row (`kind` PHYSICAL),
    where it is the quantity counted in that godown. `rate` and `discount` as typed (a discount
    is an amount); `amount` = quantity × rate − discount, to the paisa (an item line's amount
    split across its godowns by quantity, the last row taking the paise left), positive; on a
    Stock Journal's destination it is the additional cost of the manufacture. `ledger`: the
    sales or purchase ledger an invoice's line is allocated to (None on inventory vouchers)."""

    class Role(models.TextChoices):
        ITEMS = "items", "Item"  # an item invoice's line (Sales, Purchase, Credit/Debit Note)
        SOURCE = "source", "Source (Consumption)"  # a Stock Journal's source side
        DESTINATION = "destination", "Destination (Production)"  # its destination side
        COUNTED = "counted", "Counted"  # a Physical Stock's counted quantity

    voucher = models.ForeignKey(
        "vouchers.Voucher", on_delete=models.CASCADE, related_name="stock_lines"
    )
    position = models.PositiveSmallIntegerField()
    line = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=20, choices=Role.choices)
    kind = models.CharField(max_length=20)  # an inventory.moves.MoveKind
    # DO_NOTHING: an item or a godown is refused deletion while a line names it (the services'
    # own check, under the company lock, with a message), and a ledger while it has entries (a
    # line's ledger always has the line's entry); the foreign keys back both, and deletions do
    # not pay a query for a second check.
    item = models.ForeignKey(StockItem, on_delete=models.DO_NOTHING, related_name="stock_lines")
    godown = models.ForeignKey(Godown, on_delete=models.DO_NOTHING, related_name="stock_lines")
    quantity = models.DecimalField(**QUANTITY)
    rate = MoneyField(default=Decimal("0"))
    discount = MoneyField(default=Decimal("0"))
    amount = MoneyField(default=Decimal("0"))
    ledger = models.ForeignKey(
        "ledgers.Ledger", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+"
    )

    class Meta:
        ordering = ["voucher", "position"]
        constraints = [
            models.UniqueConstraint(fields=["voucher", "position"], name="stock_line_position"),
        ]
        indexes = [models.Index(fields=["item", "godown"])]

    def __str__(self) -> str:
        return f"{self.voucher_id}.{self.position}: {self.item_id} {self.quantity}"
