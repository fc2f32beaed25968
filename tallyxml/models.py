"""Which record of ours each Tally object became, per company: a second import of the same file
finds its objects here and changes nothing."""

from __future__ import annotations

from django.db import models


class TallyKey(models.Model):
    """A Tally object's identity (GUID / REMOTEID, or a master's name when it has no GUID) and
    the ALTERID it was last imported at, with the record it became. The record is a foreign
    key, not a bare id, so that a copy restore (new ids) keeps the mapping, and a record
    deleted here takes its key with it (importing the object again creates it again)."""

    class Kind(models.TextChoices):
        GROUP = "group", "Group"
        LEDGER = "ledger", "Ledger"
        VOUCHER = "voucher", "Voucher"
        UNIT = "unit", "Unit"
        STOCK_GROUP = "stockgroup", "Stock Group"
        GODOWN = "godown", "Godown"
        STOCK_ITEM = "stockitem", "Stock Item"

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    guid = models.CharField(max_length=200)
    alter_id = models.BigIntegerField(null=True, blank=True, default=None)
    group = models.ForeignKey(
        "ledgers.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    ledger = models.ForeignKey(
        "ledgers.Ledger", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    voucher = models.ForeignKey(
        "vouchers.Voucher", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        "inventory.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    stock_group = models.ForeignKey(
        "inventory.StockGroup", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    godown = models.ForeignKey(
        "inventory.Godown", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    stock_item = models.ForeignKey(
        "inventory.StockItem", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "kind", "guid"], name="tally_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.guid}"

    @property
    def object_id(self) -> int | None:
        return getattr(self, f"{RECORD_FIELDS[self.kind]}_id")


# The field each kind's record is kept in.
RECORD_FIELDS = {
    TallyKey.Kind.GROUP: "group",
    TallyKey.Kind.LEDGER: "ledger",
    TallyKey.Kind.VOUCHER: "voucher",
    TallyKey.Kind.UNIT: "unit",
    TallyKey.Kind.STOCK_GROUP: "stock_group",
    TallyKey.Kind.GODOWN: "godown",
    TallyKey.Kind.STOCK_ITEM: "stock_item",
}
