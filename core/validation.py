"""Turning user input into clean values (text, dates, ids, GSTINs), collecting messages a user
can read per field. Amounts are parsed in `core.money`."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from core.dates import parse_tally_date, year_start_of
from core.errors import Invalid

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, and UTF-16 surrogates
# (a JSON "\ud800" alone decodes to one, which no database can store). Bidi marks are text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_GSTIN = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")
_GSTIN_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# A financial year's first day and month where no company names one (India's: 1 April).
APRIL_FIRST = dt.date(2000, 4, 1)


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def clean_text(
    value: Any,
    *,
    field: str,
    max_length: int,
    errors: dict[str, list[str]],
    required: bool = False,
    multiline: bool = False,
) -> str:
    """Stripped text; no control characters (tabs and, if multiline, newlines are fine)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        _add(errors, field, "Enter text.")
        return ""
    value = value.strip()
    if required and not value:
        _add(errors, field, "This cannot be empty.")
    elif len(value) > max_length:
        _add(errors, field, f"At most {max_length} characters (this has {len(value)}).")
    elif _CONTROL.search(value.replace("\r\n", "\n") if multiline else value) or (
        not multiline and "\n" in value
    ):
        _add(errors, field, "Remove the control characters from this text.")
    return value


def gstin_check_character(first14: str) -> str:
    """The 15th character of a GSTIN: a base-36 Luhn-style checksum of the first 14."""
    total = 0
    for i, char in enumerate(first14):
        product = _GSTIN_CHARS.index(char) * (2 if i % 2 else 1)
        total += product // 36 + product % 36
    return _GSTIN_CHARS[(36 - total % 36) % 36]


def clean_gstin(value: Any, *, errors: dict[str, list[str]], field: str = "gstin") -> str:
    """An empty string or a well-formed GSTIN (format and check character)."""
    value = (value or "").strip().upper() if isinstance(value, str) else value
    if value == "" or value is None:
        return ""
    if not isinstance(value, str) or not _GSTIN.match(value):
        _add(errors, field, "A GSTIN has 15 characters, like 27AAPFU0939F1ZV.")
    elif gstin_check_character(value[:14]) != value[14]:
        _add(errors, field, "This GSTIN's check character is wrong: please check for a typo.")
    else:
        return value
    return ""


def parse_date(
    value: Any, *, year_start: dt.date | None = None, today: dt.date | None = None
) -> dt.date:
    """A date as Tally users type it (`core.dates.parse_tally_date`: 15, 15-11, 15-11-26,
    26-Nov-2026, 2026-11-26 …), in the years 1900–2999; ValueError otherwise. A short form
    is filled in from `today` (the local date) and the financial year beginning `year_start`
    (the one holding today, for years that begin on 1 April, when no company says)."""
    today = today or timezone.localdate()
    year_start = year_start or year_start_of(today, APRIL_FIRST)
    return parse_tally_date(value, today=today, year_start=year_start)


def optional_dates(
    params: Mapping[str, Any], *names: str, year_start: dt.date | None = None
) -> dict[str, dt.date | None]:
    """The dates named (None where absent or blank) from a query string or a body, short forms
    filled in from the financial year beginning `year_start` (`parse_date`); Invalid naming
    every one that is not a date."""
    dates: dict[str, dt.date | None] = {}
    errors: dict[str, list[str]] = {}
    for name in names:
        raw = params.get(name)
        try:
            dates[name] = (
                None
                if raw in (None, "") or str(raw).isspace()
                else parse_date(raw, year_start=year_start)
            )
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise Invalid(errors)
    return dates


MAX_ID = 2**63 - 1  # BIGINT: a larger number can name no row, and would overflow the query


def parse_id(value: Any) -> int | None:
    """A row id or version from input (an int, or ASCII digits like "17"); None if it is none."""
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit()):
            return None
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        return None
    return value


def parse_int(value: Any, *, message: str = "Enter a whole number.") -> int:
    number = parse_id(value)
    if number is None:
        raise ValueError(message)
    return number


_YES = {"true", "on", "yes", "1"}
_NO = {"false", "off", "no", "0"}


def parse_flag(value: Any) -> bool:
    """Yes or no: JSON true/false, or a form's "true"/"on"/"yes"/"1" and "false"/"off"/"no"/"0";
    ValueError otherwise."""
    if isinstance(value, bool):
        return value
    text = value.strip().lower() if isinstance(value, str) else None
    if text in _YES or text in _NO:
        return text in _YES
    raise ValueError("Answer true or false.")
