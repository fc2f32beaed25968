"""core.dates: Tally's typed dates (every short form, the year from the financial year, the
refusals) and period paging over every month of two years."""

import datetime as dt

import pytest

from core.dates import (
    ACCEPTED,
    NotADate,
    outside_year,
    parse_tally_date,
    period_step,
    whole_months,
    year_end,
    year_start_of,
)

D = dt.date
TODAY = D(2026, 12, 3)  # the reviewer's day
FY_2026 = D(2026, 4, 1)  # FY 2026-27


def read(text, *, today=TODAY, year_start=FY_2026):
    return parse_tally_date(text, today=today, year_start=year_start)


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        # a day alone: this month
        ("15", D(2026, 12, 15)),
        ("5", D(2026, 12, 5)),
        ("05", D(2026, 12, 5)),
        (" 31 ", D(2026, 12, 31)),
        # day and month: in the financial year 2026-27
        ("15-11", D(2026, 11, 15)),
        ("15-2", D(2027, 2, 15)),
        ("15-02", D(2027, 2, 15)),
        ("1-4", D(2026, 4, 1)),
        ("31-3", D(2027, 3, 31)),
        ("31-12", D(2026, 12, 31)),
        ("1-1", D(2027, 1, 1)),
        ("15.11", D(2026, 11, 15)),
        ("15/11", D(2026, 11, 15)),
        ("15 11", D(2026, 11, 15)),
        ("15-Nov", D(2026, 11, 15)),
        ("15 nov", D(2026, 11, 15)),
        ("15-february", D(2027, 2, 15)),
        ("1511", D(2026, 11, 15)),
        ("0102", D(2027, 2, 1)),
        # a whole date, two- or four-digit years, any separator
        ("15-11-2026", D(2026, 11, 15)),
        ("15-11-26", D(2026, 11, 15)),
        ("15.11.26", D(2026, 11, 15)),
        ("20.11.2026", D(2026, 11, 20)),
        ("15/11/2026", D(2026, 11, 15)),
        ("15 Nov 2026", D(2026, 11, 15)),
        ("15-Nov-26", D(2026, 11, 15)),
        ("26-Nov-2026", D(2026, 11, 26)),
        ("26-NOV-2026", D(2026, 11, 26)),
        ("1-4-2025", D(2025, 4, 1)),
        ("15 - 11 - 2026", D(2026, 11, 15)),
        # digits alone
        ("01042026", D(2026, 4, 1)),
        ("15112026", D(2026, 11, 15)),
        ("151126", D(2026, 11, 15)),
        # as scripts send it
        ("2026-11-26", D(2026, 11, 26)),
        ("2028-02-29", D(2028, 2, 29)),
        # a leap day in the year it falls in
        ("29-2-2028", D(2028, 2, 29)),
    ],
)
def test_short_forms(typed, day):
    assert read(typed) == day


def test_a_date_object_is_itself():
    assert read(D(2026, 11, 15)) == D(2026, 11, 15)


@pytest.mark.parametrize(
    ("year_start", "typed", "day"),
    [
        # the year is the financial year's: the same day and month in other years
        (D(2025, 4, 1), "15-11", D(2025, 11, 15)),
        (D(2025, 4, 1), "15-02", D(2026, 2, 15)),
        (D(2027, 4, 1), "15-02", D(2028, 2, 15)),
        (D(2027, 4, 1), "29-02", D(2028, 2, 29)),  # FY 2027-28 holds a leap February
        # a calendar year (January to December)
        (D(2026, 1, 1), "15-11", D(2026, 11, 15)),
        (D(2026, 1, 1), "15-02", D(2026, 2, 15)),
        # a year from 1 October
        (D(2026, 10, 1), "30-09", D(2027, 9, 30)),
        (D(2026, 10, 1), "01-10", D(2026, 10, 1)),
    ],
)
def test_day_and_month_fall_in_the_financial_year(year_start, typed, day):
    assert read(typed, year_start=year_start) == day


def test_a_day_alone_is_in_todays_month_whatever_the_year():
    assert read("15", today=D(2027, 2, 3)) == D(2027, 2, 15)
    assert read("29", today=D(2028, 2, 1)) == D(2028, 2, 29)


@pytest.mark.parametrize(
    "typed",
    [
        "31-02",
        "29-02",  # FY 2026-27's February has 28 days
        "31",  # (in a November)
        "0",
        "32",
        "15-13",
        "15-0",
        "00-11",
        "15-11-2026-1",
        "2026-11-x",
        "6366-nov/x",
        "15--11",
        "15-11-202",
        "15-11-6",
        "123",
        "12345",
        "1234567",
        "123456789",
        "15-ma",  # two months begin Ma
        "15-nvember",
        "Nov-15",
        "2026/11",
        "2026-11-260",
        "next Tuesday",
        "15th",
        "",
        "   ",
        "-",
    ],
)
def test_refusals_say_what_is_accepted(typed):
    today = D(2026, 11, 3) if typed == "31" else TODAY
    with pytest.raises(NotADate) as refused:
        read(typed, today=today)
    message = str(refused.value)
    assert message.endswith(f"Enter a date as {ACCEPTED}.")
    if typed.strip():
        assert message.startswith(f"'{typed.strip()}' is not a date. ")


def test_the_message_lists_the_forms():
    with pytest.raises(NotADate, match=r"^'31-02' is not a date\. Enter a date as 15, 15-11, "):
        read("31-02")


@pytest.mark.parametrize(
    "value", [None, 20261126, 15.5, [], dt.datetime(2026, 11, 26, 10, tzinfo=dt.UTC)]
)
def test_what_is_not_text_is_refused(value):
    with pytest.raises(NotADate, match=r"^Enter a date as 15, 15-11"):
        read(value)


@pytest.mark.parametrize("typed", ["0001-01-01", "9999-12-31", "31-12-1899", "01/01/3000"])
def test_years_outside_1900_to_2999(typed):
    with pytest.raises(NotADate, match=r"^Enter a date between 1900 and 2999\.$"):
        read(typed)


def test_two_digit_years_are_this_century():
    assert read("1-1-00") == D(2000, 1, 1)
    assert read("31-12-99") == D(2099, 12, 31)


# The financial year.


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (D(2026, 4, 1), D(2026, 4, 1)),
        (D(2027, 3, 31), D(2026, 4, 1)),
        (D(2026, 12, 3), D(2026, 4, 1)),
        (D(2026, 3, 31), D(2025, 4, 1)),
    ],
)
def test_year_start_of(day, start):
    assert year_start_of(day, D(2000, 4, 1)) == start


def test_year_end():
    assert year_end(D(2026, 4, 1)) == D(2027, 3, 31)
    assert year_end(D(2027, 3, 1)) == D(2028, 2, 29)
    assert year_end(D(2026, 1, 1)) == D(2026, 12, 31)


def test_outside_year():
    assert outside_year(D(2026, 4, 1), FY_2026) is None
    assert outside_year(D(2027, 3, 31), FY_2026) is None
    assert outside_year(D(2027, 5, 15), FY_2026) == (
        "15-May-2027 is outside the current financial year 2026-27 (01-Apr-2026 to 31-Mar-2027)."
    )
    assert "31-Mar-2026 is outside" in outside_year(D(2026, 3, 31), FY_2026)
    assert "1999-00" in outside_year(D(2026, 1, 1), D(1999, 4, 1))


# Period paging.


def months_of(first_year):
    """Every month of two years from January `first_year`: (first day, last day)."""
    months = []
    for index in range(24):
        year, month = first_year + index // 12, index % 12 + 1
        following = D(year + (month == 12), month % 12 + 1, 1)
        months.append((D(year, month, 1), following - dt.timedelta(days=1)))
    return months


MONTHS = months_of(2027)  # holds February 2028, a leap month


@pytest.mark.parametrize(("start", "end"), MONTHS[:-1], ids=[f"{s:%b-%Y}" for s, _ in MONTHS[:-1]])
def test_a_month_pages_to_the_next_whole_month(start, end):
    following = MONTHS[MONTHS.index((start, end)) + 1]
    assert period_step(start, end, 1) == following
    assert period_step(*following, -1) == (start, end)
    # paging on touches: no day skipped, none twice
    assert following[0] == end + dt.timedelta(days=1)


def test_two_years_of_months_page_end_to_end():
    period = MONTHS[0]
    seen = [period]
    for _ in range(23):
        period = period_step(*period, 1)
        seen.append(period)
    assert seen == MONTHS
    assert (D(2028, 2, 1), D(2028, 2, 29)) in seen


def test_the_reviewers_november():
    """Was "01-Dec-2026 to 30-Dec-2026" and "02-Oct-2026 to 31-Oct-2026"."""
    november = (D(2026, 11, 1), D(2026, 11, 30))
    assert period_step(*november, 1) == (D(2026, 12, 1), D(2026, 12, 31))
    assert period_step(*november, -1) == (D(2026, 10, 1), D(2026, 10, 31))


def test_a_financial_year_pages_to_the_next():
    """Was "01-Apr-2027 to 30-Mar-2028", then "31-Mar-2028 to 30-Mar-2029"."""
    year = (D(2026, 4, 1), D(2027, 3, 31))
    following = period_step(*year, 1)
    assert following == (D(2027, 4, 1), D(2028, 3, 31))
    assert period_step(*following, 1) == (D(2028, 4, 1), D(2029, 3, 31))
    assert period_step(*year, -1) == (D(2025, 4, 1), D(2026, 3, 31))
    assert period_step(D(2027, 1, 1), D(2027, 12, 31), 1) == (D(2028, 1, 1), D(2028, 12, 31))


def test_quarters_and_many_months():
    assert period_step(D(2026, 4, 1), D(2026, 6, 30), 1) == (D(2026, 7, 1), D(2026, 9, 30))
    assert period_step(D(2027, 12, 1), D(2028, 2, 29), 1) == (D(2028, 3, 1), D(2028, 5, 31))
    assert period_step(D(2026, 4, 1), D(2026, 6, 30), -2) == (D(2025, 10, 1), D(2025, 12, 31))


@pytest.mark.parametrize(
    ("start", "end", "following"),
    [
        (D(2026, 11, 26), D(2026, 11, 26), (D(2026, 11, 27), D(2026, 11, 27))),  # a day
        (D(2026, 12, 31), D(2026, 12, 31), (D(2027, 1, 1), D(2027, 1, 1))),
        (D(2028, 2, 28), D(2028, 2, 28), (D(2028, 2, 29), D(2028, 2, 29))),
        (D(2026, 11, 2), D(2026, 11, 8), (D(2026, 11, 9), D(2026, 11, 15))),  # a week
        (D(2026, 11, 15), D(2026, 12, 14), (D(2026, 12, 15), D(2027, 1, 13))),  # 30 days
        (D(2026, 11, 1), D(2026, 11, 29), (D(2026, 11, 30), D(2026, 12, 28))),  # not whole
        (D(2026, 11, 2), D(2026, 11, 30), (D(2026, 12, 1), D(2026, 12, 29))),
    ],
)
def test_days_page_by_as_many_days(start, end, following):
    assert period_step(start, end, 1) == following
    assert period_step(*following, -1) == (start, end)


def test_whole_months():
    assert whole_months(D(2026, 4, 1), D(2027, 3, 31)) == 12
    assert whole_months(D(2028, 2, 1), D(2028, 2, 29)) == 1
    assert whole_months(D(2028, 2, 1), D(2028, 2, 28)) is None
    assert whole_months(D(2026, 11, 2), D(2026, 11, 30)) is None


# The form field every date goes through.


def test_the_form_field_reads_short_forms_in_its_year():
    from core.forms import TallyDateField

    field = TallyDateField(year_start=D(2027, 4, 1), not_before=D(2026, 4, 1))
    assert field.clean("15-2") == D(2028, 2, 15)
    assert field.clean("29-02") == D(2028, 2, 29)
    assert field.clean(" 01042027 ") == D(2027, 4, 1)


def test_the_form_field_says_what_is_wrong():
    from django.core.exceptions import ValidationError

    from core.forms import TallyDateField

    field = TallyDateField(year_start=FY_2026, not_before=D(2026, 4, 1))
    with pytest.raises(ValidationError) as refused:
        field.clean("31-02")
    assert refused.value.messages == [
        "'31-02' is not a date. Enter a date as 15, 15-11, 15-11-2026, 15-Nov-2026, 15.11.26, "
        "15/11/2026 or 15112026."
    ]
    with pytest.raises(ValidationError) as early:
        field.clean("31-03-2026")
    assert early.value.messages == ["The books begin on 01-Apr-2026."]
    with pytest.raises(ValidationError) as missing:
        field.clean(None)
    assert missing.value.messages == [f"Enter a date as {ACCEPTED}."]
