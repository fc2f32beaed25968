"""Parsing amounts and dates the way an Indian accountant types them."""

import datetime as dt
from decimal import Decimal

import pytest

from core.money import format_amount, format_balance, parse_amount
from core.validation import gstin_check_character, parse_date


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("100000", "100000.00"),
        ("1,00,000.00", "100000.00"),
        ("100,000.5", "100000.50"),
        (" 12.3 ", "12.30"),
        (250, "250.00"),
        ("100.500", "100.50"),
        ("9999999999999999.99", "9999999999999999.99"),
        # Indian grouping: the last three digits, then twos
        ("1,23,456.78", "123456.78"),
        ("123456.78", "123456.78"),
        ("12,345", "12345.00"),
        ("1,00,000", "100000.00"),
        ("9,99,99,99,99,99,99,999.99", "9999999999999999.99"),
        # in thousands, as a spreadsheet pastes it: the same number
        ("123,456", "123456.00"),
        ("1,234,567.80", "1234567.80"),
        ("999", "999.00"),
    ],
)
def test_parse_amount_accepts(raw, expected):
    assert parse_amount(raw) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1e5", "no exponents"),
        ("1E+5", "no exponents"),
        ("NaN", "digits"),
        ("Infinity", "digits"),
        ("-5", "digits"),
        ("0", "more than zero"),
        ("0.001", "two decimals"),
        ("10000000000000000", "too large"),
        ("1" + "0" * 40, "too large"),
        (100.5, "not floating point"),
        ("", "Enter an amount"),
        (None, "Enter an amount"),
        (True, "Enter an amount"),
        ("1,0,0", "commas are out of place"),
        # was stored as 123.00: a decimal comma, or a slip, never a grouping
        ("1,23", "commas are out of place"),
        ("12,34,5", "commas are out of place"),
        ("1,2,3", "commas are out of place"),
        ("1,234,56", "commas are out of place"),
        ("12,34,567,890", "commas are out of place"),
        ("1,000,00.00", "commas are out of place"),
        ("123,45.67", "commas are out of place"),
        ("1,,000", "commas are out of place"),
        ("1,000,", "commas are out of place"),
        (",100", "digits"),
    ],
)
def test_parse_amount_refuses(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_amount(raw)


@pytest.mark.parametrize("raw", ["2026-11-26", "26-Nov-2026", "26-11-2026", "26/11/2026"])
def test_parse_date_formats(raw):
    assert parse_date(raw) == dt.date(2026, 11, 26)


@pytest.mark.parametrize("raw", ["2026-02-30", "tomorrow", 20261126, None])
def test_parse_date_refuses(raw):
    with pytest.raises(ValueError, match="Enter a date"):
        parse_date(raw)


def test_gstin_check_character():
    assert gstin_check_character("27AAPFU0939F1Z") == "V"


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("100000", "1,00,000.00 Dr"),
        ("-12345678.5", "1,23,45,678.50 Cr"),
        ("0", "0.00"),
        ("-999", "999.00 Cr"),
        ("100000000", "10,00,00,000.00 Dr"),
    ],
)
def test_balances_read_the_indian_way(amount, shown):
    assert format_balance(Decimal(amount)) == shown


@pytest.mark.parametrize("amount", ["0.01", "999.99", "1000", "123456.78", "9999999999999999.99"])
def test_an_amount_as_shown_reads_back(amount):
    """What `format_amount` shows (Indian grouping) is what `parse_amount` accepts."""
    assert parse_amount(format_amount(Decimal(amount))) == Decimal(amount)
