"""/c/<cid>/ledgers/ over HTTP."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import make_ledger


def test_ledger_create_answers_with_the_closing_balance(company, api):
    answer = api.post(
        f"/c/{company.pk}/ledgers/",
        {"name": "Sharma Enterprises", "group": "Sundry Debtors", "opening_debit": "5000.00"},
        content_type="application/json",
    )
    assert answer.status_code == 201
    body = answer.json()
    assert (body["closing_balance"], body["closing_side"], body["version"]) == ("5000.00", "Dr", 1)


def test_ledger_shows_its_balance_after_a_sale(company, api, ledgers, voucher):
    body = api.get(f"/c/{company.pk}/ledgers/{ledgers['sales'].pk}/").json()
    assert (body["closing_balance"], body["closing_side"]) == ("100000.00", "Cr")


def test_ledger_alter_and_delete(company, api, ledgers):
    url = f"/c/{company.pk}/ledgers/{ledgers['rent'].pk}/"
    altered = api.patch(url, {"name": "Office Rent", "version": 1}, content_type="application/json")
    assert altered.json()["name"] == "Office Rent"
    assert api.delete(url, {"version": 1}, content_type="application/json").status_code == 409
    assert api.delete(url, {"version": 2}, content_type="application/json").status_code == 204


def test_a_used_ledger_is_not_deleted_over_http(company, api, ledgers, voucher):
    answer = api.delete(f"/c/{company.pk}/ledgers/{ledgers['party'].pk}/?version=1")
    assert answer.status_code == 400
    assert "1 voucher uses" in answer.json()["errors"]["__all__"][0]


@pytest.mark.parametrize("count", [1, 30])
def test_the_ledger_list_reads_in_a_fixed_number_of_queries(
    config_cached, company, alice, api, count
):
    for i in range(count):
        make_ledger(company, alice, f"Party {i}", "Sundry Debtors")
    with CaptureQueriesContext(connection) as queries:
        answer = api.get(f"/c/{company.pk}/ledgers/")
    assert len(answer.json()) == count + 2
    assert len(queries) <= 4


def test_groups_list_and_create(company, api):
    url = f"/c/{company.pk}/ledgers/groups/"
    assert len(api.get(url).json()) == 28
    answer = api.post(
        url, {"name": "Branch Debtors", "parent": "Sundry Debtors"}, content_type="application/json"
    )
    assert answer.status_code == 201
    assert answer.json()["nature"] == "asset"
