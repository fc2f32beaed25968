"""Company features (Tally's F11): owners switch "Warn on negative cash balance"; members see
it; each change is one Change in the Edit Log, and the books still reconcile with it."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from books.reconcile import records_reconcile
from books.services import company_features_set
from companies.models import Company
from core.errors import Invalid, NotAllowed
from editlog.models import Change
from tests.conftest import client_for


def company_differences(company):
    """What reconciling finds about the company row (the fixture's bob and charlie joined
    without Changes of their own)."""
    return [str(d) for d in records_reconcile(company) if d.object_key.startswith("company:")]


def test_warn_on_negative_cash_is_on_for_a_new_company(company):
    assert company.warn_negative_cash is True


def test_an_owner_switches_it_off_with_a_change(company, alice):
    company_features_set(company=company, actor=alice, data={"warn_negative_cash": False})
    company.refresh_from_db()
    assert company.warn_negative_cash is False
    change = Change.objects.filter(object_type="company").latest("seq")
    assert change.verb == "alter"
    assert (change.before["warn_negative_cash"], change.after["warn_negative_cash"]) == (
        True,
        False,
    )
    assert company_differences(company) == []


def test_the_same_value_again_records_nothing(company, alice):
    seq = Company.objects.get(pk=company.pk).last_seq
    company_features_set(company=company, actor=alice, data={"warn_negative_cash": "true"})
    assert Company.objects.get(pk=company.pk).last_seq == seq


def test_a_company_logged_before_the_setting_existed_reconciles(company):
    """Its creating Change has no `warn_negative_cash`: that means the default, on."""
    change = Change.objects.get(object_type="company", verb="create")
    del change.after["warn_negative_cash"]
    with connection.cursor() as cursor:  # behind the append-only guard, as an old log is
        cursor.execute(
            "UPDATE editlog_change SET after = %s WHERE id = %s",
            [json.dumps(change.after, default=str), change.pk],
        )
    assert company_differences(company) == []
    Company.objects.filter(pk=company.pk).update(warn_negative_cash=False)
    assert company_differences(company) == [
        f"company:{company.pk}: warn_negative_cash differ from the Edit Log's "
        f"#{change.seq} (create)"
    ]


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_only_owners_switch_it(company, who, request):
    with pytest.raises(NotAllowed):
        company_features_set(
            company=company, actor=request.getfixturevalue(who), data={"warn_negative_cash": False}
        )
    assert Company.objects.get(pk=company.pk).warn_negative_cash is True


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"warn_negative_cash": "perhaps"}, "warn_negative_cash", "Answer true or false."),
        ({"warn_negative_cash": None}, "warn_negative_cash", "Answer true or false."),
        (
            {},
            "__all__",
            "Send one of: warn_negative_cash, integrate_inventory, refuse_negative_stock.",
        ),
        ({"refuse_negative_stock": "often"}, "refuse_negative_stock", "Answer true or false."),
    ],
)
def test_a_bad_value_is_refused(company, alice, data, field, message):
    with pytest.raises(Invalid) as caught:
        company_features_set(company=company, actor=alice, data=data)
    assert caught.value.errors == {field: [message]}


def test_the_json_api(company, alice, bob):
    url = f"/c/{company.pk}/features/"
    assert client_for(bob).get(url).json() == {
        "warn_negative_cash": True,
        "integrate_inventory": True,
        "refuse_negative_stock": False,
    }
    assert (
        client_for(bob).post(url, {"warn_negative_cash": False}, "application/json").status_code
        == 403
    )
    answer = client_for(alice).post(url, {"warn_negative_cash": False}, "application/json")
    assert (answer.status_code, answer.json()["warn_negative_cash"]) == (200, False)
    bad = client_for(alice).post(url, {"warn_negative_cash": "maybe"}, "application/json")
    assert bad.status_code == 400
    assert bad.json()["errors"] == {"warn_negative_cash": ["Answer true or false."]}


def test_the_page(company, alice, charlie):
    browser = Client()
    browser.force_login(alice)
    url = f"/c/{company.pk}/features/"
    page = browser.get(url).content.decode()
    assert 'name="warn_negative_cash" value="true" checked' in page
    # An unticked box sends only the hidden "false" before it.
    answer = browser.post(url, {"warn_negative_cash": "false"}, follow=True)
    assert "Company features saved." in answer.content.decode()
    assert 'name="warn_negative_cash" value="true" checked' not in answer.content.decode()
    assert Company.objects.get(pk=company.pk).warn_negative_cash is False
    browser.post(url, {"warn_negative_cash": ["false", "true"]})
    assert Company.objects.get(pk=company.pk).warn_negative_cash is True
    viewer = Client()
    viewer.force_login(charlie)
    page = viewer.get(url).content.decode()
    assert "disabled" in page and "Accept" not in page


def test_inventory_features_of_a_new_company(company):
    """Integrated with inventory, as a new TallyPrime company is; negative stock warned of."""
    assert (company.integrate_inventory, company.refuse_negative_stock) == (True, False)


def test_an_owner_switches_the_inventory_features(company, alice):
    company_features_set(
        company=company,
        actor=alice,
        data={"integrate_inventory": "false", "refuse_negative_stock": True},
    )
    company.refresh_from_db()
    assert (company.integrate_inventory, company.refuse_negative_stock) == (False, True)
    change = Change.objects.filter(object_type="company").latest("seq")
    assert (change.before["integrate_inventory"], change.after["integrate_inventory"]) == (
        True,
        False,
    )
    assert change.after["refuse_negative_stock"] is True
    assert company_differences(company) == []


def test_a_company_logged_before_inventory_reads_as_not_integrated(company):
    """Migration 0008 leaves a company made before inventory with its entered closing stock
    values: its older Changes, without the keys, mean off for both."""
    change = Change.objects.get(object_type="company", verb="create")
    del change.after["integrate_inventory"], change.after["refuse_negative_stock"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE editlog_change SET after = %s WHERE id = %s",
            [json.dumps(change.after, default=str), change.pk],
        )
    Company.objects.filter(pk=company.pk).update(integrate_inventory=False)
    assert company_differences(company) == []


@pytest.mark.django_db(transaction=True)
def test_migration_0008_leaves_an_older_company_with_its_entered_closing_stock(company):
    executor = MigrationExecutor(connection)
    executor.migrate([("companies", "0007_gst_registration")])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    older = Company.objects.get(pk=company.pk)
    assert (older.integrate_inventory, older.refuse_negative_stock) == (False, False)
