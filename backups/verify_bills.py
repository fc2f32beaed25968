"""Verify checks of bill-wise details (vouchers.bills): registered with the others when the
backups app is ready. Read-only, like every check."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import F, Q, Sum

from backups.verify import ERROR, Found, check
from companies.models import Company
from core.money import format_amount
from vouchers.models import BillAllocation, Entry


@check(
    "B06",
    ERROR,
    "Bill-wise details add up to their lines and belong to their ledger",
    covered_by=("V01", "M01"),
)
def bills_agree(company: Company) -> Iterator[Found]:
    """Each line with bills: its bills' sum is its amount, and every bill names the line's own
    ledger and date (what the save path writes; a difference is damage, and a party's
    outstanding bills would no longer add up to its balance)."""
    allocated = (
        Entry.objects.filter(voucher__company=company, bills__isnull=False)
        .values("id", "voucher_id", "amount", "ledger__name")
        .annotate(allocated=Sum("bills__amount"))
        .exclude(allocated=F("amount"))
        .order_by("id")
    )
    for row in allocated:
        yield Found(
            "voucher",
            row["voucher_id"],
            f"The bills of {row['ledger__name']}'s line add up to "
            f"{format_amount(row['allocated'])}; the line is {format_amount(row['amount'])}",
        )
    strays = (
        BillAllocation.objects.filter(entry__voucher__company=company)
        .filter(~Q(ledger_id=F("entry__ledger_id")) | ~Q(date=F("entry__date")))
        .values("entry__voucher_id", "name", "entry__ledger__name")
        .order_by("entry__voucher_id")
    )
    for row in strays:
        yield Found(
            "voucher",
            row["entry__voucher_id"],
            f"Bill {row['name'] or 'On Account'} does not carry its line's ledger "
            f"({row['entry__ledger__name']}) or date",
        )
