"""Money: Decimal rupees in Python, whole paise (exact integers) in the database.

SQLite stores a DecimalField as a binary float (NUMERIC affinity), and adding to a running total
with F() in float drifts by paise after enough saves. Integer paise are exact on SQLite and
PostgreSQL alike, and sums of them stay exact.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db import models

PAISA = Decimal("0.01")
ZERO = Decimal("0.00")


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
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
        paise = amount * 100
        if paise != paise.to_integral_value():
            raise ValueError(f"{amount} has more than two decimals")
        return int(paise)

    def formfield(self, **kwargs: Any) -> forms.Field:
        return forms.DecimalField(max_digits=18, decimal_places=2, **kwargs)


def money(value: Any) -> models.Value:
    """An amount as a query value, for F() arithmetic on MoneyFields."""
    return models.Value(Decimal(value), output_field=MoneyField())


def split_signed(amount: Decimal) -> tuple[Decimal, Decimal]:
    """(debit, credit) columns of a signed amount: positive = Dr."""
    return (amount, ZERO) if amount >= 0 else (ZERO, -amount)
