"""Bank statements: the three sample CSVs (tests/banking/samples) parse with their formats and
match the seeded bank book; accepting a match sets the bank date; a matched line is not
proposed again; imports and formats record their Changes; bad input writes nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from banking.models import StatementFormat, StatementLine
from banking.selectors import bank_reconciliation_get, proposals_get
from banking.services import statement_format_set, statement_import, statement_matches_accept
from banking.statements import statement_parse
from books.reconcile import records_reconcile
from companies.models import Company
from core.errors import Invalid
from editlog.models import Change
from tests.banking.conftest import FORMATS, SAMPLES
from vouchers.models import BankAllocation, Voucher
from vouchers.services import voucher_alter, voucher_delete

EXPECTED = [
    (dt.date(2026, 11, 3), Decimal("-100000.00")),
    (dt.date(2026, 11, 8), Decimal("25000.00")),
    (dt.date(2026, 11, 10), Decimal("-45500.50")),
    (dt.date(2026, 11, 15), Decimal("350.00")),
]


def _seq(company):
    return Company.objects.get(pk=company.pk).last_seq


def _imported(company, bob, bank, name):
    statement_format_set(company=company, actor=bob, ledger=bank, data=FORMATS[name])
    return statement_import(
        company=company, actor=bob, ledger=bank, text=(SAMPLES / f"{name}.csv").read_text()
    )


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_sample_parses_with_its_format(name):
    fmt = StatementFormat(**FORMATS[name])
    lines = statement_parse(fmt, (SAMPLES / f"{name}.csv").read_text())
    assert [(line.date, line.amount) for line in lines] == EXPECTED
    assert "123456" in lines[0].reference + lines[0].description


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_sample_matches_the_bank_book(company, bob, bank, book, name):
    assert _imported(company, bob, bank, name) == (4, 0)
    proposals = proposals_get(ledger=bank)
    matched = {p.entry.pk: (p.line.date, p.by_cheque) for p in proposals}
    assert matched == {
        book["receipt"].pk: (dt.date(2026, 11, 3), True),
        book["rent"].pk: (dt.date(2026, 11, 8), True),
        book["neft"].pk: (dt.date(2026, 11, 10), False),
    }


def test_accepting_sets_bank_dates_and_the_lines_are_not_proposed_again(company, bob, bank, book):
    _imported(company, bob, bank, "hdfc")
    proposals = proposals_get(ledger=bank)
    seq = _seq(company)
    data = {
        "matches": {str(p.line.pk): p.entry.pk for p in proposals},
        "versions": {str(p.entry.voucher_id): p.entry.voucher.version for p in proposals},
    }
    statement_matches_accept(company=company, actor=bob, ledger=bank, data=data)
    # Three vouchers altered, three statement lines matched: one Change each.
    kinds = Change.objects.filter(company=company, seq__gt=seq).values_list("object_type", "verb")
    assert sorted(kinds) == [("statement_line", "alter")] * 3 + [("voucher", "alter")] * 3
    assert BankAllocation.objects.get(entry=book["rent"]).bank_date == dt.date(2026, 11, 8)
    assert proposals_get(ledger=bank) == []
    assert StatementLine.objects.filter(matched=True).count() == 3
    report = bank_reconciliation_get(
        ledger=bank, date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 30)
    )
    assert report.bank == Decimal("620500.50")  # the statement's balance before the charges
    assert report.books - report.unreflected_debit + report.unreflected_credit == report.bank
    with pytest.raises(Invalid) as caught:
        statement_matches_accept(company=company, actor=bob, ledger=bank, data=data)
    assert "is matched already" in next(iter(caught.value.errors.values()))[0]


def test_clearing_a_matched_entrys_bank_date_releases_its_statement_line(company, bob, bank, book):
    """A bank date cleared on the reconciliation screen takes the match with it: the line is
    proposed again (and records its "alter"), not left matched with an entry the bank has not
    cleared."""
    from banking.services import bank_dates_set

    _imported(company, bob, bank, "hdfc")
    proposals = proposals_get(ledger=bank)
    statement_matches_accept(
        company=company,
        actor=bob,
        ledger=bank,
        data={
            "matches": {str(p.line.pk): p.entry.pk for p in proposals},
            "versions": {str(p.entry.voucher_id): p.entry.voucher.version for p in proposals},
        },
    )
    rent = book["rent"]
    seq = _seq(company)
    bank_dates_set(
        company=company,
        actor=bob,
        ledger=bank,
        dates={rent.pk: None},
        versions={rent.voucher_id: Voucher.objects.get(pk=rent.voucher_id).version},
    )
    kinds = Change.objects.filter(company=company, seq__gt=seq).values_list("object_type", "verb")
    assert sorted(kinds) == [("statement_line", "alter"), ("voucher", "alter")]
    released = StatementLine.objects.get(date=dt.date(2026, 11, 8))
    assert (released.matched, released.voucher_id) == (False, None)
    assert StatementLine.objects.filter(matched=True).count() == 2
    assert [(p.line.pk, p.entry.pk) for p in proposals_get(ledger=bank)] == [(released.pk, rent.pk)]


def test_a_match_of_another_amount_is_refused_and_writes_nothing(company, bob, bank, book):
    _imported(company, bob, bank, "sbi")
    charges = StatementLine.objects.get(amount=Decimal("350.00"))
    seq = _seq(company)
    data = {
        "matches": {str(charges.pk): book["rent"].pk},
        "versions": {str(book["rent"].voucher_id): 1},
    }
    with pytest.raises(Invalid) as caught:
        statement_matches_accept(company=company, actor=bob, ledger=bank, data=data)
    assert list(caught.value.errors) == [f"matches.{charges.pk}"]
    assert _seq(company) == seq
    assert Voucher.objects.get(pk=book["rent"].voucher_id).version == 1
    assert not StatementLine.objects.filter(matched=True).exists()


def test_an_import_records_each_line_and_passes_over_lines_imported_before(
    company, bob, bank, book
):
    seq = _seq(company)
    assert _imported(company, bob, bank, "icici") == (4, 0)
    created = Change.objects.filter(company=company, seq__gt=seq)
    assert (
        sorted(created.values_list("object_type", "verb"))
        == [("statement_format", "create")] + [("statement_line", "create")] * 4
    )
    line = created.filter(object_type="statement_line").order_by("seq").first()
    assert line.after["amount"] == "-100000.00"
    assert line.after["matched"] is False
    text = (SAMPLES / "icici.csv").read_text()
    assert statement_import(company=company, actor=bob, ledger=bank, text=text) == (0, 4)
    assert StatementLine.objects.count() == 4


def test_a_row_with_amounts_but_no_date_is_refused_naming_the_row(company, bob, bank, book):
    statement_format_set(company=company, actor=bob, ledger=bank, data=FORMATS["hdfc"])
    seq = _seq(company)
    text = (SAMPLES / "hdfc.csv").read_text() + '31/13/2026,ODD,1,31/13/2026,"10.00",,\n'
    with pytest.raises(Invalid) as caught:
        statement_import(company=company, actor=bob, ledger=bank, text=text)
    assert caught.value.errors == {"file": ["Row 7: the date '31/13/2026' is not dd/mm/yyyy."]}
    assert _seq(company) == seq
    assert not StatementLine.objects.exists()


def test_an_amount_that_is_not_one_is_refused(company, bob, bank, book):
    statement_format_set(company=company, actor=bob, ledger=bank, data=FORMATS["hdfc"])
    text = "Date,Narration,Ref,Value,W,D,B\n03/11/2026,X,1,03/11/2026,1.2.3,,\n"
    with pytest.raises(Invalid) as caught:
        statement_import(company=company, actor=bob, ledger=bank, text=text)
    assert caught.value.errors["file"][0].startswith("Row 2: the withdrawal '1.2.3'")


def test_an_import_without_a_format_is_refused(company, bob, bank, book):
    with pytest.raises(Invalid) as caught:
        statement_import(company=company, actor=bob, ledger=bank, text="x")
    assert caught.value.errors == {"format": ["Set the statement format of HDFC Bank first."]}


def test_a_format_needs_one_way_of_reading_amounts(company, bob, bank):
    with pytest.raises(Invalid) as caught:
        statement_format_set(
            company=company,
            actor=bob,
            ledger=bank,
            data={"date_format": "dd/mm/yyyy", "date_column": 1},
        )
    assert caught.value.errors["__all__"][0].startswith("Give the withdrawal and deposit columns")
    with pytest.raises(Invalid) as caught:
        statement_format_set(
            company=company, actor=bob, ledger=bank, data={**FORMATS["sbi"], "date_format": "yyyy"}
        )
    assert list(caught.value.errors) == ["date_format"]
    assert not StatementFormat.objects.exists()


def test_a_format_saved_again_records_an_alter(company, bob, bank):
    statement_format_set(company=company, actor=bob, ledger=bank, data=FORMATS["sbi"])
    statement_format_set(
        company=company, actor=bob, ledger=bank, data={**FORMATS["sbi"], "skip_rows": 6}
    )
    change = Change.objects.filter(object_type="statement_format").latest("seq")
    assert change.verb == "alter"
    assert (change.before["skip_rows"], change.after["skip_rows"]) == (5, 6)
    assert StatementFormat.objects.get(ledger=bank).skip_rows == 6


def test_the_books_agree_with_the_edit_log_after_imports_matches_and_an_alteration(
    company, alice, bob, bank, book
):
    """Every statement format and line has its latest Change equal to it, even once a matched
    voucher is altered (its entries are rewritten) or deleted: the line stays matched."""
    _imported(company, bob, bank, "hdfc")
    proposals = proposals_get(ledger=bank)
    data = {
        "matches": {str(p.line.pk): p.entry.pk for p in proposals},
        "versions": {str(p.entry.voucher_id): p.entry.voucher.version for p in proposals},
    }
    statement_matches_accept(company=company, actor=bob, ledger=bank, data=data)
    voucher = Voucher.objects.get(pk=book["rent"].voucher_id)
    voucher_alter(
        company=company, voucher=voucher, actor=alice, data={"narration": "Rent"}, version=2
    )
    receipt = Voucher.objects.get(pk=book["receipt"].voucher_id)
    voucher_delete(company=company, voucher=receipt, actor=alice, version=2)
    line = StatementLine.objects.get(reference="0000000000123456")
    assert (line.matched, line.voucher_id) == (True, None)
    differences = records_reconcile(company)  # the fixture's memberships have no Change
    assert [d for d in differences if not d.object_key.startswith("membership:")] == []
    assert BankAllocation.objects.get(entry__voucher=voucher, entry__ledger=bank).bank_date == (
        dt.date(2026, 11, 8)
    )
    assert proposals_get(ledger=bank) == []


def test_a_bank_with_imported_statement_lines_is_not_deleted(company, bob, bank):
    """Its lines have Changes of their own: deleting the bank would lose them unrecorded."""
    from ledgers.services import ledger_delete

    _imported(company, bob, bank, "hdfc")
    bank.refresh_from_db()
    lines = StatementLine.objects.count()
    with pytest.raises(Invalid) as refusal:
        ledger_delete(company=company, ledger=bank, actor=bob, version=bank.version)
    assert refusal.value.errors == {
        "__all__": [f"{bank.name} has imported bank statement lines; remove them first."]
    }
    assert StatementLine.objects.count() == lines
