"""What the voucher entry screen asks of the server (issue 17): the ledgers a line may take per
voucher type and side, a reference (bill) number through the service, the API and the Edit Log,
and amounts shown the Indian way."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from editlog.models import Change
from ledgers.services import ledger_delete
from tests.conftest import client_for, make_ledger, sale
from vouchers.drafts import ledger_wants_cash_bank
from vouchers.models import Voucher
from vouchers.services import voucher_alter, voucher_create

CASH_BANK = {"Cash", "HDFC Bank"}


def browser(user: User) -> Client:
    """A signed-in browser (pages, not JSON)."""
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("base", "side", "wants"),
    [
        ("contra", "debit", True),
        ("contra", "credit", True),
        ("payment", "credit", True),
        ("payment", "debit", False),
        ("receipt", "debit", True),
        ("receipt", "credit", False),
        ("journal", "debit", False),
        ("journal", "credit", False),
        ("sales", "debit", None),
        ("purchase", "credit", None),
        ("credit_note", "debit", None),
        ("debit_note", "credit", None),
    ],
)
def test_each_type_and_side_asks_for_cash_bank_or_not_or_either(base, side, wants):
    assert ledger_wants_cash_bank(base, side) is wants


def _names(client, company, **params) -> list[str]:
    answer = client.get(f"/c/{company.pk}/vouchers/ledgers/", params)
    assert answer.status_code == 200
    return [choice["name"] for choice in answer.json()["ledgers"]]


@pytest.mark.parametrize(
    ("voucher_type", "side", "cash_bank_only", "none_of_cash_bank"),
    [
        ("contra", "Dr", True, False),
        ("contra", "Cr", True, False),
        ("payment", "Cr", True, False),
        ("payment", "Dr", False, True),
        ("receipt", "Dr", True, False),
        ("receipt", "Cr", False, True),
        ("journal", "Dr", False, True),
        ("journal", "Cr", False, True),
        ("sales", "Dr", False, False),
    ],
)
def test_the_list_holds_only_the_ledgers_the_type_allows_on_that_side(
    company, alice, ledgers, voucher_type, side, cash_bank_only, none_of_cash_bank
):
    names = set(_names(client_for(alice), company, type=voucher_type, side=side))
    assert names  # never an empty list for these books
    if cash_bank_only:
        assert names == CASH_BANK
    if none_of_cash_bank:
        assert not names & CASH_BANK
        assert {"Rent", "Sharma Enterprises", "Gupta Suppliers"} <= names
    if not (cash_bank_only or none_of_cash_bank):
        assert CASH_BANK | {"Sales", "Rent"} <= names


def test_the_review_s_cases_contra_g_and_journal_c_offer_nothing_refused(company, alice, ledgers):
    client = client_for(alice)
    make_ledger(company, alice, "Output CGST", "Duties & Taxes")
    assert _names(client, company, type="contra", side="Cr", q="g") == []
    assert "Cash" not in _names(client, company, type="journal", side="Dr", q="c")
    assert _names(client, company, type="journal", side="Dr", q="cgst") == ["Output CGST"]


def test_a_part_of_the_name_finds_the_ledger_with_its_balance(company, alice, ledgers):
    make_ledger(company, alice, "Office Rent", "Indirect Expenses", opening_debit="100000")
    # No voucher uses Rent: without it, "rent" matches Office Rent only.
    ledger_delete(company=company, ledger=ledgers["rent"], actor=alice, version=1)
    answer = client_for(alice).get(
        f"/c/{company.pk}/vouchers/ledgers/", {"type": "journal", "side": "Dr", "q": "rent"}
    )
    assert answer.json()["ledgers"] == [
        {
            "id": answer.json()["ledgers"][0]["id"],
            "name": "Office Rent",
            "group": "Indirect Expenses",
            "balance": "1,00,000.00 Dr",
            "bill_wise": False,
            "credit_days": None,
            "bank": False,
        }
    ]


def test_names_starting_with_the_text_come_first(company, alice, ledgers):
    make_ledger(company, alice, "Shop Rent", "Indirect Expenses")
    names = _names(client_for(alice), company, type="journal", side="Dr", q="rent")
    assert names == ["Rent", "Shop Rent"]


def test_another_company_s_ledgers_are_never_listed(company, ledgers, dave):
    assert client_for(dave).get(f"/c/{company.pk}/vouchers/ledgers/").status_code == 404


def test_the_reference_goes_through_the_service_into_the_edit_log(company, alice, ledgers):
    voucher = voucher_create(company=company, actor=alice, data=sale(reference="Bill M-221"))
    assert Voucher.objects.get().reference == "Bill M-221"
    change = Change.objects.get(object_type="voucher", object_id=voucher.pk, verb="create")
    assert change.after["reference"] == "Bill M-221"
    voucher_alter(company=company, voucher=voucher, actor=alice, data={"narration": "n"}, version=1)
    assert Voucher.objects.get().reference == "Bill M-221"  # not sent: kept
    voucher_alter(
        company=company, voucher=voucher, actor=alice, data={"reference": "M-222"}, version=2
    )
    altered = Change.objects.filter(object_type="voucher", verb="alter").latest("seq")
    assert (altered.before["reference"], altered.after["reference"]) == ("Bill M-221", "M-222")


def test_the_reference_through_the_json_api(company, api, ledgers):
    answer = api.post(
        f"/c/{company.pk}/vouchers/", sale(reference="INV/77"), content_type="application/json"
    )
    assert answer.status_code == 201
    assert answer.json()["reference"] == "INV/77"
    voucher_id = answer.json()["id"]
    assert api.get(f"/c/{company.pk}/vouchers/{voucher_id}/").json()["reference"] == "INV/77"


def test_a_too_long_reference_is_refused_on_its_field_and_nothing_is_saved(company, api, ledgers):
    answer = api.post(
        f"/c/{company.pk}/vouchers/", sale(reference="x" * 51), content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["reference"] == ["At most 50 characters (this has 51)."]
    assert not Voucher.objects.exists()


def test_the_entry_form_posts_the_reference_and_shows_it(company, alice, ledgers):
    client = browser(alice)
    form = {
        "type": "purchase",
        "date": "26-11-2026",
        "reference": "Bill M-221",
        "entries-0-side": "Dr",
        "entries-0-ledger": "Purchase",
        "entries-0-amount": "50,000.00",
        "entries-1-side": "Cr",
        "entries-1-ledger": "Gupta Suppliers",
        "entries-1-amount": "50000",
    }
    assert client.post(f"/c/{company.pk}/vouchers/", form).status_code == 302
    voucher = Voucher.objects.get()
    assert voucher.reference == "Bill M-221"
    assert (
        "Ref. <bdi>Bill M-221</bdi>" in client.get(f"/c/{company.pk}/vouchers/{voucher.pk}/").text
    )
    edit = client.get(f"/c/{company.pk}/vouchers/{voucher.pk}/edit/").text
    assert 'name="reference" id="id_reference" value="Bill M-221"' in edit
    assert 'value="50,000.00"' in edit  # the alteration shows amounts the Indian way
    # and each line's ledger with its balance beside it
    assert '<span class="ledger-balance" aria-live="polite">50,000.00 Cr</span>' in edit


def test_the_day_book_row_offers_alteration_cancel_and_delete_to_the_keys(company, alice, voucher):
    html = browser(alice).get(f"/c/{company.pk}/vouchers/?date=2026-11-26").text
    url = f"/c/{company.pk}/vouchers/{voucher.pk}/"
    assert f'data-label="Sales No. 1" data-voucher="{url}" data-alter="{url}edit/"' in html
    assert 'data-version="1">' in html  # the version Alt+X and Alt+D act on
