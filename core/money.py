"""Money, the one home: Decimal rupees in Python, whole paise (exact integers) in the database;
parsing what people type, and showing it the Indian way (lakh and crore grouping, Dr/Cr).

SQLite stores a DecimalField as a binary float (NUMERIC affinity), and adding to a running total
with F() in float drifts by paise after enough saves. Integer paise are exact on SQLite and
PostgreSQL alike, and sums of them stay exact.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal
from django import forms
from django.db import models
from django.db.models.functions import Cast

PAISA = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("9999999999999999.99")  # NUMERIC(18, 2)
# Digits with or without grouping commas: Indian (the last three digits, then twos:
# 1,23,45,678) or in thousands (12,345,678, as a spreadsheet pastes it). Both read the same
# number; a comma anywhere else (1,23 — a decimal comma? a slip?) is refused, not dropped.
_WHOLE = r"(?:[0-9]+|[0-9]{1,2}(?:,[0-9]{2})*,[0-9]{3}|[0-9]{1,3}(?:,[0-9]{3})+)"
_DIGITS = re.compile(rf"^{_WHOLE}(?:\.[0-9]+)?$")
_COMMAS = re.compile(r"^[0-9][0-9,]*(?:\.[0-9]+)?$")


def paise_of(amount: Decimal) -> int:
    """An amount of rupees in whole paise; ValueError past two decimals. What MoneyField
    stores, for the batch path's plain inserts (a line's worth of calls fewer per entry)."""
    paise = amount * 100
    if paise != paise.to_integral_value():
        raise ValueError(f"{amount} has more than two decimals")
    return int(paise)


class MoneyField(models.BigIntegerField):
    """A signed amount of rupees with two decimals, stored as paise."""

    description = "Amount in rupees (stored as paise)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        return None if value is None else Decimal(value).scaleb(-2)

    def to_python(self, value: Any) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(str(value)).quantize(PAISA)

    def get_prep_value(self, value: Any) -> int | None:
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return paise_of(Decimal(str(value)) if not isinstance(value, Decimal) else value)

    def formfield(self, **kwargs: Any) -> forms.Field:
        return forms.DecimalField(max_digits=18, decimal_places=2, **kwargs)


# SQLite's SUM() of integers stops with "integer overflow" past 2**63 - 1 paise (about
# 9.2 x 10^16 rupees), which a group of a few ledgers each near the per-ledger limit reaches.
# A sum taken in two parts, the paise above and below SPLIT, cannot overflow (each part of a
# BIGINT is below 10^10) and adds up exactly in Python. PostgreSQL sums BIGINT as NUMERIC.
SPLIT = 10**9


def money_sum_parts(expression: Any) -> tuple[models.Sum, models.Sum]:
    """A SUM of paise as two sums that cannot overflow: the parts above and below SPLIT
    (whole from `money_from_parts`)."""
    paise = models.F(expression) if isinstance(expression, str) else expression
    # Whole paise as BIGINT: an expression over a SUM is NUMERIC on PostgreSQL, where `/` does
    # not drop the remainder, and the two parts would then each hold the whole amount.
    paise = Cast(paise, output_field=models.BigIntegerField())
    split = models.Value(SPLIT, output_field=models.BigIntegerField())

    def part(combined: Any) -> models.Sum:
        return models.Sum(models.ExpressionWrapper(combined, output_field=models.BigIntegerField()))

    return part(paise / split), part(paise % split)


def money_from_parts(high: int | None, low: int | None) -> Decimal:
    """The rupees that `money_sum_parts` summed (exact, however large)."""
    return Decimal((high or 0) * SPLIT + (low or 0)).scaleb(-2)


def money_sum(expression: Any) -> models.ExpressionWrapper:
    """SUM of paise inside a query that never stops with an overflow: exact while the total
    fits a BIGINT; past it (no column could hold it) SQLite gives it as a float."""
    high, low = money_sum_parts(expression)
    split = models.Value(SPLIT, output_field=models.BigIntegerField())
    return models.ExpressionWrapper(high * split + low, output_field=MoneyField())


def money(value: Any) -> models.Value:
    """An amount as a query value, for F() arithmetic on MoneyFields."""
    return models.Value(Decimal(value), output_field=MoneyField())


def split_signed(amount: Decimal) -> tuple[Decimal, Decimal]:
    """(debit, credit) columns of a signed amount: positive = Dr."""
    return (amount, ZERO) if amount >= 0 else (ZERO, -amount)


def parse_amount(value: Any, *, allow_zero: bool = False) -> Decimal:
    """A positive amount of rupees and paise; raises ValueError with a message for the user.

    Accepts 100000, "100000", "1,00,000.00", "100,000.00"; refuses commas out of place
    ("1,23"), exponents, NaN, Infinity, floats, more than two decimals and anything beyond
    NUMERIC(18, 2).
    """
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError("Enter an amount.")
    if isinstance(value, float):
        raise ValueError("Send amounts as strings or whole numbers, not floating point.")
    if isinstance(value, int | Decimal):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("Enter an amount.")
    text = value.strip()
    if not _DIGITS.match(text):
        if _COMMAS.match(text):
            raise ValueError(
                "The commas are out of place: group the digits the Indian way "
                "(1,23,456.78) or in thousands (123,456.78), or write none (123456.78)."
            )
        if re.search(r"[eE]", text) and not re.search(r"[a-df-zA-DF-Z]", text):
            raise ValueError("Write the amount in digits, like 1,00,000.00 (no exponents).")
        raise ValueError("Enter an amount in digits, like 1,00,000.00.")
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError("Enter an amount in digits, like 1,00,000.00.") from None
    if amount > MAX_AMOUNT:
        raise ValueError("This amount is too large (at most 99,99,99,99,99,99,999.99).")
    if amount != amount.quantize(PAISA):
        raise ValueError("At most two decimals (paise).")
    if amount == 0 and not allow_zero:
        raise ValueError("The amount must be more than zero.")
    return amount.quantize(PAISA)


def format_amount(amount: Decimal) -> str:
    """Indian digit grouping, two decimals, no sign: 100000 → "1,00,000.00" (babel's en_IN)."""
    return format_decimal(abs(amount), format="#,##,##0.00", locale="en_IN")


def format_signed(amount: Decimal) -> str:
    """An amount on its side of a final account, a contrary one marked as Tally marks it:
    "1,00,000.00", "(-)250.00"."""
    return f"(-){format_amount(amount)}" if amount < 0 else format_amount(amount)


def format_balance(amount: Decimal) -> str:
    """A signed balance the way Tally shows it: "1,00,000.00 Dr", "250.00 Cr", "0.00"."""
    if amount == 0:
        return format_amount(amount)
    return f"{format_amount(amount)} {'Dr' if amount > 0 else 'Cr'}"
