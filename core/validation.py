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
from core.gst import state_name

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, and UTF-16 surrogates
# (a JSON "\ud800" alone decodes to one, which no database can store). Bidi marks are text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# GSTN's patterns (developer.gst.gov.in, as india-compliance copies them): a taxpayer's (state
# code, PAN, entity number, usually Z, check character) and a UN body's or embassy's UIN.
_GSTIN = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z][Z1-9ABD-J][0-9A-Z]$")
_UIN = re.compile(r"^[0-9]{4}[A-Z]{3}[0-9]{5}[UO]N[A-Z0-9]$")
GSTIN_EXAMPLE = "27AAPFU0939F1ZV"
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


def gstin_problem(gstin: str) -> str:
    """What is wrong with an upper-case GSTIN, in words a user can act on ('' if nothing): its
    length, its state code, its shape (a PAN in the middle), then its check character."""
    if len(gstin) != 15:
        return f"A GSTIN has 15 characters, like {GSTIN_EXAMPLE}; this has {len(gstin)}."
    if not state_name(gstin[:2]):
        return (
            f"A GSTIN begins with its state's code (01 to 38, or 97 for other territory): "
            f"{gstin[:2]} is none."
        )
    if _UIN.match(gstin):
        pass
    elif not _GSTIN.match(gstin):
        return (
            f"A GSTIN has 15 characters, like {GSTIN_EXAMPLE}: the state code, a PAN (5 "
            "letters, 4 digits, a letter), the registration's number and a check character."
        )
    elif gstin[7:11] == "0000":
        return f"The PAN in this GSTIN ({gstin[2:12]}) cannot be: no PAN is numbered 0000."
    if gstin_check_character(gstin[:14]) != gstin[14]:
        return "This GSTIN's check character is wrong: please check for a typo."
    return ""


def clean_gstin(value: Any, *, errors: dict[str, list[str]], field: str = "gstin") -> str:
    """An empty string or a well-formed GSTIN or UIN (upper case): its length, state code,
    shape and check character each checked, with its own message (`gstin_problem`)."""
    value = (value or "").strip().upper() if isinstance(value, str) else value
    if value == "" or value is None:
        return ""
    if not isinstance(value, str):
        _add(errors, field, f"Type the GSTIN as text, like {GSTIN_EXAMPLE}.")
    elif problem := gstin_problem(value):
        _add(errors, field, problem)
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


def period_asked(request: Any, company: Any) -> tuple[dt.date, dt.date]:
    """?from=&to=, by default the current financial year to today (from the day the books
    begin); Invalid naming the field for a date that is none or a period that ends first."""
    current_year = company.financial_year_begins(timezone.localdate())
    dates = optional_dates(request.GET, "from", "to", year_start=current_year)
    date_to = dates["to"] or timezone.localdate()
    year_start = company.financial_year_begins(date_to)
    date_from = dates["from"] or max(year_start, company.books_beginning)
    if date_from > date_to:
        raise Invalid.field("to", "The period ends before it begins.")
    return date_from, date_to
