"""voucher_create / alter / cancel / delete: double entry, Tally's type rules, numbering,
balances kept in the same transaction, and one Change per save."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from companies.models import Company
from core.errors import Invalid, NotAllowed, StaleVersion
from editlog.models import Change
from ledgers.models import LedgerDay
from tests.conftest import DAY, balance, sale
from vouchers.models import Entry, Voucher
from vouchers.services import voucher_alter, voucher_cancel, voucher_create, voucher_delete


def test_voucher_create_posts_to_both_ledgers(company, alice, ledgers):
    voucher = voucher_create(company=company, actor=alice, data=sale("1,00,000"))
    assert (voucher.number, voucher.financial_year, voucher.version) == (1, 2026, 1)
    assert balance(ledgers["party"]) == Decimal("100000.00")
    assert balance(ledgers["sales"]) == Decimal("-100000.00")
    assert LedgerDay.objects.get(ledger=ledgers["party"], date=DAY).debit == Decimal("100000.00")
    amounts = list(voucher.entries.order_by("position").values_list("amount", "date"))
    assert amounts == [(Decimal("100000.00"), DAY), (Decimal("-100000.00"), DAY)]


def test_voucher_create_records_a_change_with_the_voucher(company, alice, ledgers):
    seq = Company.objects.get(pk=company.pk).last_seq
    voucher = voucher_create(company=company, actor=alice, data=sale())
    change = voucher.change
    assert change.seq == seq + 1
    assert (change.verb, change.object_type, change.object_id) == ("create", "voucher", voucher.pk)
    assert change.before is None
    assert change.after["entries"][0] == {
        "ledger_id": ledgers["party"].pk,
        "ledger": "Sharma Enterprises",
        "debit": Decimal("100000.00"),
        # The party keeps bills (Sundry Debtors): the invoice is a New Ref named by its number,
        # due the same day (no credit period).
        "bills": [
            {
                "type": "New Ref",
                "name": str(voucher.number),
                "debit": Decimal("100000.00"),
                "due_date": voucher.date,
            }
        ],
    }


def test_the_server_numbers_vouchers_per_type_and_financial_year(company, alice, ledgers):
    first = voucher_create(company=company, actor=alice, data=sale(number=99))
    second = voucher_create(company=company, actor=alice, data=sale())
    next_year = voucher_create(company=company, actor=alice, data=sale(date="2027-04-01"))
    receipt = voucher_create(
        company=company,
        actor=alice,
        data={
            "type": "Receipt",
            "date": "2026-11-26",
            "entries": [
                {"ledger": "Cash", "debit": "500"},
                {"ledger": "Sharma Enterprises", "credit": "500"},
            ],
        },
    )
    assert [first.number, second.number, next_year.number, receipt.number] == [1, 2, 1, 1]
    assert next_year.financial_year == 2027


def test_unbalanced_voucher_is_refused_with_the_difference(company, alice, ledgers):
    data = sale()
    data["entries"][1]["credit"] = "99000"
    with pytest.raises(Invalid) as caught:
        voucher_create(company=company, actor=alice, data=data)
    assert caught.value.errors["entries"] == [
        "Debit 1,00,000.00 ≠ Credit 99,000.00: difference 1,000.00."
    ]
    assert Voucher.objects.count() == 0
    assert Entry.objects.count() == 0
    assert balance(ledgers["party"]) == 0


def test_balance_is_checked_to_the_paisa(company, alice, ledgers):
    data = sale()
    data["entries"][1]["credit"] = "99999.99"
    with pytest.raises(Invalid, match="difference 0.01"):
        voucher_create(company=company, actor=alice, data=data)


@pytest.mark.parametrize(
    ("entries", "field", "message"),
    [
        ([{"ledger": "Cash", "debit": "1"}], "entries", "at least two lines"),
        ("Cash 100", "entries", "at least two lines"),
        (
            [{"ledger": "Cash", "debit": "1", "credit": "1"}, {"ledger": "Sales", "credit": "1"}],
            "entries.0.debit",
            "either a debit or a credit",
        ),
        (
            [{"ledger": "Nobody", "debit": "1"}, {"ledger": "Sales", "credit": "1"}],
            "entries.0.ledger",
            "No ledger 'Nobody'",
        ),
        (
            [{"ledger": "Cash", "debit": "0"}, {"ledger": "Sales", "credit": "0"}],
            "entries.0.debit",
            "more than zero",
        ),
        (
            [{"ledger": "Cash", "debit": "1.001"}, {"ledger": "Sales", "credit": "1.001"}],
            "entries.1.credit",
            "two decimals",
        ),
    ],
)
def test_voucher_lines_are_checked(company, alice, ledgers, entries, field, message):
    data = {"type": "Sales", "date": "2026-11-26", "entries": entries}
    with pytest.raises(Invalid) as caught:
        voucher_create(company=company, actor=alice, data=data)
    assert message in " ".join(caught.value.errors[field])
    assert Change.objects.filter(object_type="voucher").count() == 0


def test_ledgers_of_another_company_are_unknown(company, alice, dave, ledgers):
    from books.services import company_create
    from tests.conftest import make_ledger

    other = company_create(actor=dave, name="Gupta & Sons")
    foreign = make_ledger(other, dave, "Secret Party", "Sundry Debtors")
    data = sale()
    data["entries"][0]["ledger"] = foreign.pk
    with pytest.raises(Invalid) as caught:
        voucher_create(company=company, actor=alice, data=data)
    assert "No ledger" in caught.value.errors["entries.0.ledger"][0]


def test_a_voucher_cannot_predate_the_books(company, alice, ledgers):
    with pytest.raises(Invalid, match="books begin on 01-Apr-2026"):
        voucher_create(company=company, actor=alice, data=sale(date="2026-03-31"))


@pytest.mark.parametrize(
    ("voucher_type", "entries", "field", "message"),
    [
        (
            "Contra",
            [("Cash", "debit"), ("Sales", "credit")],
            "entries.1.credit",
            "Contra: Sales is not a Cash or Bank ledger; "
            "a Contra moves money between Cash and Bank ledgers only.",
        ),
        (
            "Payment",
            [("Rent", "debit"), ("Sharma Enterprises", "credit")],
            "entries.1.credit",
            "Payment: Sharma Enterprises is not a Cash or Bank ledger; "
            "a Payment credits only Cash or Bank (use a Journal).",
        ),
        (
            "Payment",
            [("HDFC Bank", "debit"), ("Cash", "credit")],
            "entries.0.debit",
            "Payment: HDFC Bank is a Cash or Bank ledger; "
            "a Payment debits no Cash or Bank ledger (cash into a bank is a Contra).",
        ),
        (
            "Receipt",
            [("Rent", "debit"), ("Sales", "credit")],
            "entries.0.debit",
            "Receipt: Rent is not a Cash or Bank ledger; "
            "a Receipt debits only Cash or Bank (use a Journal).",
        ),
        (
            "Receipt",
            [("Cash", "debit"), ("HDFC Bank", "credit")],
            "entries.1.credit",
            "Receipt: HDFC Bank is a Cash or Bank ledger; "
            "a Receipt credits no Cash or Bank ledger (cash out of a bank is a Contra).",
        ),
        (
            "Journal",
            [("Rent", "debit"), ("HDFC Bank", "credit")],
            "entries.1.credit",
            "Journal: HDFC Bank is a Cash or Bank ledger; "
            "a Journal uses no Cash or Bank ledger (use Payment, Receipt or Contra).",
        ),
    ],
)
def test_tallys_voucher_type_rules(company, alice, ledgers, voucher_type, entries, field, message):
    """Each line that breaks its type's rule is refused on its own field, naming the ledger
    and the rule; nothing is written."""
    data = {
        "type": voucher_type,
        "date": "2026-11-26",
        "entries": [{"ledger": ledger, side: "100"} for ledger, side in entries],
    }
    with pytest.raises(Invalid) as caught:
        voucher_create(company=company, actor=alice, data=data)
    assert caught.value.errors == {field: [message]}
    assert not Voucher.objects.exists()


def test_a_payment_names_every_line_that_breaks_the_rule(company, alice, ledgers):
    data = {
        "type": "Payment",
        "date": "2026-11-26",
        "entries": [
            {"ledger": "Cash", "debit": "100"},
            {"ledger": "Rent", "debit": "50"},
            {"ledger": "Sales", "credit": "150"},
        ],
    }
    with pytest.raises(Invalid) as caught:
        voucher_create(company=company, actor=alice, data=data)
    assert set(caught.value.errors) == {"entries.0.debit", "entries.2.credit"}


@pytest.mark.parametrize(
    ("voucher_type", "entries"),
    [
        ("Contra", [("HDFC Bank", "debit"), ("Cash", "credit")]),
        ("Payment", [("Rent", "debit"), ("Cash", "credit")]),
        ("Payment", [("Gupta Suppliers", "debit"), ("HDFC Bank", "credit")]),
        ("Receipt", [("HDFC Bank", "debit"), ("Sharma Enterprises", "credit")]),
        ("Receipt", [("Cash", "debit"), ("Sales", "credit")]),
        ("Journal", [("Rent", "debit"), ("Gupta Suppliers", "credit")]),
        ("credit note", [("Sales", "debit"), ("Sharma Enterprises", "credit")]),
        ("debit_note", [("Gupta Suppliers", "debit"), ("Purchase", "credit")]),
    ],
)
def test_voucher_types_accept_what_tally_accepts(company, bob, ledgers, voucher_type, entries):
    data = {
        "type": voucher_type,
        "date": "2026-11-26",
        "entries": [{"ledger": ledger, side: "100"} for ledger, side in entries],
    }
    assert voucher_create(company=company, actor=bob, data=data).number == 1


def test_viewers_cannot_write_vouchers(company, charlie, alice, ledgers, voucher):
    with pytest.raises(NotAllowed, match="You are viewer"):
        voucher_create(company=company, actor=charlie, data=sale())
    with pytest.raises(NotAllowed):
        voucher_alter(company=company, voucher=voucher, actor=charlie, data={}, version=1)
    with pytest.raises(NotAllowed):
        voucher_cancel(company=company, voucher=voucher, actor=charlie, version=1)
    with pytest.raises(NotAllowed):
        voucher_delete(company=company, voucher=voucher, actor=charlie, version=1)


def test_strangers_cannot_write_vouchers(company, dave, ledgers):
    with pytest.raises(NotAllowed, match="not a member"):
        voucher_create(company=company, actor=dave, data=sale())


def test_voucher_alter_moves_the_balances(company, alice, bob, ledgers, voucher):
    data = sale("2500", party="Gupta Suppliers", date="2026-12-01")
    altered = voucher_alter(company=company, voucher=voucher, actor=bob, data=data, version=1)
    assert (altered.version, altered.number, altered.date) == (2, 1, dt.date(2026, 12, 1))
    assert balance(ledgers["party"]) == 0
    assert balance(ledgers["supplier"]) == Decimal("2500.00")
    assert balance(ledgers["sales"]) == Decimal("-2500.00")
    assert not LedgerDay.objects.filter(ledger=ledgers["party"]).exists()
    change = altered.change
    assert change.before["version"] == 1
    assert change.before["entries"][0]["ledger"] == "Sharma Enterprises"
    assert change.after["entries"][0]["ledger"] == "Gupta Suppliers"
    assert Voucher.objects.get(pk=voucher.pk).altered_by == bob


def test_voucher_alter_keeps_what_it_was_not_sent(company, alice, ledgers, voucher):
    altered = voucher_alter(
        company=company, voucher=voucher, actor=alice, data={"narration": "Paid"}, version=1
    )
    assert altered.narration == "Paid"
    assert balance(ledgers["party"]) == Decimal("100000.00")
    assert Entry.objects.filter(voucher=voucher).count() == 2


def test_voucher_alter_into_another_type_takes_that_types_next_number(
    company, alice, ledgers, voucher
):
    data = {
        "type": "Journal",
        "entries": [
            {"ledger": "Sharma Enterprises", "debit": "5"},
            {"ledger": "Sales", "credit": "5"},
        ],
    }
    altered = voucher_alter(company=company, voucher=voucher, actor=alice, data=data, version=1)
    assert (altered.voucher_type.name, altered.number) == ("Journal", 1)


def test_voucher_alter_with_a_stale_version_loses_nothing(company, alice, bob, ledgers, voucher):
    voucher_alter(company=company, voucher=voucher, actor=bob, data={"narration": "B"}, version=1)
    with pytest.raises(StaleVersion) as caught:
        voucher_alter(
            company=company, voucher=voucher, actor=alice, data={"narration": "A"}, version=1
        )
    assert (caught.value.current_version, caught.value.altered_by) == (2, "bob")
    assert Voucher.objects.get(pk=voucher.pk).narration == "B"


def test_a_rejected_alter_writes_nothing(company, alice, ledgers, voucher):
    seq = Company.objects.get(pk=company.pk).last_seq
    bad = sale("5")
    bad["entries"][1]["credit"] = "6"
    with pytest.raises(Invalid):
        voucher_alter(company=company, voucher=voucher, actor=alice, data=bad, version=1)
    assert Voucher.objects.get(pk=voucher.pk).version == 1
    assert balance(ledgers["party"]) == Decimal("100000.00")
    assert Company.objects.get(pk=company.pk).last_seq == seq


def test_voucher_cancel_keeps_the_number_and_drops_the_amounts(company, alice, ledgers, voucher):
    cancelled = voucher_cancel(company=company, voucher=voucher, actor=alice, version=1)
    assert cancelled.is_cancelled
    assert Voucher.objects.get(pk=voucher.pk).number == 1
    assert balance(ledgers["party"]) == 0
    assert Entry.objects.filter(voucher=voucher).count() == 0
    assert cancelled.change.verb == "cancel"
    assert len(cancelled.change.before["entries"]) == 2
    with pytest.raises(Invalid, match="already cancelled"):
        voucher_cancel(company=company, voucher=voucher, actor=alice, version=2)
    with pytest.raises(Invalid, match="cannot be altered"):
        voucher_alter(company=company, voucher=voucher, actor=alice, data={}, version=2)


def test_voucher_delete_takes_it_out_of_the_books(company, alice, ledgers, voucher):
    voucher_delete(company=company, voucher=voucher, actor=alice, version=1)
    assert not Voucher.objects.filter(pk=voucher.pk).exists()
    assert balance(ledgers["party"]) == 0
    assert not LedgerDay.objects.exists()
    change = Change.objects.filter(company=company).last()
    assert (change.verb, change.object_id, change.after) == ("delete", voucher.pk, None)
    assert change.before["number"] == 1


def test_voucher_delete_with_a_stale_version_is_refused(company, alice, ledgers, voucher):
    with pytest.raises(StaleVersion):
        voucher_delete(company=company, voucher=voucher, actor=alice, version=7)
    with pytest.raises(Invalid, match="version"):
        voucher_delete(company=company, voucher=voucher, actor=alice, version=None)
    assert Voucher.objects.filter(pk=voucher.pk).exists()


def test_a_failure_after_the_change_rolls_back_everything(company, alice, ledgers, monkeypatch):
    """The voucher, its entries, the totals and the Change commit together or not at all."""
    from editlog.write import UnitOfWork

    real_record = UnitOfWork.record

    def record_then_fail(self, *args, **kwargs):
        real_record(self, *args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(UnitOfWork, "record", record_then_fail)
    seq = Company.objects.get(pk=company.pk).last_seq
    with pytest.raises(RuntimeError):
        voucher_create(company=company, actor=alice, data=sale())
    assert Voucher.objects.count() == 0
    assert not LedgerDay.objects.exists()
    assert balance(ledgers["party"]) == 0
    assert Company.objects.get(pk=company.pk).last_seq == seq
    assert Change.objects.filter(company=company).count() == seq


def test_a_ledger_moved_after_the_draft_was_made_counts_as_it_is_now(company, alice, ledgers):
    """The draft is made before the write lock; under it the lines' ledgers are read again, so
    Tally's type rules see a ledger moved out of Bank Accounts meanwhile (and the Edit Log its
    new name)."""
    from editlog.write import company_write
    from ledgers.services import ledger_alter
    from vouchers.forms import voucher_draft
    from vouchers.services import voucher_post

    contra = {
        "type": "Contra",
        "date": "2026-11-26",
        "entries": [
            {"ledger": "HDFC Bank", "debit": "500"},
            {"ledger": "Cash", "credit": "500"},
        ],
    }
    draft = voucher_draft(company=company, data=contra)
    ledger_alter(
        company=company,
        ledger=ledgers["bank"],
        actor=alice,
        data={"name": "HDFC Loan", "group": "Sundry Creditors"},
        version=1,
    )
    with (
        pytest.raises(Invalid, match="a Contra moves money between Cash and Bank ledgers only"),
        company_write(company=company, actor=alice) as work,
    ):
        voucher_post(work, draft)
    assert not Voucher.objects.exists()
    ledger_alter(
        company=company,
        ledger=ledgers["bank"],
        actor=alice,
        data={"group": "Bank Accounts"},
        version=2,
    )
    with company_write(company=company, actor=alice) as work:
        voucher = voucher_post(work, draft)
    assert voucher.change.after["entries"][0]["ledger"] == "HDFC Loan"


def test_a_refused_post_leaves_the_unit_of_work_as_it_found_it(company, alice, ledgers):
    """An importer that catches one draft's refusal and goes on posting the next in the same
    unit of work finds nothing of the refused one written."""
    from editlog.write import company_write
    from vouchers.forms import voucher_draft
    from vouchers.services import voucher_post

    good = voucher_draft(company=company, data=sale("100.00"))
    bad = voucher_draft(company=company, data={**sale("100.00"), "type": "Journal"})
    bad = replace(bad, lines=[*bad.lines[:1], replace(bad.lines[1], ledger=ledgers["cash"])])
    with company_write(company=company, actor=alice) as work:
        with pytest.raises(Invalid, match="a Journal uses no Cash or Bank ledger"):
            voucher_post(work, bad)
        voucher_post(work, good)
    assert Voucher.objects.count() == 1
    assert Entry.objects.count() == 2
    assert balance(ledgers["party"]) == Decimal("100.00")


def test_a_deleted_vouchers_number_is_never_given_again(company, alice, ledgers):
    """Numbers come from the type's counter, not from the vouchers: deleting the last voucher
    does not free its number (an invoice number is used once), and a cancelled one keeps its."""
    first = voucher_create(company=company, actor=alice, data=sale())
    second = voucher_create(company=company, actor=alice, data=sale())
    voucher_delete(company=company, voucher=second, actor=alice, version=1)
    voucher_cancel(company=company, voucher=first, actor=alice, version=1)
    third = voucher_create(company=company, actor=alice, data=sale())
    assert (first.number, second.number, third.number) == (1, 2, 3)
    assert Voucher.objects.get(pk=first.pk).number == 1


def test_the_counters_start_from_the_vouchers_already_numbered(company, alice, ledgers):
    """The migration that brings the counters fills each from the highest number its type and
    year hold, so the next voucher follows on."""
    from importlib import import_module

    from django.apps import apps

    from vouchers.models import VoucherCounter

    migration = import_module("vouchers.migrations.0002_voucher_counter")
    for _ in range(3):
        voucher_create(company=company, actor=alice, data=sale())
    voucher_create(company=company, actor=alice, data=sale(date="2027-04-01"))
    VoucherCounter.objects.all().delete()
    migration.counters_fill(apps, None)
    assert sorted(VoucherCounter.objects.values_list("financial_year", "last_number")) == [
        (2026, 3),
        (2027, 1),
    ]
    assert voucher_create(company=company, actor=alice, data=sale()).number == 4


def test_a_ledger_altered_after_the_company_was_read_is_read_again(company, alice, ledgers):
    """A draft made after the company was read (at `drafted_at_seq`) is posted with its own
    ledgers only while the Edit Log still ends there; a save in between (here the bank moved
    out of Bank Accounts) moves the log on, and the ledgers are read again under the lock."""
    from editlog.write import company_write
    from ledgers.services import ledger_alter
    from vouchers.forms import voucher_draft
    from vouchers.services import voucher_post

    contra = {
        "type": "Contra",
        "date": "2026-11-26",
        "entries": [
            {"ledger": "HDFC Bank", "debit": "500"},
            {"ledger": "Cash", "credit": "500"},
        ],
    }
    company.refresh_from_db()
    seen = company.last_seq
    draft = voucher_draft(company=company, data=contra)
    ledger_alter(
        company=company,
        ledger=ledgers["bank"],
        actor=alice,
        data={"group": "Sundry Creditors"},
        version=1,
    )
    with (
        pytest.raises(Invalid, match="Contra: HDFC Bank is not a Cash or Bank ledger"),
        company_write(company=company, actor=alice) as work,
    ):
        voucher_post(work, draft, drafted_at_seq=seen)
    assert not Voucher.objects.exists()
