"""Reads of vouchers: one voucher, the Day Book; and the voucher's JSON shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet

from companies.models import Company
from core.errors import found
from core.validation import parse_id
from vouchers.bills import entries_prefetch
from vouchers.models import Entry, Voucher, VoucherCounter, VoucherType
from vouchers.numbering import Series
from vouchers.parts import voucher_parts_read
from vouchers.snapshots import voucher_snapshot


def voucher_json(voucher: Voucher, parts: dict[str, Any] | None = None) -> dict[str, Any]:
    """A voucher as the API shows it (entries prefetched): today the shape the Edit Log keeps,
    which a save answers with; the API may grow without touching the hashed snapshot. Its
    parts (`vouchers.parts`) as given, read when not."""
    if parts is None:
        parts = voucher_parts_read([voucher]).get(voucher.pk)
    return voucher_snapshot(voucher, voucher.entries.all(), parts)


def vouchers_json(vouchers: list[Voucher]) -> list[dict[str, Any]]:
    """Vouchers (entries prefetched) as the API shows them, their parts read once for all."""
    parts = voucher_parts_read(vouchers)
    return [voucher_json(v, parts.get(v.pk, {})) for v in vouchers]


def _with_entries(vouchers: QuerySet[Voucher]) -> QuerySet[Voucher]:
    """Vouchers with their entries, and the entries' instruments and bills (one query more for
    all the bills of the page: a voucher's JSON shows them)."""
    entries = (
        Entry.objects.select_related("ledger", "bank")
        .prefetch_related(entries_prefetch())
        .order_by("position")
    )
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


# A company's voucher types, kept per process: they are written once, by
# `vouchers.services.voucher_types_seed` inside the company's creation, never altered (no
# service writes them; the admin is read-only) and go only with their company (CASCADE). The
# key is the company's `chain_id`, drawn at random for each company and never edited, so a
# company created again (even with the same pk, as after a rolled-back transaction) is another
# key, and no process can hold types of a company that differ from the database's.
_TYPES_KEPT: dict[str, tuple[dict[str, Any], ...]] = {}
_TYPES_KEPT_MAX = 1000


def _types_of(company: Company) -> tuple[dict[str, Any], ...]:
    kept = _TYPES_KEPT.get(company.chain_id)
    if kept is None:
        kept = tuple(VoucherType.objects.filter(company_id=company.pk).order_by("id").values())
        if not kept:  # a company still being created, not yet seeded: nothing to keep
            return kept
        if len(_TYPES_KEPT) >= _TYPES_KEPT_MAX:
            _TYPES_KEPT.clear()
        _TYPES_KEPT[company.chain_id] = kept
    return kept


def _type_from(values: dict[str, Any]) -> VoucherType:
    # A fresh instance per call: a shared one would carry whatever a caller cached on it.
    voucher_type = VoucherType(**values)
    voucher_type._state.adding = False
    voucher_type._state.db = "default"
    return voucher_type


def voucher_type_for_key(*, company: Company, key: Any) -> VoucherType | None:
    """A voucher type of `company` by id, name or URL key ("Credit Note", "credit_note"),
    from the types kept per process (no query once the company's are kept)."""
    types = _types_of(company)
    if isinstance(key, int):
        if parse_id(key) is None:
            return None
        return next((_type_from(t) for t in types if t["id"] == key), None)
    if not isinstance(key, str) or not key.strip():
        return None
    key = key.strip().lower()
    base = key.replace(" ", "_")
    matches = (t for t in types if t["name"].lower() == key or t["base"] == base)
    return next((_type_from(t) for t in matches), None)


def voucher_number_next(*, voucher_type: VoucherType, financial_year: int) -> int:
    """The number the next voucher of this type and year will likely get (the server decides
    when it saves, from the same counter)."""
    last = (
        VoucherCounter.objects.filter(voucher_type=voucher_type, financial_year=financial_year)
        .values_list("last_number", flat=True)
        .first()
    )
    return (last or 0) + 1


def voucher_no_next(*, voucher_type: VoucherType, financial_year: int, series: Series) -> str:
    """The Voucher No. the entry screen shows for a new voucher of a type numbered by `series`
    ('' on a manually numbered type, where the user types it): a hint, the save decides."""
    if series.manual:
        return ""
    number = voucher_number_next(voucher_type=voucher_type, financial_year=financial_year)
    return series.text(number, financial_year) or str(number)
