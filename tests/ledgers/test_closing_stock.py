"""Closing stock of a Stock-in-Hand ledger: entered, altered and removed through the unit of
work (a Change each), refused for other ledgers, and read by the final accounts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from core.errors import Invalid, NotAllowed, StaleVersion
from editlog.models import Change
from ledgers.models import ClosingStock
from ledgers.services import closing_stock_delete, closing_stock_set
from reports.selectors import balance_sheet_get, profit_and_loss_get
from tests.conftest import client_for, make_ledger


@pytest.fixture
def stock(company, alice):
    return make_ledger(company, alice, "Stock", "Stock-in-Hand", opening_debit="5,000")


def test_a_closing_value_is_entered_altered_and_removed_with_a_change_each(company, alice, stock):
    value = closing_stock_set(
        company=company, actor=alice, ledger=stock, data={"date": "30-Apr-2026", "amount": "11,200"}
    )
    assert (value.date, value.amount, value.version) == (dt.date(2026, 4, 30), Decimal("11200"), 1)
    assert value.change.verb == "create" and value.change.object_type == "closing_stock"
    altered = closing_stock_set(
        company=company,
        actor=alice,
        ledger=stock,
        data={"date": "2026-04-30", "amount": "11032"},
        version=1,
    )
    assert altered.pk == value.pk and altered.amount == Decimal("11032")
    assert altered.change.before["amount"] == "11200.00" or altered.change.before["amount"] == 11200
    closing_stock_delete(company=company, actor=alice, value=altered, version=2)
    assert not ClosingStock.objects.exists()
    verbs = list(
        Change.objects.filter(object_type="closing_stock")
        .order_by("seq")
        .values_list("verb", flat=True)
    )
    assert verbs == ["create", "alter", "delete"]


def test_refusals_name_the_field(company, alice, bob, charlie, stock, ledgers):
    with pytest.raises(Invalid) as refused:
        closing_stock_set(
            company=company, actor=alice, ledger=stock, data={"date": "2026-03-31", "amount": "1"}
        )
    assert refused.value.errors == {"date": ["The books begin on 01-Apr-2026."]}
    with pytest.raises(Invalid) as refused:
        closing_stock_set(
            company=company,
            actor=alice,
            ledger=ledgers["sales"],
            data={"date": "2026-04-30", "amount": "1"},
        )
    assert "not under Stock-in-Hand" in refused.value.errors["ledger"][0]
    closing_stock_set(
        company=company, actor=bob, ledger=stock, data={"date": "2026-04-30", "amount": "1"}
    )
    with pytest.raises(Invalid) as refused:
        closing_stock_set(
            company=company, actor=alice, ledger=stock, data={"date": "2026-04-30", "amount": "2"}
        )
    assert "has a closing value for 30-Apr-2026" in refused.value.errors["date"][0]
    with pytest.raises(StaleVersion):
        closing_stock_set(
            company=company,
            actor=alice,
            ledger=stock,
            data={"date": "2026-04-30", "amount": "2"},
            version=7,
        )
    with pytest.raises(NotAllowed):
        closing_stock_set(
            company=company, actor=charlie, ledger=stock, data={"date": "2026-05-31", "amount": "2"}
        )


def test_the_final_accounts_take_the_latest_value_on_or_before_their_day(company, alice, stock):
    closing_stock_set(
        company=company, actor=alice, ledger=stock, data={"date": "2026-04-30", "amount": "8000"}
    )
    closing_stock_set(
        company=company, actor=alice, ledger=stock, data={"date": "2026-06-30", "amount": "9000"}
    )
    may = profit_and_loss_get(
        company=company, date_from=dt.date(2026, 5, 1), date_to=dt.date(2026, 5, 31)
    )
    assert [(x.particulars, x.amount) for x in may.trading_debit][0] == (
        "Opening Stock",
        Decimal("8000"),
    )
    assert ("Closing Stock", Decimal("8000")) in [
        (x.particulars, x.amount) for x in may.trading_credit
    ]
    april = profit_and_loss_get(
        company=company, date_from=dt.date(2026, 4, 1), date_to=dt.date(2026, 4, 30)
    )
    assert april.gross_profit == Decimal("3000")
    sheet = balance_sheet_get(company=company, as_of=dt.date(2026, 7, 1))
    assert sheet.assets[0].amount == Decimal("9000")
    assert sheet.liabilities_total == sheet.assets_total


def test_over_http_json_and_page(company, alice, charlie, stock):
    api = client_for(alice)
    url = f"/c/{company.pk}/ledgers/{stock.pk}/closing-stock/"
    created = api.post(
        url, {"date": "2026-04-30", "amount": "11200"}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["amount"] == "11200.00"
    assert api.get(url).json()[0]["date"] == "2026-04-30"
    assert (
        client_for(charlie)
        .post(url, {"date": "2026-05-30", "amount": "1"}, content_type="application/json")
        .status_code
        == 403
    )
    browser = Client()
    browser.force_login(alice)
    page = browser.get(url)
    assert "11,200.00" in page.content.decode()
    refused = browser.post(url, {"date": "2026-04-30", "amount": "5"})
    assert refused.status_code == 422
    value = ClosingStock.objects.get()
    removed = api.delete(f"/c/{company.pk}/ledgers/closing-stock/{value.pk}/delete/?version=1")
    assert removed.status_code == 204
