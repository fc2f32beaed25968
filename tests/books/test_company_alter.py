"""Company Alteration (books.services.company_alter): an owner fixes the company's particulars,
checked like any master's alteration (role, edit lock, version) and kept in the Edit Log; the
year begins on the 1st of a month, and the books may not begin after an entry's date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User

from books.services import company_alter, company_create
from companies.models import Company, Membership
from core.errors import Invalid, Locked, NotAllowed, StaleVersion
from editlog.models import Change
from locking.models import EditLock
from locking.services import lock_acquire

PARTICULARS = {
    "name": "Sharma Traders",
    "mailing_name": "Sharma Traders Pvt Ltd",
    "address": "12 MG Road\nPune",
    "state": "Maharashtra",
    "pin": "411001",
    "pan": "AAPFU0939F",
    "gstin": "27AAPFU0939F1ZV",
    "financial_year_start": "01-04-2026",
    "books_beginning": "01-04-2026",
}


def alter(company: Company, actor: User, version: Any = None, **changes: Any) -> Company:
    data = {**PARTICULARS, **changes}
    version = company.version if version is None else version
    return company_alter(company=company, actor=actor, data=data, version=version)


def unchanged(company: Company) -> tuple[int, int, str]:
    fresh = Company.objects.get(pk=company.pk)
    return fresh.version, fresh.last_seq, fresh.mailing_name


def test_an_owner_alters_the_particulars_and_the_edit_log_keeps_it(company, alice):
    seq = company.last_seq
    altered = alter(company, alice)
    fresh = Company.objects.get(pk=company.pk)
    assert (fresh.mailing_name, fresh.pin, fresh.pan, fresh.gstin) == (
        "Sharma Traders Pvt Ltd",
        "411001",
        "AAPFU0939F",
        "27AAPFU0939F1ZV",
    )
    assert fresh.address == "12 MG Road\nPune"
    assert (fresh.version, fresh.altered_by) == (2, alice)
    change = Change.objects.get(company=company, seq=seq + 1)
    assert (change.verb, change.object_type, change.object_id) == ("alter", "company", company.pk)
    assert change.before["mailing_name"] == "" and change.after["mailing_name"] == (
        "Sharma Traders Pvt Ltd"
    )
    assert altered.change == change
    assert fresh.printed_name == "Sharma Traders Pvt Ltd"


def test_a_wrong_year_is_put_right_while_no_entry_exists(alice, company_creation_open):
    """The review's set-up took 01-04-2026 for January (mm/dd): alteration mends it."""
    wrong = company_create(
        actor=alice, name="Sharma Traders", financial_year_start=dt.date(2026, 1, 1)
    )
    alter(wrong, alice, financial_year_start="1-4-2026", books_beginning="")
    fresh = Company.objects.get(pk=wrong.pk)
    assert fresh.financial_year_start == dt.date(2026, 4, 1)
    assert fresh.books_beginning == dt.date(2026, 4, 1)  # with the year, when left empty


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"financial_year_start": "15-04-2026"}, "financial_year_start",
         "A financial year begins on the 1st of a month, like 01-04-2026."),
        ({"books_beginning": "01-03-2026"}, "books_beginning",
         "Books cannot begin before the financial year does."),
        ({"pin": "41100"}, "pin", "A PIN code has six digits, like 400001."),
        ({"pin": "011001"}, "pin", "A PIN code has six digits, like 400001."),
        ({"pan": "AAPF0939F"}, "pan",
         "A PAN has 10 characters: five letters, four digits, a letter."),
        ({"pan": "AAAPL1234C"}, "pan",
         "The GSTIN 27AAPFU0939F1ZV holds the PAN AAPFU0939F, not AAAPL1234C."),
        ({"gstin": "27AAPFU0939F1ZX"}, "gstin",
         "This GSTIN's check character is wrong: please check for a typo."),
        ({"name": " "}, "name", "This cannot be empty."),
        ({"financial_year_start": "31-02-2026"}, "financial_year_start", None),
    ],
)  # fmt: skip
def test_bad_particulars_are_refused_with_the_rule_and_nothing_is_written(
    company, alice, changes, field, message
):
    before = unchanged(company)
    with pytest.raises(Invalid) as refused:
        alter(company, alice, **changes)
    assert field in refused.value.errors
    if message:
        assert refused.value.errors[field] == [message]
    assert unchanged(company) == before


def test_the_books_may_not_begin_after_an_entrys_date(company, alice, voucher):
    """The sale is dated 26-Nov-2026: the books can begin on that day at the latest."""
    before = unchanged(company)
    with pytest.raises(Invalid) as refused:
        alter(company, alice, books_beginning="27-11-2026")
    assert refused.value.errors == {
        "books_beginning": [
            "Entries are dated from 26-Nov-2026: the books cannot begin after that day. "
            "Alter or delete those entries first."
        ]
    }
    assert unchanged(company) == before
    alter(company, alice, books_beginning="26-11-2026")
    assert Company.objects.get(pk=company.pk).books_beginning == dt.date(2026, 11, 26)


def test_once_entries_exist_the_year_keeps_its_first_day(company, alice, voucher):
    with pytest.raises(Invalid) as refused:
        alter(company, alice, financial_year_start="01-01-2026")
    assert refused.value.errors["financial_year_start"] == [
        "Entries exist: the financial year keeps beginning on 01-Apr (their numbers and each "
        "year's results follow it)."
    ]
    alter(company, alice, financial_year_start="01-04-2025")  # another year, same first day


def test_only_owners_alter_the_company(company, bob, charlie):
    for actor in (bob, charlie):
        with pytest.raises(NotAllowed, match="this needs owner"):
            alter(company, actor)
    assert Company.objects.get(pk=company.pk).version == 1


def test_an_alteration_read_at_an_old_version_is_refused(company, alice):
    alter(company, alice)
    with pytest.raises(StaleVersion, match=r"altered by alice .*now version 2"):
        alter(company, alice, version=1, mailing_name="Old")
    assert Company.objects.get(pk=company.pk).mailing_name == "Sharma Traders Pvt Ltd"


def test_while_another_owner_has_it_open_the_company_is_locked(company, alice, dave):
    Membership.objects.create(user=dave, company=company, role="owner")
    lock_acquire(company=company, resource=f"company:{company.pk}", actor=dave)
    with pytest.raises(Locked, match="In use by dave"):
        alter(company, alice)
    assert Company.objects.get(pk=company.pk).version == 1


def test_the_save_lets_go_of_the_owners_own_lock(company, alice):
    lock_acquire(company=company, resource=f"company:{company.pk}", actor=alice)
    alter(company, alice)
    assert not EditLock.objects.filter(resource=f"company:{company.pk}").exists()
