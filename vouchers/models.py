"""Voucher types, vouchers and their entries (signed amounts: positive = Dr)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import JSONField, Value
from django.db.models.functions import Lower, Upper

from core.money import ZERO, MoneyField, split_signed
from ledgers.models import Ledger

MAX_REFERENCE = 50
MAX_NUMBER_TEXT = 40
MAX_AFFIX = 15


class VoucherType(models.Model):
    class Base(models.TextChoices):
        CONTRA = "contra", "Contra"
        PAYMENT = "payment", "Payment"
        RECEIPT = "receipt", "Receipt"
        JOURNAL = "journal", "Journal"
        SALES = "sales", "Sales"
        PURCHASE = "purchase", "Purchase"
        CREDIT_NOTE = "credit_note", "Credit Note"
        DEBIT_NOTE = "debit_note", "Debit Note"
        # Tally's inventory vouchers: they move stock and post no ledger entries.
        STOCK_JOURNAL = "stock_journal", "Stock Journal"
        PHYSICAL_STOCK = "physical_stock", "Physical Stock"
        RECEIPT_NOTE = "receipt_note", "Receipt Note"
        DELIVERY_NOTE = "delivery_note", "Delivery Note"

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    base = models.CharField(max_length=20, choices=Base.choices)
    abbreviation = models.CharField(max_length=10)
    shortcut = models.CharField(max_length=10, blank=True, help_text="Tally key, e.g. F8")

    class Meta:
        ordering = ["company", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="voucher_type_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Voucher(models.Model):
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    voucher_type = models.ForeignKey(VoucherType, on_delete=models.PROTECT, related_name="+")
    financial_year = models.PositiveSmallIntegerField(help_text="2026 = FY 2026-27")
    # Allocated by the server per type and financial year; the number a form showed is a hint.
    number = models.PositiveIntegerField()
    # The Voucher No. as issued when it is more than the plain number: with its type's prefix
    # and suffix (INV/26-27/0001), or as typed on a manually numbered type; kept as issued, so a
    # later change of prefix does not alter an invoice already given out. '' = `number`.
    number_text = models.CharField(
        max_length=MAX_NUMBER_TEXT, blank=True, default="", db_default=""
    )
    # The numbers this voucher held in other series ("<type id>/<year>": [number, text]), so a
    # voucher whose date goes into another year and back gets its own number back.
    numbers_held = models.JSONField(default=dict, blank=True, db_default=Value({}, JSONField()))
    date = models.DateField()
    narration = models.TextField(blank=True)
    # Tally's "Ref." / supplier's bill number: the other side's number for this voucher.
    reference = models.CharField(max_length=MAX_REFERENCE, blank=True, default="", db_default="")
    is_cancelled = models.BooleanField(default=False)
    # The parts other apps keep on it (`vouchers.parts`: "gst items"), so that a plain voucher
    # is never read for them.
    part_names = models.CharField(max_length=60, blank=True, default="", db_default="")
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    altered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    altered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["voucher_type", "financial_year", "number"], name="voucher_number_unique"
            ),
            # A Voucher No. is used once in its type's year, whoever typed it (manual numbering).
            models.UniqueConstraint(
                "voucher_type",
                "financial_year",
                Upper("number_text"),
                condition=~models.Q(number_text=""),
                name="voucher_number_text_unique",
            ),
        ]
        indexes = [models.Index(fields=["company", "date", "id"])]

    def __str__(self) -> str:
        return f"{self.voucher_type} No. {self.voucher_no}"

    @property
    def parts_kept(self) -> list[str]:
        """The names of the parts other apps keep on it (`vouchers.parts`)."""
        return self.part_names.split()

    @property
    def voucher_no(self) -> str:
        """The Voucher No. as shown and printed."""
        return self.number_text or str(self.number)

    @property
    def total(self) -> Decimal:
        """The voucher's amount: the sum of its debits (uses prefetched entries)."""
        return sum((e.amount for e in self.entries.all() if e.amount > 0), ZERO)

    @property
    def lead_entry(self) -> Entry | None:
        """The first line, which the Day Book shows as the voucher's particulars."""
        entries = list(self.entries.all())
        return min(entries, key=lambda e: e.position) if entries else None


class Entry(models.Model):
    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="entries")
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="entries")
    amount = MoneyField()
    position = models.PositiveSmallIntegerField()
    # The voucher's date, repeated so a ledger statement reads one index in date order.
    date = models.DateField()

    class Meta:
        ordering = ["voucher", "position"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="entry_amount_not_zero"),
        ]
        indexes = [models.Index(fields=["ledger", "date", "voucher"])]

    def __str__(self) -> str:
        return f"{self.ledger_id} {self.debit or -self.credit}"

    @property
    def debit(self) -> Decimal:
        return split_signed(self.amount)[0]

    @property
    def credit(self) -> Decimal:
        return split_signed(self.amount)[1]

    @property
    def side(self) -> str:
        return "Dr" if self.amount > 0 else "Cr"


class VoucherCounter(models.Model):
    """The last number given to a voucher of a type in a financial year. Numbers are taken from
    here, never from the vouchers, so a deleted voucher's number is never given again (an
    invoice number is used once: GST), and a batch can take a run of numbers in one statement."""

    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    voucher_type = models.ForeignKey(VoucherType, on_delete=models.CASCADE, related_name="+")
    financial_year = models.PositiveSmallIntegerField(help_text="2026 = FY 2026-27")
    last_number = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["voucher_type", "financial_year"], name="voucher_counter_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_type} {self.financial_year}: {self.last_number}"


class VoucherNumbering(models.Model):
    """How a voucher type numbers its vouchers (Tally's "Method of voucher numbering"). A type
    without a row is numbered automatically with plain numbers. Automatic: the server hands out
    numbers from the type's counter in entry order, restarting each financial year, never
    giving one twice; `prefix` and `suffix` may carry the year (`{fy}` → 26-27) and `width`
    pads the number with zeros (INV/{fy}/ with width 4: INV/26-27/0001). Manual: the user types
    each Voucher No., and a number already used in the type's year is refused."""

    class Method(models.TextChoices):
        AUTOMATIC = "automatic", "Automatic"
        MANUAL = "manual", "Manual"

    voucher_type = models.OneToOneField(
        VoucherType, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    company = models.ForeignKey("companies.Company", on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.AUTOMATIC)
    prefix = models.CharField(max_length=MAX_AFFIX, blank=True, default="")
    suffix = models.CharField(max_length=MAX_AFFIX, blank=True, default="")
    width = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    altered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    altered_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Numbering of {self.voucher_type}"


class BillAllocation(models.Model):
    """The part of a bill-wise line (Tally's BILLALLOCATIONS.LIST) that makes, settles or pays
    ahead a bill of the line's party: signed like the line (positive = Dr). A bill is its
    party's (ledger's) name for it; what is pending on it is the sum of its allocations and its
    opening (ledgers.OpeningBill), so deleting or altering a voucher re-opens what it settled."""

    class Kind(models.TextChoices):
        NEW = "new", "New Ref"
        AGAINST = "agst", "Agst Ref"
        ADVANCE = "advance", "Advance"
        ON_ACCOUNT = "on_account", "On Account"

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="bills")
    # The entry's ledger and date, repeated so a party's pending bills read one index.
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="bill_allocations")
    date = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=100, blank=True)  # blank for On Account
    amount = MoneyField()
    due_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["entry", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="bill_allocation_not_zero"),
        ]
        indexes = [
            models.Index(fields=["ledger", "name", "date"]),
            # A save looks up the bills it names by name, whatever their case (BillBook).
            models.Index(Lower("name"), name="bill_allocation_lname"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name} {self.amount}"


class BankAllocation(models.Model):
    """A bank ledger's line's instrument (Tally's BANKALLOCATIONS.LIST: cheque, NEFT…, its
    number, date and favouring) and the day the bank cleared it (Bank Reconciliation)."""

    class Instrument(models.TextChoices):
        CHEQUE = "cheque", "Cheque"
        NEFT = "neft", "NEFT"
        RTGS = "rtgs", "RTGS"
        IMPS = "imps", "IMPS"
        UPI = "upi", "UPI"
        DD = "dd", "Demand Draft"
        TRANSFER = "transfer", "Bank Transfer"
        OTHERS = "others", "Others"

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="bank")
    # The entry's ledger, repeated so a bank's reconciliation reads one index.
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+")
    instrument_type = models.CharField(
        max_length=10, choices=Instrument.choices, blank=True, default="", db_default=""
    )
    instrument_number = models.CharField(max_length=30, blank=True, default="", db_default="")
    instrument_date = models.DateField(null=True, blank=True)
    favouring = models.CharField(max_length=200, blank=True, default="", db_default="")
    bank_date = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["ledger", "bank_date"])]

    def __str__(self) -> str:
        return f"{self.get_instrument_type_display()} {self.instrument_number}"
