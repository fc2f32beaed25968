"""Bill-wise details and cheque details on the entry screen's side of the server (issue 18): the
pending-bills list an Agst Ref picks from, the ledger list's hints, the page's posted bills and
instrument, their messages at the line, and the voucher's view."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from books.services import company_create
from ledgers.models import Ledger
from tests.conftest import DAY, client_for, make_ledger, sale
from vouchers.models import BankAllocation, BillAllocation, Voucher
from vouchers.services import voucher_create


def browser(user: User) -> Client:
    """A signed-in browser (pages, not JSON)."""
    client = Client()
    client.force_login(user)
    return client


def receipt(amount: str, bills: list[dict] | None = None, **bank: str) -> dict:
    party = {"ledger": "Sharma Enterprises", "credit": amount}
    if bills is not None:
        party["bills"] = bills
    return {
        "type": "Receipt",
        "date": (DAY + dt.timedelta(days=5)).isoformat(),
        "entries": [{"ledger": "HDFC Bank", "debit": amount, **bank}, party],
    }


@pytest.fixture
def invoiced(company, alice, ledgers) -> Voucher:
    """A sale of 10,000 to Sharma Enterprises as bill INV-1 (credit period 30 days)."""
    bills = [{"type": "New Ref", "name": "INV-1", "amount": "10000", "credit_days": 30}]
    data = sale("10000.00")
    data["entries"][0]["bills"] = bills
    return voucher_create(company=company, actor=alice, data=data)


def bills_url(company, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/c/{company.pk}/vouchers/bills/?{query}"


def test_pending_bills_of_a_party_with_their_amounts_dates_and_the_ledgers_terms(
    company, alice, ledgers, invoiced
):
    voucher_create(
        company=company,
        actor=alice,
        data=receipt("4000", [{"type": "Agst Ref", "name": "INV-1", "amount": "4000"}]),
    )
    answer = browser(alice).get(bills_url(company, ledger=ledgers["party"].pk))
    assert answer.status_code == 200
    assert answer.json() == {
        "bills": [
            {
                "name": "INV-1",
                "date": "2026-11-26",
                "due_date": "2026-12-26",
                "pending": "6000.00",
                "pending_shown": "6,000.00 Dr",
            }
        ],
        "bill_wise": True,
        "credit_days": None,
    }


def test_altering_a_receipt_lists_the_bills_it_settles_as_pending(
    company, alice, ledgers, invoiced
):
    paid = voucher_create(
        company=company,
        actor=alice,
        data=receipt("10000", [{"type": "Agst Ref", "name": "INV-1", "amount": "10000"}]),
    )
    page = browser(alice)
    assert page.get(bills_url(company, ledger=ledgers["party"].pk)).json()["bills"] == []
    altering = page.get(bills_url(company, ledger=ledgers["party"].pk, voucher=str(paid.pk)))
    assert [(b["name"], b["pending"]) for b in altering.json()["bills"]] == [("INV-1", "10000.00")]


def test_as_of_a_date_and_by_name(company, alice, ledgers, invoiced):
    voucher_create(
        company=company,
        actor=alice,
        data=receipt("10000", [{"type": "Agst Ref", "name": "INV-1", "amount": "10000"}]),
    )
    client = browser(alice)
    settled = client.get(bills_url(company, ledger="sharma enterprises")).json()
    assert settled["bills"] == []  # the receipt settled it
    before = client.get(bills_url(company, ledger="Sharma Enterprises", as_of="28-11-2026"))
    assert [b["pending_shown"] for b in before.json()["bills"]] == ["10,000.00 Dr"]
    earlier = client.get(bills_url(company, ledger=ledgers["party"].pk, as_of="2026-11-25"))
    assert earlier.json()["bills"] == []


def test_a_ledger_that_keeps_no_bills_says_so(company, alice, ledgers):
    answer = client_for(alice).get(bills_url(company, ledger="Rent"))
    assert answer.json() == {"bills": [], "bill_wise": False, "credit_days": None}


def test_a_viewer_reads_the_list(company, charlie, ledgers, invoiced):
    answer = browser(charlie).get(bills_url(company, ledger="Sharma Enterprises"))
    assert [b["name"] for b in answer.json()["bills"]] == ["INV-1"]


def test_another_companys_ledger_or_a_stranger_is_404(company, dave, ledgers, invoiced):
    other = company_create(actor=dave, name="Gupta & Sons")
    client = browser(dave)
    party = ledgers["party"].pk
    assert client.get(bills_url(other, ledger=party)).status_code == 404
    assert client.get(bills_url(company, ledger=party)).status_code == 404
    assert client.get(bills_url(other, ledger="Nobody")).status_code == 404


def test_a_bad_date_is_refused_by_name(company, alice, ledgers):
    answer = client_for(alice).get(bills_url(company, ledger="Sharma Enterprises", as_of="31-02"))
    assert answer.status_code == 400
    assert "as_of" in answer.json()["errors"]


def test_the_ledger_list_tells_the_screen_which_lines_keep_bills_or_are_bank(
    company, alice, ledgers
):
    make_ledger(company, alice, "Verma Traders", "Sundry Debtors", credit_days=15)
    url = f"/c/{company.pk}/vouchers/ledgers/?type=journal&side=Dr&q="
    shown = {c["name"]: c for c in browser(alice).get(url).json()["ledgers"]}
    assert (shown["Verma Traders"]["bill_wise"], shown["Verma Traders"]["credit_days"]) == (
        True,
        15,
    )
    assert shown["Rent"]["bill_wise"] is False
    url = f"/c/{company.pk}/vouchers/ledgers/?type=receipt&side=Dr&q="
    shown = {c["name"]: c for c in browser(alice).get(url).json()["ledgers"]}
    assert (shown["HDFC Bank"]["bank"], shown["Cash"]["bank"]) == (True, False)


def page_receipt(bills: list[dict], amount: str = "4,000.00", **extra: str) -> dict:
    return {
        "type": "receipt",
        "date": "01-12-2026",
        "entries-0-side": "Cr",
        "entries-0-ledger": "Sharma Enterprises",
        "entries-0-amount": amount,
        "entries-0-bills": json.dumps(bills),
        "entries-1-side": "Dr",
        "entries-1-ledger": "HDFC Bank",
        "entries-1-amount": amount,
        **extra,
    }


def test_the_page_posts_bills_and_a_cheque(company, alice, ledgers, invoiced):
    bills = [{"type": "Agst Ref", "name": "INV-1", "amount": "4,000.00", "side": "Cr"}]
    cheque = {
        "entries-1-instrument_type": "Cheque",
        "entries-1-instrument_number": "004512",
        "entries-1-instrument_date": "30-11-2026",
        "entries-1-favouring": "",
    }
    answer = browser(alice).post(f"/c/{company.pk}/vouchers/", page_receipt(bills, **cheque))
    assert answer.status_code == 302, answer.content.decode()
    settled = BillAllocation.objects.get(kind="agst")
    assert (settled.name, settled.amount) == ("INV-1", -4000)
    bank = BankAllocation.objects.get()
    assert (bank.instrument_type, bank.instrument_number) == ("cheque", "004512")
    assert bank.instrument_date == dt.date(2026, 11, 30)


def test_the_pages_refused_bills_show_at_their_line_with_what_was_typed(
    company, alice, ledgers, invoiced
):
    bills = [{"type": "Agst Ref", "name": "INV-1", "amount": "3,000.00", "side": "Cr"}]
    answer = browser(alice).post(f"/c/{company.pk}/vouchers/", page_receipt(bills))
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "1,000.00 Cr is not allocated" in html
    assert 'name="entries-0-bills"' in html
    assert "&quot;INV-1&quot;" in html  # what was typed, for the panel to open with
    too_much = [{"type": "Agst Ref", "name": "INV-1", "amount": "12,000.00", "side": "Cr"}]
    answer = browser(alice).post(f"/c/{company.pk}/vouchers/", page_receipt(too_much, "12,000"))
    assert "Settle at most 10,000.00" in answer.content.decode()
    assert not Voucher.objects.filter(voucher_type__base="receipt").exists()


def test_altering_a_reconciled_amount_asks_on_the_page(company, alice, ledgers, invoiced):
    data = receipt("4000", None, instrument_type="Cheque", instrument_number="7")
    made = voucher_create(company=company, actor=alice, data=data)
    # As the Bank Reconciliation will set it (a test stands in for that screen).
    BankAllocation.objects.filter(entry__voucher=made).update(bank_date=dt.date(2026, 12, 2))
    form = {
        "type": "receipt",
        "version": str(made.version),
        "entries-0-side": "Dr",
        "entries-0-ledger": "HDFC Bank",
        "entries-0-amount": "5,000.00",
        "entries-1-side": "Cr",
        "entries-1-ledger": "Sharma Enterprises",
        "entries-1-amount": "5,000.00",
    }
    url = f"/c/{company.pk}/vouchers/{made.pk}/"
    asked = browser(alice).post(url, form)
    assert asked.status_code == 422
    assert "data-reconciled-ask" in asked.content.decode()
    confirmed = browser(alice).post(url, {**form, "confirm_reconciled": "true"})
    assert confirmed.status_code == 302
    assert BankAllocation.objects.get(entry__voucher=made).bank_date is None


def test_the_voucher_view_shows_bills_and_the_cheque(company, alice, ledgers, invoiced):
    made = voucher_create(
        company=company,
        actor=alice,
        data=receipt(
            "4000",
            [{"type": "Agst Ref", "name": "INV-1", "amount": "4000"}],
            instrument_type="Cheque",
            instrument_number="004512",
            favouring="Sharma Traders",
        ),
    )
    html = browser(alice).get(f"/c/{company.pk}/vouchers/{made.pk}/").content.decode()
    assert "Agst Ref" in html and "INV-1" in html and "4,000.00 Cr" in html
    assert "Cheque" in html and "004512" in html and "Sharma Traders" in html
    sold = browser(alice).get(f"/c/{company.pk}/vouchers/{invoiced.pk}/").content.decode()
    assert "New Ref" in sold and "due 26-Dec-2026" in sold


def test_the_alteration_screen_carries_the_lines_bills(company, alice, ledgers, invoiced):
    html = browser(alice).get(f"/c/{company.pk}/vouchers/{invoiced.pk}/edit/").content.decode()
    assert 'name="entries-0-bills"' in html
    assert "&quot;New Ref&quot;" in html and "&quot;INV-1&quot;" in html


def ledger_page(**extra: str) -> dict:
    return {"name": "Verma Traders", "group": "Sundry Debtors", "opening_side": "Dr", **extra}


def test_ledger_creation_page_sets_bill_wise_credit_days_and_opening_bills(company, alice):
    opening = [
        {"name": "OB-1", "date": "01-04-2026", "amount": "6,000.00", "side": "Dr"},
        {"name": "OB-2", "date": "15-04-2026", "amount": "4,000.00", "side": "Dr"},
    ]
    form = ledger_page(
        bill_wise="true",
        credit_days="45",
        opening_amount="10,000.00",
        opening_bills=json.dumps(opening),
    )
    answer = browser(alice).post(f"/c/{company.pk}/ledgers/", form)
    assert answer.status_code == 302, answer.content.decode()
    ledger = Ledger.objects.get(name="Verma Traders")
    assert (ledger.bill_wise, ledger.credit_days) == (True, 45)
    assert [b.name for b in ledger.opening_bills.all()] == ["OB-1", "OB-2"]
    html = browser(alice).get(f"/c/{company.pk}/ledgers/{ledger.pk}/edit/").content.decode()
    assert 'value="45"' in html and "&quot;OB-2&quot;" in html


def test_ledger_page_posts_no_explicitly_and_shows_opening_bill_messages(company, alice):
    client = browser(alice)
    answer = client.post(f"/c/{company.pk}/ledgers/", ledger_page(bill_wise="false"))
    assert answer.status_code == 302
    assert Ledger.objects.get(name="Verma Traders").bill_wise is False
    bad = [{"name": "OB-1", "date": "01-04-2026", "amount": "6,000.00", "side": "Dr"}]
    form = ledger_page(
        name="Jain Traders",
        bill_wise="true",
        opening_amount="10,000.00",
        opening_bills=json.dumps(bad),
    )
    answer = client.post(f"/c/{company.pk}/ledgers/", form)
    assert answer.status_code == 422
    assert 'id="opening-bills-errors"' in answer.content.decode()


def test_the_ledger_page_shows_the_default_for_its_group(company, alice):
    html = browser(alice).get(f"/c/{company.pk}/ledgers/new/").content.decode()
    assert "data-bill-wise-groups" in html and "Sundry Debtors" in html
