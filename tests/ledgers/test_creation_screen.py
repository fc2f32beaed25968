"""Ledger Creation as Tally runs it (issue 17): after a save, a blank creation screen for the
next ledger with a line naming the one just created; amounts shown the Indian way."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client

from ledgers.models import Ledger
from tests.conftest import make_ledger


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_after_a_save_a_blank_creation_screen_names_the_ledger_created(company, alice):
    client = browser(alice)
    answer = client.post(
        f"/c/{company.pk}/ledgers/",
        {"name": "Sharma Transport", "group": "Sundry Creditors", "opening_amount": "1,18,000"},
    )
    assert answer.status_code == 302
    assert answer.url == f"/c/{company.pk}/ledgers/new/"
    page = client.get(answer.url).text
    assert "Ledger Sharma Transport created." in page
    assert "<h1>Ledger Creation</h1>" in page
    assert 'id="id_name" name="name" value=""' in page  # blank, for the next one
    assert Ledger.objects.get(name="Sharma Transport").opening_balance == 118000


def test_a_refused_ledger_stays_on_its_form_with_what_was_typed(company, alice):
    answer = browser(alice).post(
        f"/c/{company.pk}/ledgers/", {"name": "Sharma Transport", "group": "Nowhere"}
    )
    assert answer.status_code == 422
    assert 'value="Sharma Transport"' in answer.text


def test_the_alteration_shows_the_opening_balance_the_indian_way(company, alice):
    ledger = make_ledger(company, alice, "Capital", "Capital Account", opening_credit="500000")
    page = browser(alice).get(f"/c/{company.pk}/ledgers/{ledger.pk}/edit/").text
    assert 'value="5,00,000.00"' in page
