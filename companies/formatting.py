"""Amounts the way Indian accountants read them: lakh and crore grouping (babel's en_IN) and
Dr/Cr for the sign (positive = Debit)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal


def format_amount(amount: Decimal) -> str:
    """Indian digit grouping, two decimals, no sign: 100000 → "1,00,000.00" (babel's en_IN)."""
    return format_decimal(abs(amount), format="#,##,##0.00", locale="en_IN")


def format_balance(amount: Decimal) -> str:
    """A signed balance the way Tally shows it: "1,00,000.00 Dr", "250.00 Cr", "0.00"."""
    if amount == 0:
        return format_amount(amount)
    return f"{format_amount(amount)} {'Dr' if amount > 0 else 'Cr'}"
