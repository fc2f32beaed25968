"""company_create seeds Tally's chart; member_set / member_remove guard the last owner."""

import datetime as dt

import pytest
from django.db import transaction

from books.services import company_create, member_remove, member_set
from companies.models import Company, Membership
from core.errors import Invalid, NotAllowed
from editlog.models import Change
from ledgers.models import Group, Ledger
from vouchers.models import VoucherType

# alice creates companies of her own here: the server lets everyone (staff only is the default,
# tested in tests/test_access.py).
pytestmark = pytest.mark.usefixtures("company_creation_open")


def test_company_create_seeds_tallys_28_groups(alice):
    company = company_create(actor=alice, name="Sharma Traders")
    groups = {g.name: g for g in Group.objects.filter(company=company)}
    assert len(groups) == 28
    assert sum(1 for g in groups.values() if g.parent_id is None) == 15
    assert groups["Sundry Debtors"].parent == groups["Current Assets"]
    assert groups["Bank OD A/c"].parent == groups["Loans (Liability)"]
    assert groups["Sales Accounts"].is_revenue and groups["Sales Accounts"].affects_gross_profit
    assert groups["Indirect Expenses"].is_revenue
    assert not groups["Indirect Expenses"].affects_gross_profit
    assert not groups["Fixed Assets"].is_revenue
    assert groups["Sundry Creditors"].nature == Group.Nature.LIABILITY
    assert {g.name for g in groups.values() if g.is_cash_bank} == {
        "Bank Accounts",
        "Cash-in-Hand",
        "Bank OD A/c",
    }
    revenue = {g.name for g in groups.values() if g.is_revenue and g.parent_id is None}
    assert revenue == {
        "Direct Expenses",
        "Direct Incomes",
        "Indirect Expenses",
        "Indirect Incomes",
        "Purchase Accounts",
        "Sales Accounts",
    }


def test_company_create_seeds_ledgers_and_voucher_types_and_owner(alice):
    company = company_create(actor=alice, name="Sharma Traders")
    assert set(Ledger.objects.filter(company=company).values_list("name", flat=True)) == {
        "Cash",
        "Profit & Loss A/c",
    }
    assert Ledger.objects.get(company=company, name="Cash").group.name == "Cash-in-Hand"
    shortcuts = dict(VoucherType.objects.filter(company=company).values_list("name", "shortcut"))
    assert shortcuts == {
        "Contra": "F4",
        "Payment": "F5",
        "Receipt": "F6",
        "Journal": "F7",
        "Sales": "F8",
        "Purchase": "F9",
        "Credit Note": "Alt+F6",
        "Debit Note": "Alt+F5",
        "Stock Journal": "Alt+F7",
        "Physical Stock": "Alt+F10",
        "Receipt Note": "Alt+F9",
        "Delivery Note": "Alt+F8",
    }
    assert Membership.objects.get(company=company).role == "owner"


def test_company_create_defaults_to_the_april_financial_year(alice):
    company = company_create(actor=alice, name="Sharma Traders")
    assert (company.financial_year_start.month, company.financial_year_start.day) == (4, 1)
    assert company.books_beginning == company.financial_year_start


def test_financial_year_of_turns_on_the_first_of_april(alice):
    company = company_create(
        actor=alice, name="Sharma Traders", financial_year_start=dt.date(2026, 4, 1)
    )
    assert company.financial_year_of(dt.date(2026, 4, 1)) == 2026
    assert company.financial_year_of(dt.date(2027, 3, 31)) == 2026
    assert company.financial_year_of(dt.date(2026, 3, 31)) == 2025


def test_company_create_records_a_change_on_commit(alice):
    company = company_create(actor=alice, name="Sharma Traders")
    change = Change.objects.get(company=company)
    assert (change.seq, change.verb, change.object_type, change.actor) == (
        1,
        "create",
        "company",
        alice,
    )
    assert change.after["name"] == "Sharma Traders"
    assert company.last_seq == 1


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"name": "  "}, "name", "cannot be empty"),
        ({"name": "x" * 201}, "name", "At most 200"),
        ({"name": "A", "gstin": "27AAPFU0939F1Z"}, "gstin", "15 characters"),
        ({"name": "A", "gstin": "27AAPFU0939F1ZW"}, "gstin", "check character"),
        (
            {
                "name": "A",
                "financial_year_start": dt.date(2026, 4, 1),
                "books_beginning": dt.date(2026, 3, 1),
            },
            "books_beginning",
            "before the financial year",
        ),
    ],
)
def test_company_create_rejects_bad_input_and_writes_nothing(alice, kwargs, field, message):
    with pytest.raises(Invalid) as caught:
        company_create(actor=alice, **kwargs)
    assert message in " ".join(caught.value.errors[field])
    assert Company.objects.count() == 0
    assert Group.objects.count() == 0


def test_company_create_accepts_a_valid_gstin(alice):
    company = company_create(actor=alice, name="A", gstin="27aapfu0939f1zv")
    assert company.gstin == "27AAPFU0939F1ZV"


def test_owner_adds_and_changes_a_member(company, alice, dave):
    membership = member_set(company=company, actor=alice, username="dave", role="viewer")
    assert membership.role == "viewer"
    member_set(company=company, actor=alice, username="dave", role="accountant")
    assert Membership.objects.get(company=company, user=dave).role == "accountant"
    verbs = list(
        Change.objects.filter(company=company, object_type="membership").values_list(
            "verb", flat=True
        )
    )
    assert verbs == ["create", "alter"]


def test_only_owners_manage_members(company, bob, dave):
    with pytest.raises(NotAllowed, match="accountant"):
        member_set(company=company, actor=bob, username="dave", role="viewer")


def test_member_set_rejects_unknown_user_and_role(company, alice):
    with pytest.raises(Invalid, match="No user 'nobody' can be added"):
        member_set(company=company, actor=alice, username="nobody", role="viewer")
    with pytest.raises(Invalid, match="Choose one of"):
        member_set(company=company, actor=alice, username="bob", role="admin")


def test_the_last_owner_cannot_leave_or_be_demoted(company, alice):
    with pytest.raises(Invalid, match="at least one owner"):
        member_set(company=company, actor=alice, username="alice", role="viewer")
    with pytest.raises(Invalid, match="at least one owner"):
        member_remove(company=company, actor=alice, username="alice")


def test_owner_removes_a_member(company, alice, charlie):
    member_remove(company=company, actor=alice, username="charlie")
    assert not Membership.objects.filter(company=company, user=charlie).exists()
    assert Change.objects.filter(company=company, verb="delete").count() == 1


def test_a_failed_save_records_no_change_and_keeps_the_seq(company, alice):
    seq = Company.objects.get(pk=company.pk).last_seq
    with pytest.raises(Invalid):
        member_set(company=company, actor=alice, username="alice", role="viewer")
    assert Company.objects.get(pk=company.pk).last_seq == seq
    assert Change.objects.filter(company=company).count() == seq


def test_services_refuse_to_run_inside_an_outer_transaction(alice):
    """Each service is its own durable transaction: nesting it would hide a partial save."""
    with pytest.raises(RuntimeError), transaction.atomic():
        company_create(actor=alice, name="Nested")
