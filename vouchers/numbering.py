"""Voucher numbers: each type's series (automatic from a counter row, or typed by hand), taken
under the company lock in the statement that moves the counter, so a save reads no more."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.db.models.functions import Upper

from core.errors import Invalid
from editlog.write import UnitOfWork
from vouchers.models import (
    MAX_NUMBER_TEXT,
    Voucher,
    VoucherCounter,
    VoucherNumbering,
    VoucherType,
)

Method = VoucherNumbering.Method
FY_TOKEN = "{fy}"


@dataclass(frozen=True)
class Series:
    """A type's numbering as it stands under the lock (`VoucherNumbering`'s fields)."""

    method: str = Method.AUTOMATIC
    prefix: str = ""
    suffix: str = ""
    width: int = 0

    @property
    def manual(self) -> bool:
        return self.method == Method.MANUAL

    def text(self, number: int, financial_year: int) -> str:
        """The Voucher No. of `number` in this series ('' when it is the plain number)."""
        if self.manual or not (self.prefix or self.suffix or self.width > len(str(number))):
            return ""
        year = year_label(financial_year)
        prefix, suffix = self.prefix.replace(FY_TOKEN, year), self.suffix.replace(FY_TOKEN, year)
        return f"{prefix}{number:0{self.width}d}{suffix}"


# GST's invoice number (rule 46(b); NOTES.md §4): at most 16 characters, letters, digits, / and
# -, the first a letter or digit. A series that cannot make one is refused when it is set.
GST_NUMBER_MAX = 16


def series_check(series: Series) -> None:
    """A series whose Voucher No. could not be a GST invoice number: Invalid naming the field."""
    if series.manual:
        return
    if series.prefix[:1] in ("/", "-"):
        raise Invalid.field("prefix", "A Voucher No. begins with a letter or a digit.")
    example = series.text(1, 2026) or "1"
    if len(example) > GST_NUMBER_MAX:
        raise Invalid.field(
            "prefix",
            f"This series' first number, {example}, has {len(example)} characters: "
            f"an invoice number has at most {GST_NUMBER_MAX}.",
        )


def year_label(financial_year: int) -> str:
    """A financial year as an invoice series writes it: 2026 → 26-27."""
    return f"{financial_year % 100:02d}-{(financial_year + 1) % 100:02d}"


# The counter moves and the type's numbering is read in one statement (a subquery per field: a
# type without a numbering row reads NULLs, the automatic plain series).
_NUMBERS_TAKE = """
INSERT INTO vouchers_vouchercounter (company_id, voucher_type_id, financial_year, last_number)
VALUES (%s, %s, %s, %s)
ON CONFLICT (voucher_type_id, financial_year) DO UPDATE SET
    last_number = vouchers_vouchercounter.last_number + excluded.last_number
RETURNING last_number,
    (SELECT method FROM vouchers_vouchernumbering WHERE voucher_type_id = %s),
    (SELECT prefix FROM vouchers_vouchernumbering WHERE voucher_type_id = %s),
    (SELECT suffix FROM vouchers_vouchernumbering WHERE voucher_type_id = %s),
    (SELECT width FROM vouchers_vouchernumbering WHERE voucher_type_id = %s)
"""


def voucher_numbers_take(
    work: UnitOfWork, *, voucher_type: VoucherType, financial_year: int, count: int = 1
) -> tuple[int, Series]:
    """The first of `count` numbers of a voucher type in a financial year, taken from its
    counter in one statement (under the company lock), with the type's series as it stands: a
    number is never given again, even when the voucher that had it is deleted."""
    type_id = voucher_type.pk
    with connection.cursor() as cursor:
        cursor.execute(
            _NUMBERS_TAKE,
            [work.company.pk, type_id, financial_year, count, *[type_id] * 4],
        )
        last, method, prefix, suffix, width = cursor.fetchone()
    series = Series() if method is None else Series(method, prefix, suffix, int(width))
    return int(last) - count + 1, series


def counters_past_taken(voucher_type: VoucherType, series: Series) -> None:
    """Each year's counter of an automatic type moved past the Voucher No.s its vouchers hold
    already, so the series never hands out one of them: a number typed while the type was
    manual ("2") or a text an earlier series made. Run when the numbering is set (an owner's
    rare act), never on a save."""
    if series.manual:
        return
    counters = VoucherCounter.objects.filter(voucher_type=voucher_type).order_by("pk")
    for counter in counters.select_for_update():
        held = {
            (text or str(number)).upper()
            for number, text in Voucher.objects.filter(
                voucher_type=voucher_type, financial_year=counter.financial_year
            ).values_list("number", "number_text")
        }
        last = counter.last_number
        while (series.text(last + 1, counter.financial_year) or str(last + 1)).upper() in held:
            last += 1
        if last != counter.last_number:
            VoucherCounter.objects.filter(pk=counter.pk).update(last_number=last)


def number_typed_check(
    series: Series,
    typed: Sequence[str | None],
    *,
    voucher_type: VoucherType,
    financial_year: int,
    without: int | None = None,
) -> None:
    """On a manually numbered type: each voucher has a typed Voucher No., used once in the
    type's year (among those `typed` and in the books, `without` the voucher being altered).
    Invalid names the field (`number`) and the rule. One query, only for manual types."""
    if not series.manual:
        return
    if any(not text for text in typed):
        raise Invalid.field("number", f"{voucher_type} is numbered by hand: enter the Voucher No.")
    wanted = [text.upper() for text in typed if text]
    seen: set[str] = set()
    for text in wanted:
        if text in seen:
            raise Invalid.field("number", f"Voucher No. {text} is given twice.")
        seen.add(text)
    # A plain automatic number (its text empty) given before the type was made manual is a
    # Voucher No. too: "1" typed now would be a second Sales No. 1.
    plain = [int(text) for text in wanted if text.isdigit() and len(text) < 10]
    taken = (
        Voucher.objects.annotate(upper=Upper("number_text"))
        .filter(
            Q(upper__in=wanted) | Q(number_text="", number__in=plain),
            voucher_type=voucher_type,
            financial_year=financial_year,
        )
        .exclude(pk=without)
        .values_list("number_text", "number")
        .first()
    )
    if taken is not None:
        raise Invalid.field(
            "number",
            f"{voucher_type} No. {taken[0] or taken[1]} already exists in "
            f"{year_label(financial_year)}: a Voucher No. is used once a year.",
        )


def number_typed_clean(value: object) -> str | None:
    """A typed Voucher No. (manual numbering), or None when none was typed; ValueError with a
    message for one that cannot be a number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("Type the Voucher No. as text, like A-17.")
    text = str(value).strip()
    if len(text) > MAX_NUMBER_TEXT:
        raise ValueError(f"A Voucher No. has at most {MAX_NUMBER_TEXT} characters.")
    if any(not char.isprintable() for char in text):
        raise ValueError("Remove the control characters from the Voucher No.")
    return text or None


def voucher_number_issue(
    work: UnitOfWork,
    *,
    voucher_type: VoucherType,
    financial_year: int,
    typed: str | None,
    without: int | None = None,
) -> tuple[int, str]:
    """A new voucher's number and Voucher No. text in its type's series for the year: the next
    from the counter, with the series' prefix and suffix, or on a manual type the number typed
    (Invalid when missing or used already)."""
    number, series = voucher_numbers_take(
        work, voucher_type=voucher_type, financial_year=financial_year
    )
    number_typed_check(
        series, [typed], voucher_type=voucher_type, financial_year=financial_year, without=without
    )
    return number, (typed or "") if series.manual else series.text(number, financial_year)


def series_get(*, voucher_type: VoucherType) -> Series:
    """A type's numbering as it stands (read under the lock by a save that needs it without
    taking a number: a typed number altered, a number given back)."""
    row = VoucherNumbering.objects.filter(voucher_type=voucher_type).first()
    if row is None:
        return Series()
    return Series(row.method, row.prefix, row.suffix, row.width)


def held_key(voucher_type_id: int, financial_year: int) -> str:
    """The key of a series in `Voucher.numbers_held`."""
    return f"{voucher_type_id}/{financial_year}"
