"""Dates as Tally users type them, and periods as reports page through them.

`parse_tally_date` is the one reading of a typed date (forms, JSON, query strings, and — mirrored
line for line — `static/dates.js` in the browser): a day alone is in the current month, a day
and month in the company's current financial year. `period_step` pages a report's period by
whole months (a month, a quarter, a financial year) or by its length in days.

Pure functions: "today" and the financial year's first day are arguments, never read here.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

# Books are kept for years people live in. Outside these, 0001-01-01 and 9999-12-31 overflow
# a day's arithmetic (the day after, a financial year's end) and are typing mistakes anyway.
FIRST_YEAR, LAST_YEAR = 1900, 2999
OUT_OF_RANGE = f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}."
ACCEPTED = "15, 15-11, 15-11-2026, 15-Nov-2026, 15.11.26, 15/11/2026 or 15112026"
# Not `calendar.month_name`: that follows the process's locale.
MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
# ASCII only, here and in dates.js alike (Python's \d and \s would take other scripts' digits
# and spaces, JavaScript's not): what is typed at an Indian keyboard for a date.
_SPACE = " \t\n\r\f\v"
_SEPARATORS = re.compile(r"[ \t\n\r\f\v]*[-./ \t\n\r\f\v][ \t\n\r\f\v]*")
_PART = re.compile(r"^([0-9]+|[a-z]+)$")


class NotADate(ValueError):
    """Typed text that is no date; the message says what is accepted."""


def refusal(text: str | None) -> str:
    """What a user reads for text that is not a date (None: a value that was not text)."""
    typed = "" if text is None else f"'{text}' is not a date. "
    return f"{typed}Enter a date as {ACCEPTED}."


def year_start_of(day: dt.date, first: dt.date) -> dt.date:
    """The first day of the financial year holding `day`, for years that begin on `first`'s
    day and month (1 April: 2026-04-01 for any day from 01-Apr-2026 to 31-Mar-2027)."""
    starts = first.replace(year=day.year)
    return starts if day >= starts else first.replace(year=day.year - 1)


def _month(part: str) -> int | None:
    if part.isdigit():
        return int(part) if len(part) <= 2 else None
    if len(part) >= 3:  # Nov, nov, November (three letters at least: "ma" is two months)
        for number, name in enumerate(MONTHS, start=1):
            if name.startswith(part):
                return number
    return None


def _year(part: str) -> int | None:
    """A four-digit year, or two digits for 20yy (26 → 2026)."""
    if not part.isdigit() or len(part) not in (2, 4):
        return None
    return 2000 + int(part) if len(part) == 2 else int(part)


def _parts(text: str) -> list[str] | None:
    """The day, month and year parts of typed text: split at - . / or spaces, or cut from
    digits alone (15 · 1511 · 151126 · 15112026)."""
    if not text.isascii():
        return None
    parts = _SEPARATORS.split(text.lower())
    if not all(_PART.match(p) for p in parts):
        return None
    if len(parts) == 1 and parts[0].isdigit():
        digits = parts[0]
        cuts = {1: [digits], 2: [digits], 4: [digits[:2], digits[2:]]}
        cuts |= {6: [digits[:2], digits[2:4], digits[4:]], 8: [digits[:2], digits[2:4], digits[4:]]}
        return cuts.get(len(digits))
    return parts


def parse_tally_date(value: Any, *, today: dt.date, year_start: dt.date) -> dt.date:
    """A date from what a user typed, as Tally reads it:

    - `15` → the 15th of today's month;
    - `15-11`, `15-Nov`, `1511` → 15 November in the financial year beginning `year_start`
      (FY 2026-27: Nov → 2026, Feb → 2027);
    - `15-11-2026`, `15-11-26` (20yy), `15-Nov-2026`, `15112026`, `151126`;
    - `2026-11-26` (ISO, as scripts send it);
    - `-`, `.`, `/` or a space between the parts; a date object as it is.

    NotADate (a ValueError) with the accepted forms otherwise, or for a year outside
    1900–2999."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date | str):
        raise NotADate(refusal(None))
    if isinstance(value, dt.date):
        day = value
    else:
        day = _from_text(value.strip(_SPACE), today=today, year_start=year_start)
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise NotADate(OUT_OF_RANGE)
    return day


def _from_text(text: str, *, today: dt.date, year_start: dt.date) -> dt.date:
    parts = _parts(text) if text else None
    if not parts or len(parts) > 3 or not parts[0].isdigit():
        raise NotADate(refusal(text))
    if len(parts) == 3 and len(parts[0]) == 4:  # 2026-11-26
        parts = [parts[2], parts[1], parts[0]]
    if not parts[0].isdigit() or len(parts[0]) > 2:
        raise NotADate(refusal(text))
    number = int(parts[0])
    month = today.month if len(parts) == 1 else _month(parts[1])
    if len(parts) == 3:
        year = _year(parts[2])
    elif len(parts) == 2 and month is not None:
        later_in_year = (month, number) >= (year_start.month, year_start.day)
        year = year_start.year if later_in_year else year_start.year + 1
    else:
        year = today.year
    if month is None or year is None:
        raise NotADate(refusal(text))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotADate(OUT_OF_RANGE)
    try:
        return dt.date(year, month, number)
    except ValueError:
        raise NotADate(refusal(text)) from None


# Periods: a report's From–To, paged forward and back as Tally pages them.


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def months_added(day: dt.date, months: int) -> dt.date:
    """The first of the month `months` on from `day`'s month (back, if negative)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def whole_months(start: dt.date, end: dt.date) -> int | None:
    """How many whole calendar months start–end is (1st of a month to the last of one), or
    None if it is not whole months."""
    if start.day != 1 or end != month_end(end) or end < start:
        return None
    return (end.year - start.year) * 12 + end.month - start.month + 1


def period_step(start: dt.date, end: dt.date, steps: int) -> tuple[dt.date, dt.date]:
    """The period `steps` pages on from start–end (back, if negative), without a day skipped or
    repeated: whole months page by as many whole months (a month to the next month, 01-Apr to
    31-Mar to the next financial year, whatever the months' lengths); any other span by its
    length in days (a day to the next day, a week to the next week)."""
    months = whole_months(start, end)
    if months is not None:
        first = months_added(start, months * steps)
        return first, month_end(months_added(first, months - 1))
    span = dt.timedelta(days=((end - start).days + 1) * steps)
    return start + span, end + span


# The financial year a date is entered in.


def year_end(year_start: dt.date) -> dt.date:
    """The last day of the financial year beginning `year_start`."""
    return year_start.replace(year=year_start.year + 1) - dt.timedelta(days=1)


def year_name(year_start: dt.date) -> str:
    """Tally's name of a financial year: 2026-27."""
    return f"{year_start.year}-{(year_start.year + 1) % 100:02d}"


def outside_year(day: dt.date, year_start: dt.date) -> str | None:
    """What a user is told of a voucher dated outside the current financial year (beginning
    `year_start`), or None for a date inside it. A warning, not a refusal: last year's late
    entries and next year's first ones are real."""
    end = year_end(year_start)
    if year_start <= day <= end:
        return None
    return (
        f"{day:%d-%b-%Y} is outside the current financial year {year_name(year_start)} "
        f"({year_start:%d-%b-%Y} to {end:%d-%b-%Y})."
    )
