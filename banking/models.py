"""A bank's statement as imported (its lines, each matched to the book entry it clears or to
none) and how a bank's statement CSV reads, set once per bank ledger."""

from __future__ import annotations

from django.db import models

from core.money import MoneyField
from ledgers.models import Ledger
from vouchers.models import Voucher


class StatementFormat(models.Model):
    """Where a bank's CSV statement keeps each field: column numbers counted from 1 (0: the
    statement has no such column), the rows above the table to skip, and how it writes dates.
    Amounts come as two columns (withdrawal, deposit) or one with a Dr/Cr column beside it."""

    class DateFormat(models.TextChoices):
        SLASHES = "dd/mm/yyyy", "dd/mm/yyyy"
        SHORT_SLASHES = "dd/mm/yy", "dd/mm/yy"
        DASHES = "dd-mm-yyyy", "dd-mm-yyyy"
        SHORT_DASHES = "dd-mm-yy", "dd-mm-yy"
        MONTH_NAME = "dd-MMM-yyyy", "dd-MMM-yyyy"
        MONTH_NAME_SPACED = "dd MMM yyyy", "dd MMM yyyy"

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    ledger = models.OneToOneField(Ledger, on_delete=models.CASCADE, related_name="+")
    skip_rows = models.PositiveSmallIntegerField(default=1, db_default=1)
    date_format = models.CharField(
        max_length=12, choices=DateFormat.choices, default="dd/mm/yyyy", db_default="dd/mm/yyyy"
    )
    date_column = models.PositiveSmallIntegerField(default=1, db_default=1)
    narration_column = models.PositiveSmallIntegerField(default=0, db_default=0)
    reference_column = models.PositiveSmallIntegerField(default=0, db_default=0)
    withdrawal_column = models.PositiveSmallIntegerField(default=0, db_default=0)
    deposit_column = models.PositiveSmallIntegerField(default=0, db_default=0)
    amount_column = models.PositiveSmallIntegerField(default=0, db_default=0)
    drcr_column = models.PositiveSmallIntegerField(default=0, db_default=0)

    class Meta:
        ordering = ["company", "ledger"]

    def __str__(self) -> str:
        return f"Statement format of {self.ledger.name}"


class StatementLine(models.Model):
    """One line of a bank's statement. `amount` is signed as the statement shows it, Dr
    positive: a withdrawal is the bank's debit (+), a deposit its credit (−), so a line
    clears the book entry of the opposite sign (a receipt's Dr on the bank ledger clears a
    deposit). `matched`: the user accepted it as clearing a book entry of `voucher` (its line
    on this bank). The voucher, not the entry: an alteration writes a voucher's entries anew
    (deleted in bulk, past any on_delete), while the voucher keeps its id and the bank date
    the match set on its line; a deleted voucher leaves the line matched, its voucher empty.
    Clearing the entry's bank date on the reconciliation releases the line (unmatched again)."""

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    # Lines are records with Changes of their own: a bank with imported lines is not deleted.
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    description = models.CharField(max_length=300, blank=True, default="", db_default="")
    reference = models.CharField(max_length=60, blank=True, default="", db_default="")
    amount = MoneyField()
    matched = models.BooleanField(default=False, db_default=False)
    voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "imported bank statement lines"
        ordering = ["ledger", "date", "id"]
        indexes = [models.Index(fields=["ledger", "date"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="statement_line_not_zero"),
        ]

    def __str__(self) -> str:
        side = "Dr" if self.amount > 0 else "Cr"
        return f"{self.date:%d-%b-%Y} {abs(self.amount)} {side}"
