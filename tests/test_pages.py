"""The browser pages: each opens for members, with Tally's keys, and reads in bounded queries."""

import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from companies.models import Company
from tests.conftest import make_ledger, sale
from vouchers.models import Voucher
from vouchers.services import voucher_create


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def pages(company, ledgers, voucher):
    cid = company.pk
    return {
        "dashboard": f"/c/{cid}/",
        "ledgers": f"/c/{cid}/ledgers/",
        "ledger-new": f"/c/{cid}/ledgers/new/",
        "statement": f"/c/{cid}/ledgers/{ledgers['party'].pk}/?from=2026-04-01&to=2027-03-31",
        "ledger-edit": f"/c/{cid}/ledgers/{ledgers['party'].pk}/edit/",
        "day-book": f"/c/{cid}/vouchers/?date=2026-11-26",
        "voucher-new": f"/c/{cid}/vouchers/new/?type=sales",
        "voucher": f"/c/{cid}/vouchers/{voucher.pk}/",
        "voucher-edit": f"/c/{cid}/vouchers/{voucher.pk}/edit/",
        "trial-balance": f"/c/{cid}/reports/trial-balance/?as_of=2026-11-30",
    }


def test_first_run_leads_to_setup_which_creates_owner_and_company(db, setup_code):
    client = Client()
    assert client.get("/").url == "/setup/"
    answer = client.post(
        "/setup/",
        {
            "setup_code": setup_code,
            "username": "ravi",
            "password": "a-long-passphrase",
            "company_name": "Sharma Traders",
        },
    )
    company = Company.objects.get()
    assert answer.url == f"/c/{company.pk}/"
    assert User.objects.get(username="ravi").is_superuser
    assert client.get(answer.url).status_code == 200
    assert Client().get("/setup/").url == "/"  # only once


def test_setup_shows_what_is_wrong_and_creates_nothing(db, setup_code):
    answer = Client().post(
        "/setup/",
        {"setup_code": setup_code, "username": "ravi", "password": "123", "company_name": ""},
    )
    assert answer.status_code == 422
    assert b"This cannot be empty" in answer.content
    assert b"too short" in answer.content
    assert not User.objects.exists()


def test_signed_out_visitors_go_to_sign_in(company):
    assert Client().get("/").url == "/login/"
    assert Client().get(f"/c/{company.pk}/").url.startswith("/login/?next=")


def test_sign_in_page_signs_in(company):
    client = Client()
    answer = client.post("/login/", {"username": "alice", "password": "alice-secret-1"})
    assert answer.url == "/"
    assert b"Sharma Traders" in client.get("/").content


def test_gateway_lists_my_companies_and_creates_one(company, dave):
    client = browser(dave)
    assert b"Sharma Traders" not in client.get("/").content
    answer = client.post("/c/", {"name": "Gupta & Sons", "financial_year_start": "2026-04-01"})
    created = Company.objects.get(name="Gupta & Sons")
    assert answer.url == f"/c/{created.pk}/"
    refused = client.post("/c/", {"name": ""})
    assert refused.status_code == 422
    assert b"This cannot be empty" in refused.content


@pytest.mark.parametrize(
    "name",
    [
        "dashboard",
        "ledgers",
        "ledger-new",
        "statement",
        "ledger-edit",
        "day-book",
        "voucher-new",
        "voucher",
        "voucher-edit",
        "trial-balance",
    ],
)
def test_every_page_opens_with_the_keyboard_map(pages, alice, name):
    answer = browser(alice).get(pages[name])
    assert answer.status_code == 200
    html = answer.content.decode()
    for key in ("F4", "F5", "F6", "F7", "F8", "F9", "Alt+F6", "Alt+F5", "Ctrl+A", "Esc"):
        assert f"<kbd>{key}</kbd>" in html, key
    assert 'src="/static/app.js"' in html
    assert "/static/vendor/htmx-2.0.11.min.js" in html


@pytest.mark.parametrize("name", ["dashboard", "statement", "day-book", "voucher", "trial-balance"])
def test_viewers_see_pages_without_write_buttons(pages, charlie, name):
    html = browser(charlie).get(pages[name]).content.decode()
    assert "<kbd>F8</kbd>" not in html
    for marker in ("Alter", "Delete", "Create ledger", "Cancel voucher", "Sales (F8)"):
        assert marker not in html, marker


def test_strangers_get_404_pages(pages, dave):
    for url in pages.values():
        assert browser(dave).get(url).status_code == 404, url


def test_amounts_and_dates_read_the_tally_way(pages, alice):
    html = browser(alice).get(pages["statement"]).content.decode()
    assert "1,00,000.00 Dr" in html
    assert "26-Nov-2026" in html


def _form(ledger_rows, **extra):
    data = {"type": "sales", "date": "2026-11-26", "narration": "Bill 9", **extra}
    for i, (ledger, side, amount) in enumerate(ledger_rows):
        data.update(
            {
                f"entries-{i}-ledger": ledger,
                f"entries-{i}-side": side,
                f"entries-{i}-amount": amount,
            }
        )
    return data


def test_voucher_form_saves_and_opens_a_fresh_one(company, alice, ledgers):
    client = browser(alice)
    rows = [("Sharma Enterprises", "Dr", "1,00,000"), ("Sales", "Cr", "100000"), ("", "Dr", "")]
    answer = client.post(f"/c/{company.pk}/vouchers/", _form(rows))
    assert answer.status_code == 302
    assert answer.url == f"/c/{company.pk}/vouchers/new/?type=sales&date=2026-11-26"
    voucher = Voucher.objects.get()
    assert voucher.narration == "Bill 9"
    assert b"Sales No. 1 saved" in client.get(answer.url).content


def test_a_rejected_voucher_keeps_what_was_typed_and_says_why(company, alice, ledgers):
    rows = [("Sharma Enterprises", "Dr", "1,00,000"), ("Sales", "Cr", "99,000")]
    answer = browser(alice).post(f"/c/{company.pk}/vouchers/", _form(rows))
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "Debit 1,00,000.00 ≠ Credit 99,000.00" in html
    assert 'value="1,00,000"' in html and 'value="99,000"' in html
    assert 'value="Sharma Enterprises"' in html and "Bill 9" in html
    assert not Voucher.objects.exists()


def test_an_exponent_is_refused_next_to_its_field(company, alice, ledgers):
    rows = [("Sharma Enterprises", "Dr", "1e5"), ("Sales", "Cr", "100000")]
    html = browser(alice).post(f"/c/{company.pk}/vouchers/", _form(rows)).content.decode()
    row = re.search(r'name="entries-0-amount".*?</td>', html, re.S).group(0)
    assert "no exponents" in row


def test_voucher_alter_from_the_form(company, alice, ledgers, voucher):
    rows = [("Sharma Enterprises", "Dr", "500"), ("Sales", "Cr", "500")]
    answer = browser(alice).post(f"/c/{company.pk}/vouchers/{voucher.pk}/", _form(rows, version=1))
    assert answer.url == f"/c/{company.pk}/vouchers/{voucher.pk}/"
    assert Voucher.objects.get().version == 2


def test_a_stale_alter_keeps_my_typing_and_shows_theirs(company, alice, bob, ledgers, voucher):
    from vouchers.services import voucher_alter

    voucher_alter(company=company, voucher=voucher, actor=bob, data={"narration": "B"}, version=1)
    rows = [("Sharma Enterprises", "Dr", "777"), ("Sales", "Cr", "777")]
    answer = browser(alice).post(f"/c/{company.pk}/vouchers/{voucher.pk}/", _form(rows, version=1))
    assert answer.status_code == 409
    html = answer.content.decode()
    assert "altered by bob" in html
    assert 'value="777"' in html
    assert "What bob saved (version 2)" in html


def test_cancel_and_delete_from_the_voucher_page(company, alice, ledgers, voucher):
    client = browser(alice)
    url = f"/c/{company.pk}/vouchers/{voucher.pk}/"
    assert client.post(f"{url}cancel/", {"version": 1}).url == url
    deleted = client.delete(f"{url}?version=2", headers={"HX-Request": "true"})
    assert deleted.headers["HX-Redirect"] == f"/c/{company.pk}/vouchers/?date=2026-11-26"
    assert not Voucher.objects.exists()


def test_ledger_form_creates_and_alters(company, alice):
    client = browser(alice)
    answer = client.post(
        f"/c/{company.pk}/ledgers/",
        {
            "name": "Capital",
            "group": "Capital Account",
            "opening_amount": "5,00,000",
            "opening_side": "Cr",
        },
    )
    assert answer.status_code == 302
    html = client.get(f"/c/{company.pk}/ledgers/").content.decode()
    assert "5,00,000.00 Cr" in html


def test_ledger_search_offers_matching_names(company, alice, ledgers):
    html = browser(alice).get(f"/c/{company.pk}/ledgers/search/?entries-0-ledger=shar").content
    assert b'<option value="Sharma Enterprises">' in html
    assert b"Sales" not in html


def test_viewer_posting_a_voucher_form_is_refused(company, charlie, ledgers):
    rows = [("Sharma Enterprises", "Dr", "1"), ("Sales", "Cr", "1")]
    assert browser(charlie).post(f"/c/{company.pk}/vouchers/", _form(rows)).status_code == 403
    assert not Voucher.objects.exists()


@pytest.mark.parametrize("name", ["ledgers", "day-book", "trial-balance", "dashboard", "statement"])
def test_list_pages_read_in_a_bounded_number_of_queries(company, alice, ledgers, pages, name):
    client = browser(alice)
    client.get(pages[name])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(pages[name]).status_code == 200
        return len(queries)

    few = count()
    for i in range(15):
        party = make_ledger(company, alice, f"Party {i}", "Sundry Debtors")
        voucher_create(company=company, actor=alice, data=sale("10", party=party.name))
    assert count() == few


def test_the_voucher_date_reads_the_tally_way_and_takes_indian_input(company, alice, ledgers):
    client = browser(alice)
    form = client.get(f"/c/{company.pk}/vouchers/new/?type=sales&date=2026-11-26").content
    assert b'value="26-Nov-2026"' in form
    rows = [("Sharma Enterprises", "Dr", "10"), ("Sales", "Cr", "10")]
    answer = client.post(f"/c/{company.pk}/vouchers/", _form(rows, date="25/11/2026"))
    assert answer.status_code == 302
    assert Voucher.objects.get().date.isoformat() == "2026-11-25"
