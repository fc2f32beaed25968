"""Amounts the way Indian accountants read them: lakh and crore grouping (babel's en_IN) and
Dr/Cr for the sign (positive = Debit)."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from babel.numbers import format_decimal

# Bidi classes that can reorder the text beside them: right-to-left letters and digits, and the
# explicit embeddings, overrides (U+202E) and isolates.
_BIDI_REORDERING = {"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}


def format_amount(amount: Decimal) -> str:
    """Indian digit grouping, two decimals, no sign: 100000 → "1,00,000.00" (babel's en_IN)."""
    return format_decimal(abs(amount), format="#,##,##0.00", locale="en_IN")


def format_balance(amount: Decimal) -> str:
    """A signed balance the way Tally shows it: "1,00,000.00 Dr", "250.00 Cr", "0.00"."""
    if amount == 0:
        return format_amount(amount)
    return f"{format_amount(amount)} {'Dr' if amount > 0 else 'Cr'}"


def bidi_isolated(text: str) -> str:
    """`text` between FSI and PDI if it could reorder what follows it (an RLO, Urdu letters), so
    "NAME 1,00,000.00 Dr" keeps its amount readable; plain text comes back as it was."""
    if any(unicodedata.bidirectional(char) in _BIDI_REORDERING for char in text):
        return f"\u2068{text}\u2069"
    return text
