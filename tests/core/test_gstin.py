"""GSTIN checks (NOTES.md §3, test T1): length, state code, shape, PAN serial and the mod-36
check character, each with its own message; state from the first two digits."""

from __future__ import annotations

import pytest

from core.gst import state_code_of, state_name
from core.validation import clean_gstin, gstin_check_character, gstin_problem


@pytest.mark.parametrize(
    "gstin",
    [
        "27AAPFU0939F1ZV",  # python-stdnum's example: sum 221, check V
        "24AANFA2641L1ZF",
        "29AABCR1718E1ZL",
        "27AABCR1718E1ZP",
        "27AAACT2727Q1ZW",
        "29AAACT2727Q1ZS",
        "0717UNO00157UNO",  # a UN body's UIN
    ],
)
def test_valid_gstins_pass(gstin):
    assert gstin_problem(gstin) == ""


def test_the_worked_example_sums_to_its_check_character():
    """NOTES.md's table: weights 1,2,1,2…, p//36 + p%36 summed = 221; (36 - 5) % 36 = 31."""
    assert gstin_check_character("27AAPFU0939F1Z") == "V"


NO_PAN = "The PAN in this GSTIN (AAPFU0000F) cannot be: no PAN is numbered 0000."


@pytest.mark.parametrize(
    ("gstin", "message"),
    [
        ("27AAPFU0939F1ZO", "This GSTIN's check character is wrong: please check for a typo."),
        ("27AAPFU0939F1Z", "A GSTIN has 15 characters, like 27AAPFU0939F1ZV; this has 14."),
        ("27AAPFU0939F1ZVV", "A GSTIN has 15 characters, like 27AAPFU0939F1ZV; this has 16."),
        (
            "39AAPFU0939F1ZV",
            "A GSTIN begins with its state's code (01 to 38, or 97 for other territory): "
            "39 is none.",
        ),
        (
            "00AAPFU0939F1ZV",
            "A GSTIN begins with its state's code (01 to 38, or 97 for other territory): "
            "00 is none.",
        ),
        (
            "27AAPF10939F1ZV",
            "A GSTIN has 15 characters, like 27AAPFU0939F1ZV: the state code, a PAN (5 letters, "
            "4 digits, a letter), the registration's number and a check character.",
        ),
        # The check character is right for these 14; the PAN cannot be.
        (
            "27AAPFU0000F1ZJ",
            "The PAN in this GSTIN (AAPFU0000F) cannot be: no PAN is numbered 0000.",
        ),
        (
            "27AAPFU0000F1ZV",
            "The PAN in this GSTIN (AAPFU0000F) cannot be: no PAN is numbered 0000.",
        ),
    ],
)
def test_each_fault_has_its_own_message(gstin, message):
    assert gstin_problem(gstin) == message


def test_a_gstin_is_read_in_upper_case_and_trimmed():
    errors: dict[str, list[str]] = {}
    assert clean_gstin(" 27aapfu0939f1zv ", errors=errors) == "27AAPFU0939F1ZV"
    assert errors == {}


def test_clean_gstin_names_the_field_and_gives_nothing_back():
    errors: dict[str, list[str]] = {}
    assert clean_gstin("27AAPFU0939F1ZO", errors=errors, field="party.gstin") == ""
    assert errors == {
        "party.gstin": ["This GSTIN's check character is wrong: please check for a typo."]
    }
    assert clean_gstin(27, errors=(errors := {})) == ""
    assert errors == {"gstin": ["Type the GSTIN as text, like 27AAPFU0939F1ZV."]}


def test_the_14th_character_need_not_be_z():
    """GSTN's own pattern takes 1-9, A, B, D-J there (NOTES.md §3); the check still holds."""
    first14 = "27AAPFU0939F11"
    assert gstin_problem(first14 + gstin_check_character(first14)) == ""


def test_legacy_state_codes_begin_old_gstins():
    first14 = "28AAPFU0939F1Z"
    assert gstin_problem(first14 + gstin_check_character(first14)) == ""
    assert state_name("28") == "Andhra Pradesh (before 2014)"


def test_a_state_is_known_by_its_code_or_its_name():
    assert [state_code_of(t) for t in ("27", "7", "maharashtra", " Goa ", "96", "Dubai")] == [
        "27",
        "07",
        "27",
        "30",
        "",
        "",
    ]
    assert state_name("29") == "Karnataka"
