"""Reads of vouchers: one voucher, the Day Book; and the voucher's JSON shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Lower

from companies.models import Company
from core.errors import found
from core.validation import parse_id
from vouchers.models import Entry, Voucher, VoucherCounter, VoucherType
from vouchers.snapshots import voucher_snapshot


def voucher_json(voucher: Voucher) -> dict[str, Any]:
    """A voucher as the API shows it (entries prefetched): today the shape the Edit Log keeps,
    which a save answers with; the API may grow without touching the hashed snapshot."""
    return voucher_snapshot(voucher, voucher.entries.all())


def _with_entries(vouchers: QuerySet[Voucher]) -> QuerySet[Voucher]:
    entries = Entry.objects.select_related("ledger").order_by("position")
    return vouchers.select_related("voucher_type").prefetch_related(
        Prefetch("entries", queryset=entries)
    )


def voucher_get(*, company: Company, voucher_id: int) -> Voucher:
    """The company's voucher with its entries; NotFound (404) for another company's id."""
    return found(_with_entries(Voucher.objects.filter(company=company)), pk=voucher_id)


def day_book(*, company: Company, date_from: dt.date, date_to: dt.date) -> QuerySet[Voucher]:
    """Vouchers dated within the range, in date and entry order, entries prefetched."""
    vouchers = Voucher.objects.filter(company=company, date__range=(date_from, date_to))
    return _with_entries(vouchers).order_by("date", "id")


def day_book_days(
    vouchers: Iterable[Voucher], *, date_from: dt.date, date_to: dt.date
) -> list[tuple[dt.date, list[Voucher]]]:
    """Every day of the range with its vouchers (none for a quiet day), in date order: each day
    is a region of its own on the page, where a save dated that day is added live."""
    by_day: dict[dt.date, list[Voucher]] = {}
    for voucher in vouchers:
        by_day.setdefault(voucher.date, []).append(voucher)
    days = (date_from + dt.timedelta(n) for n in range((date_to - date_from).days + 1))
    return [(day, by_day.get(day, [])) for day in days]


def voucher_types(*, company: Company) -> QuerySet[VoucherType]:
    return VoucherType.objects.filter(company=company).order_by("id")


def voucher_type_for_key(*, company: Company, key: Any) -> VoucherType | None:
    """A voucher type of `company` by id, name or URL key ("Credit Note", "credit_note")."""
    types = VoucherType.objects.filter(company=company)
    if isinstance(key, int):
        return types.filter(pk=key).first() if parse_id(key) is not None else None
    if not isinstance(key, str) or not key.strip():
        return None
    key = key.strip().lower()
    return (
        types.annotate(lname=Lower("name"))
        .filter(Q(lname=key) | Q(base=key.replace(" ", "_")))
        .order_by("id")
        .first()
    )


def voucher_number_next(*, voucher_type: VoucherType, financial_year: int) -> int:
    """The number the next voucher of this type and year will likely get (the server decides
    when it saves, from the same counter)."""
    last = (
        VoucherCounter.objects.filter(voucher_type=voucher_type, financial_year=financial_year)
        .values_list("last_number", flat=True)
        .first()
    )
    return (last or 0) + 1
