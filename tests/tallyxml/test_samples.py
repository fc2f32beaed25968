"""The three shared Tally files (tests/tallyxml/samples, licences beside them) imported through
the command reproduce Tally's closing balances ledger by ledger; a second import changes
nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from companies.models import Company, Membership
from editlog.models import Change
from ledgers.models import Ledger
from tallyxml.models import TallyKey
from vouchers.models import BankAllocation, BillAllocation, Voucher

SAMPLES = Path(__file__).parent / "samples"
EXPECTED = json.loads((SAMPLES / "expected_trial_balances.json").read_text())


def run(*files: str, company: str = "Imported", user: str = "alice", dry: bool = False) -> str:
    out = StringIO()
    args = [str(SAMPLES / f) for f in files]
    call_command("import_tally", *args, company=company, user=user, dry_run=dry, stdout=out)
    return out.getvalue()


def closings(company: Company) -> dict[str, Decimal]:
    """Each ledger's closing balance in Tally's sign (negative = Dr), zero ones left out."""
    return {
        ledger.name: -(ledger.opening_balance + ledger.total_debit - ledger.total_credit)
        for ledger in Ledger.objects.filter(company=company)
        if ledger.opening_balance + ledger.total_debit - ledger.total_credit
    }


@pytest.fixture
def importer(alice: User, company_creation_open: None) -> User:
    return alice


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_sample_reproduces_tallys_closing_balances(importer: User, case: str) -> None:
    """Masters, vouchers and their openings give Tally's closings to the paisa, the opening
    difference shown rather than refused, the inverted purchase file by its signs."""
    expected = EXPECTED[case]
    out = run(*expected["files"])
    company = Company.objects.get(name="Imported")
    want = {name: Decimal(amount) for name, amount in expected["closing"].items()}
    assert closings(company) == want
    assert Voucher.objects.filter(company=company).count() == expected["vouchers"]
    assert "ERRORS 0" in out
    difference = Decimal(expected["opening_difference_cr_minus_dr"])
    if difference:
        assert "Difference in opening balances: 4,55,261.00 Cr" in out
    assert Membership.objects.get(company=company, user=importer).role == "owner"


def test_second_import_changes_nothing(importer: User) -> None:
    files = EXPECTED["xan845 masters+vouchers"]["files"]
    run(*files)
    company = Company.objects.get(name="Imported")
    seq = Company.objects.get(pk=company.pk).last_seq
    out = run(*files)
    assert "CREATED 0 ALTERED 0 DELETED 0" in out
    assert "IGNORED 55" in out  # 28 groups, 16 ledgers, 11 vouchers
    assert Company.objects.get(pk=company.pk).last_seq == seq
    assert Voucher.objects.filter(company=company).count() == 11


def test_company_year_is_taken_from_the_first_voucher(importer: User) -> None:
    run("xan845_vouchers.xml")
    company = Company.objects.get(name="Imported")
    assert str(company.financial_year_start) == "2022-04-01"
    assert company.books_beginning == company.financial_year_start


def test_bills_and_bank_details_come_along(importer: User) -> None:
    """New Ref allocations become the lines' bills, the bank lines keep their instruments;
    an Agst Ref that adds to its bill (Tally allows it, the books here do not) is left to
    the default allocation and said in a line, the voucher still posted."""
    out = run(*EXPECTED["xan845 masters+vouchers"]["files"])
    company = Company.objects.get(name="Imported")
    bills = BillAllocation.objects.filter(entry__voucher__company=company)
    assert bills.filter(kind="new", name="15478", amount=Decimal("-48545.00")).exists()
    assert "Purchase No. 2 of 08-Apr-2022: bill allocations left out (Bill 15478" in out
    banks = BankAllocation.objects.filter(entry__voucher__company=company)
    assert banks.exists()


def test_edit_log_has_one_change_per_object(importer: User) -> None:
    run("labsinf_purchase_export_response.xml")
    company = Company.objects.get(name="Imported")
    created = Change.objects.filter(company=company, object_type="voucher", verb="create")
    assert created.count() == 4
    assert TallyKey.objects.filter(company=company, kind="voucher").count() == 4


@pytest.mark.django_db(transaction=True)
def test_dry_run_writes_nothing(company_creation_open: Any) -> None:
    User.objects.create_user("alice")
    out = run(*EXPECTED["xan845 masters+vouchers"]["files"], dry=True)
    assert "Dry run (nothing written): CREATED" in out
    assert "ERRORS 0" in out
    assert not Company.objects.filter(name="Imported").exists()
    assert not TallyKey.objects.exists()


def test_books_and_edit_log_reconcile_after_an_import(importer: User) -> None:
    run(*EXPECTED["xan845 masters+vouchers"]["files"])
    out = StringIO()
    call_command("verify_editlog", "--reconcile", stdout=out)  # CommandError when damaged
    assert "Edit Log and books of 1 company verified" in out.getvalue()


def test_a_copy_restored_from_a_backup_keeps_the_tally_identities(
    importer: User, tmp_path: Path
) -> None:
    """TallyKey is archived with the company, its records remapped in a copy: importing the
    same file into the copy changes nothing either."""
    from backups.archive import backup_write
    from backups.restore import restore

    run("labsinf_purchase_export_response.xml")
    company = Company.objects.get(name="Imported")
    manifest = backup_write(company=company, path=tmp_path / "imported.tsbk")
    assert manifest.path is not None
    restore(archive=manifest.path, mode="copy", name="Copied", actor=importer)
    copy = Company.objects.get(name="Copied")
    keys = TallyKey.objects.filter(company=copy, kind="voucher")
    assert keys.count() == 4
    assert {key.voucher.company_id for key in keys} == {copy.pk}
    out = run("labsinf_purchase_export_response.xml", company="Copied")
    assert "CREATED 0 ALTERED 0" in out and "IGNORED 4" in out


def test_a_broken_file_is_named_not_a_traceback(importer: User, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<ENVELOPE><BODY><TALLYMESSAGE><VOUCHER></TALLYMESSAGE>")
    with pytest.raises(CommandError, match="Not well-formed XML: mismatched tag: line 1"):
        call_command("import_tally", str(broken), company="X", user="alice", stdout=StringIO())


def test_a_file_with_a_dtd_is_refused_by_name(importer: User, tmp_path: Path) -> None:
    """A DTD (entity expansion, external references) is refused before anything is parsed."""
    evil = tmp_path / "evil.xml"
    evil.write_bytes(b'<!DOCTYPE x [<!ENTITY a "aaaa">]><ENVELOPE>&a;</ENVELOPE>')
    with pytest.raises(CommandError, match="declares a document type"):
        call_command("import_tally", str(evil), company="X", user="alice", stdout=StringIO())
