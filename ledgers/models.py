"""Tally's chart of accounts: Groups (28 seeded per company), Ledgers and their running totals.

One sign convention everywhere: an amount is a signed Decimal, positive = Debit, negative =
Credit. Opening balances, entry amounts and balances all follow it; only display turns the sign
into "Dr"/"Cr".
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from core.money import ZERO, MoneyField


class Group(models.Model):
    class Nature(models.TextChoices):
        ASSET = "asset", "Assets"
        LIABILITY = "liability", "Liabilities"
        INCOME = "income", "Income"
        EXPENSE = "expense", "Expenses"

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Inherited from the parent when a sub-group is created, as in Tally; a group is never
    # moved, so they never go stale.
    nature = models.CharField(max_length=10, choices=Nature.choices)
    is_revenue = models.BooleanField(default=False, help_text="Goes to Profit & Loss")
    affects_gross_profit = models.BooleanField(default=False)
    is_cash_bank = models.BooleanField(default=False, help_text="Cash-in-Hand or a bank group")
    # Cash-in-Hand or a sub-group of it: its ledgers are the cash that "Warn on negative cash
    # balance" watches (read with the ledger under the save's lock, so the check costs no query).
    is_cash = models.BooleanField(default=False, help_text="Cash-in-Hand or a sub-group of it")
    predefined = models.BooleanField(default=False)

    class Meta:
        ordering = ["company", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "company", name="group_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Ledger(models.Model):
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    # Only Tally's predefined "Profit & Loss A/c" stands outside every group.
    group = models.ForeignKey(Group, null=True, on_delete=models.PROTECT, related_name="ledgers")
    opening_balance = MoneyField(default=ZERO)
    gstin = models.CharField("GSTIN", max_length=15, blank=True)
    state = models.CharField(max_length=100, blank=True)
    # A party's GST details (Tally's party ledger): its registration (core.gst.RegistrationType;
    # '' for a ledger that is no party) and its state's GSTN code, from its GSTIN when it has one.
    gst_registration_type = models.CharField(max_length=20, blank=True, default="", db_default="")
    state_code = models.CharField(max_length=2, blank=True, default="", db_default="")
    # Tally's "Maintain balances bill-by-bill": each line on the ledger is allocated to bills
    # (vouchers.bills); on by default under Sundry Debtors and Sundry Creditors.
    bill_wise = models.BooleanField(default=False, db_default=False)
    # The default credit period of its new bills, in days (None: due on the bill's date).
    credit_days = models.PositiveSmallIntegerField(null=True, blank=True, default=None)
    predefined = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    altered_at = models.DateTimeField(auto_now=True)
    altered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Sums of this ledger's entries, kept by the posting services in the saving transaction.
    total_debit = MoneyField(default=ZERO)
    total_credit = MoneyField(default=ZERO)

    class Meta:
        ordering = ["company", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "company", name="ledger_name_unique"),
            models.CheckConstraint(
                condition=models.Q(total_debit__gte=0, total_credit__gte=0),
                name="ledger_totals_not_negative",
            ),
        ]

    # What the financial year adds to the whole-history balance: an income or expense ledger's
    # earlier years (taken off) and Profit & Loss A/c's (added). `ledgers.selectors.ledger_list`
    # annotates it; a ledger read without it shows its whole history.
    carried = ZERO
    # Its entries dated after the day it was read for (a voucher of next year typed early):
    # not in the balance "now" (`ledgers.selectors.ledger_list` annotates it).
    later = ZERO

    def __str__(self) -> str:
        return self.name

    @property
    def closing_balance(self) -> Decimal:
        """Signed closing balance as of the day it was read for (in that day's financial year,
        without entries dated later): positive = Dr."""
        balance = self.opening_balance + self.total_debit - self.total_credit + self.carried
        return balance - self.later


class LedgerDay(models.Model):
    """A ledger's debits and credits on one day: "as of" balances sum these, not entries."""

    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    debit = MoneyField(default=ZERO)
    credit = MoneyField(default=ZERO)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ledger", "date"], name="ledger_day_unique"),
        ]
        indexes = [models.Index(fields=["date", "ledger"])]

    def __str__(self) -> str:
        return f"{self.ledger_id} {self.date}: Dr {self.debit} Cr {self.credit}"


class ClosingStock(models.Model):
    """A Stock-in-Hand ledger's closing value on a day: Tally's way for books kept without
    inventory. The Profit & Loss A/c and Balance Sheet take, as of a day, the latest value on or
    before it (none yet: the ledger's own balance)."""

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    # A ledger with closing values is not deleted (ledger_delete says so): each value has
    # its Changes in the Edit Log.
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="closing_stock")
    date = models.DateField()
    amount = MoneyField()
    version = models.PositiveIntegerField(default=1)
    altered_at = models.DateTimeField(auto_now=True)
    altered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "closing stock values"
        ordering = ["ledger", "date"]
        constraints = [
            models.UniqueConstraint(fields=["ledger", "date"], name="closing_stock_unique"),
        ]

    def __str__(self) -> str:
        return f"Closing stock of {self.ledger.name} on {self.date:%d-%b-%Y}"


class OpeningBill(models.Model):
    """A bill a bill-wise ledger brings into the books (Tally's bill-wise opening balance): its
    name, date, due date and signed pending amount (positive = Dr, what the party owes us)."""

    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="opening_bills")
    name = models.CharField(max_length=100)
    date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    amount = MoneyField()

    class Meta:
        ordering = ["ledger", "date", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "ledger", name="opening_bill_name_unique"),
            models.CheckConstraint(condition=~models.Q(amount=0), name="opening_bill_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.ledger_id} {self.name} {self.amount}"
