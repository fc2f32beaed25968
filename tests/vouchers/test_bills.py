"""Bill-wise details on voucher lines (issue 18): New Ref / Agst Ref / Advance / On Account, the
rules that refuse a wrong allocation and write nothing, settling and re-opening on alteration,
cancellation and deletion, opening bills, bank instruments and the bank date they carry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from companies.models import Company
from core.errors import Invalid
from editlog.write import company_write
from ledgers.models import Ledger, OpeningBill
from ledgers.services import ledger_alter
from tests.conftest import DAY, make_ledger
from vouchers.bills import BankDetail, bills_pending
from vouchers.forms import voucher_draft
from vouchers.models import BankAllocation, BillAllocation, Voucher
from vouchers.services import (
    voucher_alter,
    voucher_cancel,
    voucher_create,
    voucher_delete,
    vouchers_post_many,
)

D = Decimal


def invoice(amount: str, *, party: str = "Sharma Enterprises", bills: Any = None, **extra: Any):
    line: dict[str, Any] = {"ledger": party, "debit": amount}
    if bills is not None:
        line["bills"] = bills
    return {
        "type": "Sales",
        "date": DAY.isoformat(),
        "entries": [line, {"ledger": "Sales", "credit": amount}],
        **extra,
    }


def receipt(amount: str, *, party: str = "Sharma Enterprises", bills: Any = None, **extra: Any):
    line: dict[str, Any] = {"ledger": party, "credit": amount}
    if bills is not None:
        line["bills"] = bills
    return {
        "type": "Receipt",
        "date": DAY.isoformat(),
        "entries": [{"ledger": "HDFC Bank", "debit": amount}, line],
        **extra,
    }


def agst(name: str, amount: str) -> dict[str, str]:
    return {"type": "Agst Ref", "name": name, "amount": amount}


def pending(company: Company, **kw: Any) -> dict[tuple[str, str], Decimal]:
    return {(b.party, b.name): b.pending for b in bills_pending(company_id=company.pk, **kw)}


def books_state(company: Company) -> tuple:
    company = Company.objects.get(pk=company.pk)
    return (
        company.last_seq,
        Voucher.objects.filter(company=company).count(),
        BillAllocation.objects.count(),
        BankAllocation.objects.count(),
        list(Ledger.objects.filter(company=company).values_list("total_debit", "total_credit")),
    )


def refused(company: Company, call: Any) -> dict[str, list[str]]:
    """What `call` was refused with; it wrote nothing."""
    before = books_state(company)
    with pytest.raises(Invalid) as refusal:
        call()
    assert books_state(company) == before
    return refusal.value.errors


@pytest.fixture
def sold(company, alice, ledgers):
    """INV-1 for 10,000 to Sharma Enterprises, 30 days' credit."""
    return voucher_create(
        company=company,
        actor=alice,
        data=invoice(
            "10000",
            bills=[{"type": "New Ref", "name": "INV-1", "amount": "10000", "credit_days": 30}],
        ),
    )


def test_a_new_ref_makes_a_bill_due_after_its_credit_period(company, sold):
    (bill,) = bills_pending(company_id=company.pk)
    assert (bill.party, bill.name, bill.date, bill.pending) == (
        "Sharma Enterprises",
        "INV-1",
        DAY,
        D("10000.00"),
    )
    assert bill.due_date == DAY + dt.timedelta(days=30)
    assert bill.overdue_days(DAY + dt.timedelta(days=45)) == 15
    assert bill.overdue_days(DAY) == 0
    assert sold.change.after["entries"][0]["bills"] == [
        {"type": "New Ref", "name": "INV-1", "debit": D("10000.00"), "due_date": bill.due_date}
    ]


def test_an_invoice_sent_without_bills_is_a_new_ref_named_by_its_ref_or_number(
    company, alice, ledgers
):
    make_ledger(company, alice, "Verma Traders", "Sundry Debtors", credit_days="15")
    first = voucher_create(company=company, actor=alice, data=invoice("500", party="Verma Traders"))
    voucher_create(
        company=company, actor=alice, data=invoice("700", party="Verma Traders", reference="B/77")
    )
    assert pending(company) == {
        ("Verma Traders", str(first.number)): D("500.00"),
        ("Verma Traders", "B/77"): D("700.00"),
    }
    (bill, _) = bills_pending(company_id=company.pk)
    assert bill.due_date == DAY + dt.timedelta(days=15)  # the ledger's credit period
    # a receipt sent without bills goes On Account: no bill, the balance still right
    voucher_create(company=company, actor=alice, data=receipt("200", party="Verma Traders"))
    assert BillAllocation.objects.filter(kind="on_account").count() == 1
    assert len(pending(company)) == 2


def test_receipts_settle_a_bill_in_part_then_whole(company, alice, sold):
    voucher_create(
        company=company, actor=alice, data=receipt("4000", bills=[agst("INV-1", "4000")])
    )
    assert pending(company) == {("Sharma Enterprises", "INV-1"): D("6000.00")}
    # names are matched whatever their case
    voucher_create(
        company=company, actor=alice, data=receipt("6000", bills=[agst("inv-1", "6000")])
    )
    assert pending(company) == {}
    # as of the invoice's day the bill was whole (the receipts are dated the same day here)
    assert pending(company, as_of=DAY - dt.timedelta(days=1)) == {}


def test_allocations_that_do_not_add_up_are_refused_and_write_nothing(company, alice, sold):
    errors = refused(
        company,
        lambda: voucher_create(
            company=company, actor=alice, data=receipt("5000", bills=[agst("INV-1", "4000")])
        ),
    )
    assert errors == {
        "entries.1.bills": [
            "The bills of Sharma Enterprises add up to 4,000.00 Cr; the line is 5,000.00 Cr: "
            "1,000.00 Cr is not allocated."
        ]
    }


def test_agst_ref_against_another_partys_bill_is_refused(company, alice, ledgers, sold):
    make_ledger(company, alice, "Verma Traders", "Sundry Debtors")
    errors = refused(
        company,
        lambda: voucher_create(
            company=company,
            actor=alice,
            data=receipt("100", party="Verma Traders", bills=[agst("INV-1", "100")]),
        ),
    )
    assert errors == {
        "entries.1.bills.0.name": ["INV-1 is a bill of Sharma Enterprises, not of Verma Traders."]
    }


def test_a_bill_is_never_over_settled(company, alice, sold):
    errors = refused(
        company,
        lambda: voucher_create(
            company=company, actor=alice, data=receipt("12000", bills=[agst("INV-1", "12000")])
        ),
    )
    (message,) = errors["entries.1.bills.0.amount"]
    assert message.startswith(
        "Bill INV-1 of Sharma Enterprises has 10,000.00 Dr pending now; this settles 12,000.00."
    )
    # two Agst Refs to one bill on one line count together
    errors = refused(
        company,
        lambda: voucher_create(
            company=company,
            actor=alice,
            data=receipt("12000", bills=[agst("INV-1", "6000"), agst("INV-1", "6000")]),
        ),
    )
    assert "entries.1.bills.1.amount" in errors


def test_refusals_name_the_rule(company, alice, ledgers, sold):
    cases = [
        # an unknown bill
        (receipt("10", bills=[agst("INV-9", "10")]), "entries.1.bills.0.name",
         "Sharma Enterprises has no bill INV-9 to settle."),
        # a second bill of the same name
        (invoice("10", bills=[{"type": "New Ref", "name": "INV-1", "amount": "10"}]),
         "entries.0.bills.0.name",
         "Sharma Enterprises already has a bill INV-1: settle it with Agst Ref, or give the new "
         "bill another name."),
        # an Agst Ref on the bill's own side adds to it
        (invoice("10", bills=[agst("INV-1", "10")]), "entries.0.bills.0.amount",
         "Bill INV-1 of Sharma Enterprises has 10,000.00 Dr pending: an Agst Ref of 10.00 Dr "
         "adds to it instead of settling it."),
        # bills on a ledger that keeps none
        ({"type": "Journal", "date": DAY.isoformat(), "entries": [
            {"ledger": "Rent", "debit": "10", "bills": [agst("INV-1", "10")]},
            {"ledger": "Sharma Enterprises", "credit": "10"}]},
         "entries.0.bills",
         "Rent does not keep bills: turn on “Maintain balances bill-by-bill” in the ledger to "
         "allocate its lines to bills."),
        # an instrument on a ledger that is not a bank
        ({"type": "Payment", "date": DAY.isoformat(), "entries": [
            {"ledger": "Rent", "debit": "10"},
            {"ledger": "Cash", "credit": "10", "instrument_number": "000123"}]},
         "entries.1.instrument_type",
         "Cash is not a bank ledger: cheque and instrument details go on a line of a bank "
         "ledger."),
    ]  # fmt: skip
    for data, field, message in cases:
        errors = refused(
            company, lambda data=data: voucher_create(company=company, actor=alice, data=data)
        )
        assert errors == {field: [message]}, data


def test_the_form_names_each_bad_field(company, ledgers):
    data = receipt(
        "10",
        bills=[
            {"type": "Against", "name": "X", "amount": "10"},
            {"type": "Agst Ref", "amount": "10"},
            {"type": "On Account", "name": "X", "amount": "10"},
            {"type": "Advance", "name": "A", "amount": "-3", "credit_days": "9"},
        ],
    )
    with pytest.raises(Invalid) as refusal:
        voucher_draft(company=company, data=data)
    errors = refusal.value.errors
    assert errors["entries.1.bills.0.type"] == [
        "A bill's type is New Ref, Agst Ref, Advance or On Account."
    ]
    assert errors["entries.1.bills.1.name"] == ["Name the bill of this Agst Ref."]
    assert errors["entries.1.bills.2.name"] == ["On Account is not a bill: it takes no name."]
    assert errors["entries.1.bills.3.credit_days"] == [
        "Only a New Ref has a credit period or due date."
    ]
    assert "entries.1.bills.3.amount" in errors


def test_altering_or_deleting_a_receipt_reopens_what_it_settled(company, alice, sold):
    paid = voucher_create(
        company=company, actor=alice, data=receipt("4000", bills=[agst("INV-1", "4000")])
    )
    assert pending(company) == {("Sharma Enterprises", "INV-1"): D("6000.00")}
    # altering it to settle less: the bill's pending is judged without this receipt's own part
    paid = voucher_alter(
        company=company,
        voucher=paid,
        actor=alice,
        version=1,
        data={"entries": receipt("10000", bills=[agst("INV-1", "10000")])["entries"]},
    )
    assert pending(company) == {}
    # a narration-only alteration keeps the bills
    paid = voucher_alter(
        company=company, voucher=paid, actor=alice, version=2, data={"narration": "NEFT"}
    )
    assert pending(company) == {}
    # the same lines sent again without bills keep them too
    same = receipt("10000")["entries"]
    paid = voucher_alter(
        company=company, voucher=paid, actor=alice, version=3, data={"entries": same}
    )
    assert pending(company) == {}
    voucher_delete(company=company, voucher=paid, actor=alice, version=4)
    assert pending(company) == {("Sharma Enterprises", "INV-1"): D("10000.00")}


def test_cancelling_a_receipt_reopens_its_bill(company, alice, sold):
    paid = voucher_create(
        company=company, actor=alice, data=receipt("10000", bills=[agst("INV-1", "10000")])
    )
    assert pending(company) == {}
    voucher_cancel(company=company, voucher=paid, actor=alice, version=1)
    assert pending(company) == {("Sharma Enterprises", "INV-1"): D("10000.00")}


def test_opening_bills_are_bills_to_settle(company, alice, ledgers):
    bills = [
        {"name": "OB-1", "date": "2026-03-10", "amount": "3000", "side": "Dr",
         "due_date": "2026-04-09"},
        {"name": "OB-2", "date": "2026-03-20", "amount": "500", "side": "Cr"},
    ]  # fmt: skip
    make_ledger(
        company, alice, "Old Customer", "Sundry Debtors", opening_debit="2500", opening_bills=bills
    )
    assert pending(company) == {
        ("Old Customer", "OB-1"): D("3000.00"),
        ("Old Customer", "OB-2"): D("-500.00"),
    }
    voucher_create(
        company=company,
        actor=alice,
        data=receipt("1000", party="Old Customer", bills=[agst("OB-1", "1000")]),
    )
    assert pending(company)[("Old Customer", "OB-1")] == D("2000.00")
    # opening bills that do not add up to the opening balance are refused
    with pytest.raises(Invalid) as refusal:
        make_ledger(
            company, alice, "Another", "Sundry Debtors", opening_debit="10", opening_bills=bills
        )
    assert refusal.value.errors == {
        "opening_bills": [
            "The opening bills add up to 2,500.00 Dr; the opening balance is 10.00 Dr: the two "
            "must agree."
        ]
    }
    assert not Ledger.objects.filter(name="Another").exists()


def test_a_ledger_with_bills_keeps_them(company, alice, ledgers, sold):
    party = ledgers["party"]
    with pytest.raises(Invalid) as refusal:
        ledger_alter(
            company=company, ledger=party, actor=alice, data={"bill_wise": False}, version=1
        )
    assert list(refusal.value.errors) == ["bill_wise"]
    assert Ledger.objects.get(pk=party.pk).bill_wise
    rent = Ledger.objects.get(pk=ledgers["rent"].pk)
    assert not rent.bill_wise  # not a party: no bills by default
    assert OpeningBill.objects.count() == 0


def test_an_instrument_rides_on_its_bank_line_and_survives_alteration(company, alice, sold):
    data = receipt("4000", bills=[agst("INV-1", "4000")])
    data["entries"][0].update(
        instrument_type="Cheque", instrument_number="004512", instrument_date="2026-11-25"
    )
    paid = voucher_create(company=company, actor=alice, data=data)
    bank = paid.change.after["entries"][0]
    assert (bank["instrument_type"], bank["instrument_number"]) == ("Cheque", "004512")
    assert bank["instrument_date"] == dt.date(2026, 11, 25)
    paid = voucher_alter(
        company=company, voucher=paid, actor=alice, version=1, data={"narration": "cheque"}
    )
    assert BankAllocation.objects.get().instrument_number == "004512"


def test_a_reconciled_lines_amount_changes_only_when_the_user_agrees(company, alice, sold):
    paid = voucher_create(
        company=company, actor=alice, data=receipt("4000", bills=[agst("INV-1", "4000")])
    )
    entry = paid.entries.get(position=0)
    BankAllocation.objects.create(entry=entry, ledger_id=entry.ledger_id, bank_date=DAY)
    altered = receipt("3000", bills=[agst("INV-1", "3000")])["entries"]
    errors = refused(
        company,
        lambda: voucher_alter(
            company=company, voucher=paid, actor=alice, version=1, data={"entries": altered}
        ),
    )
    assert list(errors) == ["entries.0.amount"]
    assert "reconciled with the bank on 26-Nov-2026" in errors["entries.0.amount"][0]
    # the same amount keeps the bank date
    same = receipt("4000")["entries"]
    paid = voucher_alter(
        company=company, voucher=paid, actor=alice, version=1, data={"entries": same}
    )
    assert BankAllocation.objects.get().bank_date == DAY
    paid = voucher_alter(
        company=company,
        voucher=paid,
        actor=alice,
        version=2,
        data={"entries": altered, "confirm_reconciled": True},
    )
    # the line had nothing but its bank date: nothing of it is left
    assert not BankAllocation.objects.exists()
    assert paid.change.after["entries"][0].get("bank_date") is None


def test_a_batch_settles_a_bill_made_earlier_in_the_batch(company, alice, ledgers):
    drafts = [
        voucher_draft(
            company=company,
            data=invoice("900", bills=[{"type": "New Ref", "name": "B-1", "amount": "900"}]),
        ),
        voucher_draft(company=company, data=receipt("400", bills=[agst("B-1", "400")])),
    ]
    with company_write(company=company, actor=alice) as work:
        vouchers_post_many(work, drafts)
    assert pending(company) == {("Sharma Enterprises", "B-1"): D("500.00")}
    over = [voucher_draft(company=company, data=receipt("600", bills=[agst("B-1", "600")]))]
    with pytest.raises(Invalid) as refusal, company_write(company=company, actor=alice) as work:
        vouchers_post_many(work, over, index_from=7)
    assert list(refusal.value.errors) == ["drafts.7.entries.1.bills.0.amount"]


def test_the_json_api_takes_and_shows_bills(company, ledgers, api, sold):
    answer = api.post(
        f"/c/{company.pk}/vouchers/",
        receipt("2500", bills=[agst("INV-1", "2500")]),
        "application/json",
    )
    assert answer.status_code == 201, answer.content
    line = answer.json()["entries"][1]
    assert line["bills"] == [{"type": "Agst Ref", "name": "INV-1", "credit": "2500.00"}]
    refused_answer = api.post(
        f"/c/{company.pk}/vouchers/",
        receipt("2500", bills=[agst("INV-1", "9000")]),
        "application/json",
    )
    assert refused_answer.status_code == 400
    assert "entries.1.bills" in refused_answer.json()["errors"]


def test_bank_detail_defaults_are_empty():
    assert BankDetail().empty and not BankDetail(instrument_number="1").empty


def test_a_settled_invoice_can_still_be_altered_and_its_bill_follows_its_amount(
    company, alice, sold
):
    voucher_create(
        company=company, actor=alice, data=receipt("4000", bills=[agst("INV-1", "4000")])
    )
    sold = voucher_alter(
        company=company, voucher=sold, actor=alice, version=1, data={"narration": "corrected"}
    )
    assert pending(company) == {("Sharma Enterprises", "INV-1"): D("6000.00")}
    # the amount sent again without bills: the invoice's one New Ref keeps its name
    sold = voucher_alter(
        company=company,
        voucher=sold,
        actor=alice,
        version=2,
        data={"entries": invoice("12000")["entries"]},
    )
    assert pending(company) == {("Sharma Enterprises", "INV-1"): D("8000.00")}


def test_two_lines_of_one_voucher_cannot_each_settle_the_whole_bill(company, alice, sold):
    data = {
        "type": "Receipt",
        "date": DAY.isoformat(),
        "entries": [
            {"ledger": "HDFC Bank", "debit": "20000"},
            {"ledger": "Sharma Enterprises", "credit": "10000", "bills": [agst("INV-1", "10000")]},
            {"ledger": "Sharma Enterprises", "credit": "10000", "bills": [agst("INV-1", "10000")]},
        ],
    }
    errors = refused(company, lambda: voucher_create(company=company, actor=alice, data=data))
    assert list(errors) == ["entries.2.bills.0.name"]  # the first settled it: nothing pending


def test_a_receipt_whose_invoice_was_deleted_can_still_be_altered(company, alice, sold):
    paid = voucher_create(
        company=company, actor=alice, data=receipt("4000", bills=[agst("INV-1", "4000")])
    )
    voucher_delete(company=company, voucher=sold, actor=alice, version=1)
    # the receipt's settlement is left as a Cr bill of the party (its advance, as in Tally)
    assert pending(company) == {("Sharma Enterprises", "INV-1"): D("-4000.00")}
    voucher_alter(company=company, voucher=paid, actor=alice, version=1, data={"narration": "x"})
    # and a new invoice of that name takes the settlement back
    voucher_create(
        company=company,
        actor=alice,
        data=invoice("10000", bills=[{"type": "New Ref", "name": "INV-1", "amount": "10000"}]),
    )
    assert pending(company) == {("Sharma Enterprises", "INV-1"): D("6000.00")}


def test_drafts_made_without_the_form_are_held_to_the_same_rules(company, alice, ledgers):
    from vouchers.bills import BillRef
    from vouchers.drafts import Line, VoucherDraft
    from vouchers.models import VoucherType

    party = Ledger.objects.select_related("group").get(pk=ledgers["party"].pk)
    sales = Ledger.objects.select_related("group").get(pk=ledgers["sales"].pk)
    draft = VoucherDraft(
        voucher_type=VoucherType.objects.get(company=company, name="Sales"),
        date=DAY,
        lines=[
            Line(
                ledger=party, amount=D("10"), bills=(BillRef(kind="new", name=" ", amount=D("10")),)
            ),
            Line(ledger=sales, amount=D("-10")),
        ],
    )
    with pytest.raises(Invalid) as refusal, company_write(company=company, actor=alice) as work:
        vouchers_post_many(work, [draft])
    assert refusal.value.errors == {
        "drafts.0.entries.0.bills.0.name": ["Name the bill of this New Ref."]
    }
