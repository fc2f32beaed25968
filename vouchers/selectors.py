"""Reads of vouchers: one voucher, the Day Book; and the voucher's JSON shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import Prefetch, QuerySet

from companies.models import Company
from ledgers.models import Ledger
from vouchers.models import Entry, Voucher


class Posting(Protocol):
    """An Entry, or a validated line not yet written."""

    ledger: Ledger
    amount: Decimal


def voucher_json(voucher: Voucher, lines: Iterable[Posting]) -> dict[str, Any]:
    """The voucher as the API shows it and the Edit Log keeps it."""
    return {
        "id": voucher.pk,
        "type": voucher.voucher_type.name,
        "number": voucher.number,
        "date": voucher.date,
        "narration": voucher.narration,
        "cancelled": voucher.is_cancelled,
        "version": voucher.version,
        "entries": [
            {
                "ledger_id": line.ledger.pk,
                "ledger": line.ledger.name,
                ("debit" if line.amount > 0 else "credit"): abs(line.amount),
            }
            for line in lines
        ],
    }


def _with_entries(vouchers: QuerySet[Voucher]) -> QuerySet[Voucher]:
    entries = Entry.objects.select_related("ledger").order_by("position")
    return vouchers.select_related("voucher_type").prefetch_related(
        Prefetch("entries", queryset=entries)
    )


def voucher_get(*, company: Company, voucher_id: int) -> Voucher:
    """The company's voucher with its entries; Voucher.DoesNotExist for another company's id."""
    return _with_entries(Voucher.objects.filter(company=company)).get(pk=voucher_id)


def day_book(*, company: Company, date_from: dt.date, date_to: dt.date) -> QuerySet[Voucher]:
    """Vouchers dated within the range, in date and entry order, entries prefetched."""
    vouchers = Voucher.objects.filter(company=company, date__range=(date_from, date_to))
    return _with_entries(vouchers).order_by("date", "id")
