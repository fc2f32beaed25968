"""vouchers_post_many: a batch of drafts posted in bulk equals the same drafts posted one by one
(numbers, entries, totals, day totals, the Edit Log's content and chain); a refusal names its
draft and writes nothing; the screens get one nudge for the batch."""

from __future__ import annotations

import pytest

from books.reconcile import books_reconcile
from books.services import company_create
from companies.models import Company
from core.errors import Invalid
from editlog.models import Change
from editlog.selectors import editlog_verify
from editlog.write import company_write
from ledgers.models import Ledger, LedgerDay
from tests.conftest import FY_START, make_ledger, sale
from vouchers.forms import voucher_draft
from vouchers.models import Entry, Voucher
from vouchers.services import (
    voucher_delete,
    voucher_post,
    vouchers_post_batches,
    vouchers_post_many,
)


def receipt(amount: str, date: str = "2026-11-27") -> dict:
    return {
        "type": "Receipt",
        "date": date,
        "entries": [
            {"ledger": "Cash", "debit": amount},
            {"ledger": "Sharma Enterprises", "credit": amount},
        ],
    }


def journal(date: str) -> dict:
    return {
        "type": "Journal",
        "date": date,
        "narration": "Rent due, three parts",
        "entries": [
            {"ledger": "Rent", "debit": "900.00"},
            {"ledger": "Gupta Suppliers", "credit": "300.00"},
            {"ledger": "Sharma Enterprises", "credit": "250.50"},
            {"ledger": "Gupta Suppliers", "credit": "349.50"},
        ],
    }


INPUT = [
    sale("1,00,000"),
    receipt("40000"),
    sale("2500.75", date="2027-04-01"),  # the next financial year numbers from 1
    journal("2026-11-26"),
    sale("99.99"),
    receipt("1.00", date="2027-04-02"),
    journal("2027-03-31"),
]


def twin(alice) -> Company:
    """A second company with the same ledgers as the `ledgers` fixture's."""
    other = company_create(
        actor=alice, name="Sharma Copy", state="Maharashtra", financial_year_start=FY_START
    )
    for name, group in [
        ("Sharma Enterprises", "Sundry Debtors"),
        ("Gupta Suppliers", "Sundry Creditors"),
        ("Sales", "Sales Accounts"),
        ("Purchase", "Purchase Accounts"),
        ("HDFC Bank", "Bank Accounts"),
        ("Rent", "Indirect Expenses"),
    ]:
        make_ledger(other, alice, name, group)
    return other


def without_ids(snapshot: dict | None) -> dict | None:
    if snapshot is None:
        return None
    entries = [{k: v for k, v in e.items() if k != "ledger_id"} for e in snapshot["entries"]]
    return {**{k: v for k, v in snapshot.items() if k != "id"}, "entries": entries}


def books(company: Company, since: int) -> dict:
    """What posting leaves, in a form two companies can be compared by (names, not ids)."""
    vouchers = [
        (v.voucher_type.name, v.financial_year, v.number, v.date, v.narration)
        for v in Voucher.objects.filter(company=company).select_related("voucher_type")
    ]
    entries = list(
        Entry.objects.filter(voucher__company=company)
        .order_by("voucher__date", "voucher__id", "position")
        .values_list("ledger__name", "amount", "date", "position")
    )
    totals = sorted(
        Ledger.objects.filter(company=company).values_list("name", "total_debit", "total_credit")
    )
    days = sorted(
        LedgerDay.objects.filter(ledger__company=company).values_list(
            "ledger__name", "date", "debit", "credit"
        )
    )
    changes = [
        (c.seq - since, c.verb, c.object_type, c.object_repr, c.actor_name, without_ids(c.after))
        for c in Change.objects.filter(company=company, seq__gt=since).order_by("seq")
    ]
    return {"vouchers": vouchers, "entries": entries, "totals": totals, "days": days,
            "changes": changes}  # fmt: skip


def test_a_batch_equals_posting_one_by_one(company, alice, ledgers):
    """The same drafts, posted one by one in Sharma Traders and as one batch in its copy,
    leave the same numbers, entries, totals, day totals and Changes; both logs verify."""
    other = twin(alice)
    since_one, since_many = (Company.objects.get(pk=c.pk).last_seq for c in (company, other))
    for data in INPUT:
        with company_write(company=company, actor=alice) as work:
            voucher_post(work, voucher_draft(company=company, data=data))
    drafts = [voucher_draft(company=other, data=data) for data in INPUT]
    with company_write(company=other, actor=alice) as work:
        posted = vouchers_post_many(work, drafts)
    assert [v.number for v in posted] == [1, 1, 1, 1, 2, 1, 2]
    assert [v.change.seq - since_many for v in posted] == list(range(1, len(INPUT) + 1))
    one_by_one, batch = books(company, since_one), books(other, since_many)
    assert batch == one_by_one
    assert len(batch["changes"]) == len(INPUT) and len(batch["entries"]) == 18
    for each in (company, other):
        assert editlog_verify(company=each) == []
        # (the fixture adds bob and charlie to Sharma Traders without the unit of work)
        differences = books_reconcile(company=each)
        assert [d for d in differences if not d.object_key.startswith("membership:")] == []


def test_a_batch_goes_on_from_the_counters(company, alice, ledgers):
    """A batch takes the numbers after those already given, even a deleted voucher's."""
    first = voucher_post_one(company, alice, sale())
    second = voucher_post_one(company, alice, sale())
    voucher_delete(company=company, voucher=second, actor=alice, version=1)
    with company_write(company=company, actor=alice) as work:
        posted = vouchers_post_many(work, [voucher_draft(company=company, data=sale())] * 2)
    assert (first.number, [v.number for v in posted]) == (1, [3, 4])
    assert voucher_post_one(company, alice, sale()).number == 5


def voucher_post_one(company, alice, data):
    with company_write(company=company, actor=alice) as work:
        return voucher_post(work, voucher_draft(company=company, data=data))


def test_a_refused_draft_is_named_and_nothing_is_written(company, alice, ledgers):
    """Every draft is checked before the first write: the third one's Debit ≠ Credit refuses
    the batch under `drafts.2.entries`, and no voucher, entry, total, counter or Change is
    left of the two before it."""
    company.refresh_from_db()
    seq = company.last_seq
    good = voucher_draft(company=company, data=sale())
    bad = voucher_draft(
        company=company,
        data={**sale(), "entries": [
            {"ledger": "Sharma Enterprises", "debit": "100"}, {"ledger": "Sales", "credit": "99"}
        ]},
    )  # fmt: skip
    with pytest.raises(Invalid) as refusal, company_write(company=company, actor=alice) as work:
        vouchers_post_many(work, [good, good, bad, good])
    assert list(refusal.value.errors) == ["drafts.2.entries"]
    assert "Debit 100.00 ≠ Credit 99.00" in refusal.value.errors["drafts.2.entries"][0]
    assert not Voucher.objects.exists() and not LedgerDay.objects.exists()
    assert Company.objects.get(pk=company.pk).last_seq == seq
    assert voucher_post_one(company, alice, sale()).number == 1


def test_a_ledger_deleted_before_the_lock_refuses_its_draft(company, alice, ledgers):
    from ledgers.services import ledger_delete

    drafts = [
        voucher_draft(company=company, data=sale()),
        voucher_draft(company=company, data=sale(party="Gupta Suppliers")),
    ]
    ledger_delete(company=company, ledger=ledgers["supplier"], actor=alice, version=1)
    with pytest.raises(Invalid) as refusal, company_write(company=company, actor=alice) as work:
        vouchers_post_many(work, drafts, index_from=500)
    assert refusal.value.errors == {
        "drafts.501.entries": ["A ledger of this voucher was deleted meanwhile."]
    }
    assert not Voucher.objects.exists()


def test_a_batch_nudges_the_screens_once(
    company, alice, ledgers, django_capture_on_commit_callbacks
):
    """One nudge for the batch, to its last seq (each hub reads the Changes up to it from the
    Edit Log), and one head line: not one of each per voucher."""
    drafts = [voucher_draft(company=company, data=sale())] * 5
    with (
        django_capture_on_commit_callbacks() as callbacks,
        company_write(company=company, actor=alice) as work,
    ):
        posted = vouchers_post_many(work, drafts)
    assert [c.func.__name__ for c in callbacks] == ["publish", "head_append"]
    assert callbacks[0].args[0].seq == posted[-1].change.seq
    assert callbacks[1].keywords["seq"] == posted[-1].change.seq


def test_batches_commit_one_by_one(company, alice, ledgers):
    """`vouchers_post_batches` posts `size` drafts per unit of work; a refusal stops at its
    batch (named by its place in the whole list) and the batches before it stay posted."""
    good = voucher_draft(company=company, data=sale("10"))
    assert vouchers_post_batches(company=company, actor=alice, drafts=[good] * 5, size=2) == 5
    assert sorted(Voucher.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5]
    unbalanced = [{"ledger": "Sales", "credit": "10"}, {"ledger": "Rent", "credit": "10"}]
    bad = voucher_draft(company=company, data={**sale(), "entries": unbalanced})
    with pytest.raises(Invalid) as refusal:
        vouchers_post_batches(company=company, actor=alice, drafts=[good, good, good, bad], size=2)
    assert list(refusal.value.errors) == ["drafts.3.entries"]
    assert Voucher.objects.count() == 7
    assert editlog_verify(company=company) == []
