"""Tally's "Warn on negative cash balance": a save that leaves a Cash-in-Hand ledger in credit
still saves, and its answer (JSON, or the page after the redirect) says so."""

from __future__ import annotations

import pytest
from django.test import Client

from companies.models import Company
from ledgers.services import group_create
from tests.conftest import DAY, balance, make_ledger
from vouchers.models import Voucher
from vouchers.services import voucher_alter, voucher_create

WARNING = "Cash will be 1,500.00 Cr after this voucher"


def payment(amount: str, *, cash: str = "Cash", expense: str = "Rent") -> dict:
    return {
        "type": "Payment",
        "date": DAY.isoformat(),
        "entries": [{"ledger": expense, "debit": amount}, {"ledger": cash, "credit": amount}],
    }


def receipt(amount: str, *, cash: str = "Cash") -> dict:
    return {
        "type": "Receipt",
        "date": DAY.isoformat(),
        "entries": [
            {"ledger": cash, "debit": amount},
            {"ledger": "Sharma Enterprises", "credit": amount},
        ],
    }


def test_a_payment_that_leaves_cash_in_credit_saves_and_warns(company, alice, ledgers):
    voucher = voucher_create(company=company, actor=alice, data=payment("1500"))
    assert voucher.change.warnings == [WARNING]
    assert balance(ledgers["cash"]) == -1500


def test_no_warning_while_cash_stays_in_debit(company, alice, ledgers):
    voucher_create(company=company, actor=alice, data=receipt("2000"))
    voucher = voucher_create(company=company, actor=alice, data=payment("2000"))
    assert voucher.change.warnings == []  # 0.00: not negative
    voucher = voucher_create(company=company, actor=alice, data=payment("1500"))
    assert voucher.change.warnings == [WARNING]


def test_money_coming_into_cash_in_credit_is_no_warning(company, alice, ledgers):
    voucher_create(company=company, actor=alice, data=payment("5000"))
    voucher = voucher_create(company=company, actor=alice, data=receipt("3500"))
    assert voucher.change.warnings == []  # still 1,500.00 Cr, but better than it was


def test_the_opening_balance_counts(company, alice, ledgers):
    make_ledger(company, alice, "Petty Cash", "Cash-in-Hand", opening_debit="1000")
    voucher = voucher_create(company=company, actor=alice, data=payment("1200", cash="Petty Cash"))
    assert voucher.change.warnings == ["Petty Cash will be 200.00 Cr after this voucher"]


def test_a_cash_ledger_under_a_sub_group_of_cash_in_hand_is_watched(company, alice, ledgers):
    group_create(company=company, actor=alice, name="Branch Cash", parent="Cash-in-Hand")
    make_ledger(company, alice, "Pune Counter", "Branch Cash")
    voucher = voucher_create(company=company, actor=alice, data=payment("10", cash="Pune Counter"))
    assert voucher.change.warnings == ["Pune Counter will be 10.00 Cr after this voucher"]


def test_a_bank_in_credit_is_no_warning(company, alice, ledgers):
    """An overdrawn bank is a bank's business (Bank OD): the setting watches cash."""
    voucher = voucher_create(company=company, actor=alice, data=payment("1500", cash="HDFC Bank"))
    assert voucher.change.warnings == []


def test_an_alteration_counts_the_lines_it_replaces(company, alice, ledgers):
    voucher_create(company=company, actor=alice, data=receipt("1000"))
    paid = voucher_create(company=company, actor=alice, data=payment("800"))
    assert paid.change.warnings == []
    altered = voucher_alter(
        company=company, voucher=paid, actor=alice, data=payment("2500"), version=1
    )
    assert altered.change.warnings == [WARNING]
    narrated = voucher_alter(
        company=company, voucher=altered, actor=alice, data={"narration": "Rent"}, version=2
    )
    assert narrated.change.warnings == []  # it moves no money


def test_the_setting_off_gives_no_warning(company, alice, ledgers):
    Company.objects.filter(pk=company.pk).update(warn_negative_cash=False)
    voucher = voucher_create(company=company, actor=alice, data=payment("1500"))
    assert voucher.change.warnings == []
    assert balance(ledgers["cash"]) == -1500


def test_the_json_answer_carries_the_warning(company, api, ledgers):
    answer = api.post(f"/c/{company.pk}/vouchers/", payment("1500"), "application/json")
    assert answer.status_code == 201
    assert answer.json()["warnings"] == [WARNING]
    quiet = api.post(f"/c/{company.pk}/vouchers/", receipt("3000"), "application/json")
    assert quiet.json()["warnings"] == []


def test_the_json_answer_without_the_setting(company, api, ledgers):
    Company.objects.filter(pk=company.pk).update(warn_negative_cash=False)
    answer = api.post(f"/c/{company.pk}/vouchers/", payment("1500"), "application/json")
    assert (answer.status_code, answer.json()["warnings"]) == (201, [])


@pytest.mark.parametrize("warn", [True, False])
def test_the_page_shows_the_warning_after_the_redirect(company, alice, ledgers, warn):
    Company.objects.filter(pk=company.pk).update(warn_negative_cash=warn)
    browser = Client()
    browser.force_login(alice)
    form = {
        "type": "payment",
        "date": "26-Nov-2026",
        "entries-0-side": "Dr",
        "entries-0-ledger": "Rent",
        "entries-0-amount": "1,500",
        "entries-1-side": "Cr",
        "entries-1-ledger": "Cash",
        "entries-1-amount": "1,500",
    }
    answer = browser.post(f"/c/{company.pk}/vouchers/", form, follow=True)
    assert answer.redirect_chain[0][1] == 302
    page = answer.content.decode()
    assert "Payment No. 1 saved" in page
    assert (f'<p class="message warning">{WARNING}</p>' in page) is warn
    assert Voucher.objects.count() == 1


def test_the_alteration_page_shows_the_warning(company, alice, ledgers):
    paid = voucher_create(company=company, actor=alice, data=payment("100", cash="HDFC Bank"))
    browser = Client()
    browser.force_login(alice)
    form = {
        "type": "payment",
        "date": "26-Nov-2026",
        "version": "1",
        "entries-0-side": "Dr",
        "entries-0-ledger": "Rent",
        "entries-0-amount": "1500",
        "entries-1-side": "Cr",
        "entries-1-ledger": "Cash",
        "entries-1-amount": "1500",
    }
    answer = browser.post(f"/c/{company.pk}/vouchers/{paid.pk}/", form, follow=True)
    assert f'<p class="message warning">{WARNING}</p>' in answer.content.decode()
