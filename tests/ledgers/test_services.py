"""ledger_create / ledger_alter / ledger_delete and group_create: rules, versions, Changes."""

from decimal import Decimal

import pytest

from core.errors import Invalid, NotAllowed, StaleVersion
from editlog.models import Change
from ledgers.models import Group, Ledger
from ledgers.services import group_create, ledger_alter, ledger_create, ledger_delete
from tests.conftest import balance, make_ledger


def test_ledger_create_with_an_opening_balance(company, alice):
    ledger = make_ledger(
        company, alice, "Sharma Enterprises", "Sundry Debtors", opening_debit="5,000"
    )
    assert ledger.opening_balance == Decimal("5000.00")
    assert ledger.group.name == "Sundry Debtors"
    assert ledger.version == 1
    change = ledger.change
    assert (change.verb, change.object_type, change.after["opening_balance"]) == (
        "create",
        "ledger",
        Decimal("5000.00"),
    )


def test_a_credit_opening_balance_is_negative(company, alice):
    ledger = make_ledger(
        company, alice, "Gupta Suppliers", "Sundry Creditors", opening_credit="250.50"
    )
    assert ledger.opening_balance == Decimal("-250.50")
    assert balance(ledger) == Decimal("-250.50")


def test_ledger_names_are_unique_per_company_ignoring_case(company, alice):
    make_ledger(company, alice, "Sharma Enterprises", "Sundry Debtors")
    with pytest.raises(Invalid, match="already exists"):
        make_ledger(company, alice, "SHARMA enterprises", "Sundry Debtors")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "group": "Sundry Debtors"}, "name", "cannot be empty"),
        ({"name": "X", "group": "Nowhere"}, "group", "Choose a group"),
        ({"name": "X"}, "group", "Choose a group"),
        (
            {"name": "X", "group": "Sundry Debtors", "opening_debit": "1", "opening_credit": "1"},
            "opening_credit",
            "not both",
        ),
        (
            {"name": "X", "group": "Sundry Debtors", "opening_debit": "-5"},
            "opening_debit",
            "digits",
        ),
        ({"name": "X", "group": "Sundry Debtors", "gstin": "ABC"}, "gstin", "15 characters"),
        ({"name": "Tab\x07", "group": "Sundry Debtors"}, "name", "control characters"),
    ],
)
def test_ledger_create_rejects_bad_input(company, alice, data, field, message):
    count = Ledger.objects.count()
    with pytest.raises(Invalid) as caught:
        ledger_create(company=company, actor=alice, data=data)
    assert message in " ".join(caught.value.errors[field])
    assert Ledger.objects.count() == count


def test_viewers_cannot_create_ledgers(company, charlie):
    with pytest.raises(NotAllowed, match="viewer"):
        make_ledger(company, charlie, "X", "Sundry Debtors")


def test_ledger_alter_bumps_the_version_and_records_before_and_after(company, alice, ledgers):
    party = ledgers["party"]
    altered = ledger_alter(
        company=company,
        ledger=party,
        actor=alice,
        data={"name": "Sharma Enterprises Pvt Ltd", "opening_debit": "100"},
        version=1,
    )
    assert altered.version == 2
    assert balance(party) == Decimal("100.00")
    assert altered.change.before["name"] == "Sharma Enterprises"
    assert altered.change.after["name"] == "Sharma Enterprises Pvt Ltd"
    assert Ledger.objects.get(pk=party.pk).group.name == "Sundry Debtors"


def test_ledger_alter_with_a_stale_version_is_refused(company, alice, bob, ledgers):
    party = ledgers["party"]
    ledger_alter(company=company, ledger=party, actor=bob, data={"state": "Goa"}, version=1)
    with pytest.raises(StaleVersion) as caught:
        ledger_alter(
            company=company, ledger=party, actor=alice, data={"state": "Kerala"}, version=1
        )
    assert caught.value.current_version == 2
    assert caught.value.altered_by == "bob"
    assert "altered by bob" in str(caught.value)
    assert Ledger.objects.get(pk=party.pk).state == "Goa"


def test_ledger_delete_of_an_unused_ledger(company, alice, ledgers):
    ledger_delete(company=company, ledger=ledgers["rent"], actor=alice, version=1)
    assert not Ledger.objects.filter(pk=ledgers["rent"].pk).exists()
    change = Change.objects.filter(company=company).last()
    assert (change.verb, change.before["name"], change.after) == ("delete", "Rent", None)


def test_a_ledger_with_entries_cannot_be_deleted(company, alice, ledgers, voucher):
    with pytest.raises(Invalid, match="1 voucher uses Sharma Enterprises"):
        ledger_delete(company=company, ledger=ledgers["party"], actor=alice, version=1)
    assert Ledger.objects.filter(pk=ledgers["party"].pk).exists()


def test_profit_and_loss_cannot_be_deleted(company, alice):
    pnl = Ledger.objects.get(company=company, name="Profit & Loss A/c")
    with pytest.raises(Invalid, match="stays"):
        ledger_delete(company=company, ledger=pnl, actor=alice, version=1)


def test_group_create_inherits_its_parents_nature(company, bob):
    group = group_create(company=company, actor=bob, name="HDFC Branches", parent="Bank Accounts")
    assert group.nature == Group.Nature.ASSET
    assert group.is_cash_bank
    ledger = make_ledger(company, bob, "HDFC Andheri", "HDFC Branches")
    assert ledger.group == group


def test_group_create_rejects_duplicates_and_unknown_parents(company, bob):
    with pytest.raises(Invalid, match="already exists"):
        group_create(company=company, actor=bob, name="sundry debtors", parent="Current Assets")
    with pytest.raises(Invalid, match="goes under"):
        group_create(company=company, actor=bob, name="Mine", parent="Nowhere")


def test_profit_and_loss_stays_even_renamed(company, alice):
    pnl = Ledger.objects.get(company=company, name="Profit & Loss A/c")
    renamed = ledger_alter(company=company, ledger=pnl, actor=alice, data={"name": "PL"}, version=1)
    with pytest.raises(Invalid, match="PL is Tally's own"):
        ledger_delete(company=company, ledger=renamed, actor=alice, version=2)
