"""Names shown beside amounts: kept from reordering their neighbours (bidi isolation)."""

from __future__ import annotations

import unicodedata

# Bidi classes that can reorder the text beside them: right-to-left letters and digits, and the
# explicit embeddings, overrides (U+202E) and isolates.
_BIDI_REORDERING = {"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}


def bidi_isolated(text: str) -> str:
    """`text` between FSI and PDI if it could reorder what follows it (an RLO, Urdu letters), so
    "NAME 1,00,000.00 Dr" keeps its amount readable; plain text comes back as it was."""
    if any(unicodedata.bidirectional(char) in _BIDI_REORDERING for char in text):
        return f"\u2068{text}\u2069"
    return text
