"""bank_dates_set and the Bank Reconciliation: refusals write nothing; each voucher touched
gets its next version and one Change; the edit lock holds; books − Dr + Cr = bank."""

import datetime as dt
from decimal import Decimal

import pytest

from banking.selectors import bank_reconciliation_get
from banking.services import bank_dates_save, bank_dates_set
from companies.models import Company
from core.errors import Invalid, Locked, NotAllowed, StaleVersion
from editlog.models import Change
from locking.services import lock_acquire
from vouchers.models import BankAllocation, Voucher

NOV_1, NOV_30 = dt.date(2026, 11, 1), dt.date(2026, 11, 30)


def _seq(company):
    return Company.objects.get(pk=company.pk).last_seq


def _bank_dates(book):
    return {
        name: BankAllocation.objects.filter(entry=entry).values_list("bank_date", flat=True).first()
        for name, entry in book.items()
    }


def _set(company, actor, bank, dates, book):
    versions = {
        book[n].voucher_id: Voucher.objects.get(pk=book[n].voucher_id).version for n in dates
    }
    return bank_dates_set(
        company=company,
        actor=actor,
        ledger=bank,
        dates={book[n].pk: day for n, day in dates.items()},
        versions=versions,
    )


def test_setting_a_bank_date_bumps_the_version_and_records_one_change(company, bob, bank, book):
    seq = _seq(company)
    (voucher,) = _set(company, bob, bank, {"receipt": dt.date(2026, 11, 3)}, book)
    assert Voucher.objects.get(pk=voucher.pk).version == 2
    change = Change.objects.get(company=company, seq=seq + 1)
    assert (change.verb, change.object_type, change.object_id) == ("alter", "voucher", voucher.pk)
    assert _seq(company) == seq + 1
    bank_line = next(e for e in change.after["entries"] if e["ledger"] == "HDFC Bank")
    assert bank_line["bank_date"] == "2026-11-03"
    assert "bank_date" not in next(
        e for e in change.before["entries"] if e["ledger"] == "HDFC Bank"
    )
    assert (change.before["version"], change.after["version"]) == (1, 2)


def test_a_line_without_instrument_gets_a_bank_allocation_and_clearing_keeps_it(
    company, bob, bank, book
):
    """The NEFT line has an instrument; a plain line gets its BankAllocation row made."""
    BankAllocation.objects.filter(entry=book["neft"]).delete()
    _set(company, bob, bank, {"neft": dt.date(2026, 11, 10)}, book)
    assert _bank_dates(book)["neft"] == dt.date(2026, 11, 10)
    _set(company, bob, bank, {"neft": None}, book)
    assert _bank_dates(book)["neft"] is None


def test_two_entries_of_two_vouchers_make_two_changes(company, bob, bank, book):
    seq = _seq(company)
    _set(company, bob, bank, {"receipt": NOV_30, "rent": NOV_30}, book)
    assert _seq(company) == seq + 2


def test_a_bank_date_before_the_voucher_is_refused_naming_the_entry(company, bob, bank, book):
    seq = _seq(company)
    with pytest.raises(Invalid) as caught:
        _set(company, bob, bank, {"rent": NOV_30, "receipt": dt.date(2026, 11, 1)}, book)
    message = caught.value.errors[f"dates.{book['receipt'].pk}"][0]
    assert message.startswith("The bank date 01-Nov-2026 is before the date of Receipt No. 1")
    assert _seq(company) == seq
    assert set(_bank_dates(book).values()) == {None}
    assert set(Voucher.objects.values_list("version", flat=True)) == {1}


def test_an_entry_of_another_ledger_is_refused(company, bob, bank, book):
    other = book["receipt"].voucher.entries.exclude(ledger=bank).get()
    with pytest.raises(Invalid) as caught:
        bank_dates_set(
            company=company,
            actor=bob,
            ledger=bank,
            dates={other.pk: NOV_30},
            versions={other.voucher_id: 1},
        )
    assert caught.value.errors == {
        f"dates.{other.pk}": [f"Entry {other.pk} is not an entry of HDFC Bank."]
    }
    assert not BankAllocation.objects.filter(entry=other).exists()


def test_a_missing_version_and_a_stale_one_are_refused(company, bob, bank, book):
    entry = book["receipt"]
    with pytest.raises(Invalid) as caught:
        bank_dates_set(
            company=company, actor=bob, ledger=bank, dates={entry.pk: NOV_30}, versions={}
        )
    assert list(caught.value.errors) == [f"versions.{entry.voucher_id}"]
    with pytest.raises(StaleVersion):
        bank_dates_set(
            company=company, actor=bob, ledger=bank, dates={entry.pk: NOV_30},
            versions={entry.voucher_id: 7},
        )  # fmt: skip
    assert _bank_dates(book)["receipt"] is None


def test_a_viewer_is_refused(company, charlie, bank, book):
    with pytest.raises(NotAllowed):
        _set(company, charlie, bank, {"receipt": NOV_30}, book)
    assert _bank_dates(book)["receipt"] is None


def test_someone_holding_the_vouchers_edit_lock_refuses_it(company, alice, bob, bank, book):
    voucher = book["receipt"].voucher
    lock_acquire(company=company, resource=f"voucher:{voucher.pk}", actor=alice)
    seq = _seq(company)
    with pytest.raises(Locked):
        _set(company, bob, bank, {"receipt": NOV_30, "rent": NOV_30}, book)
    assert _seq(company) == seq
    assert set(_bank_dates(book).values()) == {None}
    assert Voucher.objects.get(pk=book["rent"].voucher_id).version == 1


def test_the_form_draft_refuses_a_bad_date_naming_the_field(company, bob, bank, book):
    entry = book["receipt"]
    with pytest.raises(Invalid) as caught:
        bank_dates_save(
            company=company,
            actor=bob,
            ledger=bank,
            data={"dates": {str(entry.pk): "31-02-2026"}, "versions": {str(entry.voucher_id): 1}},
        )
    assert list(caught.value.errors) == [f"dates.{entry.pk}"]
    assert caught.value.errors[f"dates.{entry.pk}"][0].startswith("Bank date: ")


def test_a_page_form_sets_only_the_rows_it_changed(company, bob, bank, book):
    receipt, rent = book["receipt"], book["rent"]
    data = {
        f"bank_date-{receipt.pk}": "4-11-2026",
        f"was-{receipt.pk}": "",
        f"bank_date-{rent.pk}": "",
        f"was-{rent.pk}": "",
        f"version-{receipt.voucher_id}": "1",
        f"version-{rent.voucher_id}": "1",
    }
    (voucher,) = bank_dates_save(company=company, actor=bob, ledger=bank, data=data)
    assert voucher.pk == receipt.voucher_id
    assert _bank_dates(book)["receipt"] == dt.date(2026, 11, 4)


def _identity(report):
    return report.books - report.unreflected_debit + report.unreflected_credit


def test_nothing_reconciled_the_bank_holds_the_opening(company, bob, bank, book):
    report = bank_reconciliation_get(ledger=bank, date_from=NOV_1, date_to=NOV_30)
    assert report.books == Decimal("608500.50")  # 5,00,000 + 1,00,000 − 25,000 + 45,500.50 − 12,000
    assert (report.unreflected_debit, report.unreflected_credit) == (
        Decimal("145500.50"),
        Decimal("37000.00"),
    )
    assert report.bank == Decimal("500000.00")
    assert _identity(report) == report.bank


def test_the_identity_holds_after_partial_reconciliation(company, bob, bank, book):
    _set(company, bob, bank, {"receipt": dt.date(2026, 11, 3), "rent": dt.date(2026, 12, 2)}, book)
    report = bank_reconciliation_get(ledger=bank, date_from=NOV_1, date_to=NOV_30)
    # The rent cheque was paid after the 30th: not reflected in the bank on the 30th.
    assert (report.unreflected_debit, report.unreflected_credit) == (
        Decimal("45500.50"),
        Decimal("37000.00"),
    )
    assert report.bank == Decimal("600000.00")
    assert _identity(report) == report.bank
    later = bank_reconciliation_get(ledger=bank, date_from=NOV_1, date_to=dt.date(2026, 12, 31))
    assert later.bank == Decimal("575000.00")
    assert _identity(later) == later.bank


def test_an_older_entry_not_cleared_stays_on_a_later_period(company, bob, bank, book):
    _set(company, bob, bank, {"receipt": dt.date(2026, 11, 3)}, book)
    december = bank_reconciliation_get(
        ledger=bank, date_from=dt.date(2026, 12, 1), date_to=dt.date(2026, 12, 31)
    )
    assert [row.entry_id for row in december.rows] == [
        book[n].pk for n in ("rent", "neft", "supplier")
    ]
    rows = {row.entry_id: row for row in december.rows}
    assert rows[book["rent"].pk].particulars == "Rent"
    assert rows[book["rent"].pk].instrument_number == "000311"
    assert rows[book["supplier"].pk].credit == Decimal("12000.00")
