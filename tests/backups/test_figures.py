"""The control figures (backups.figures): NOTES.md B.3's books over two financial years, as
canonical JSON, and the difference report naming company, year, report and ledger."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from backups.figures import books_figures, canonical_json, figures_diff
from companies.models import Company
from tests.reports.test_final_accounts import b1  # noqa: F401 (a fixture)
from vouchers.services import voucher_create


def sale(company, actor, day, amount, ledger="Sales"):
    entries = [{"ledger": "Cash", "debit": amount}, {"ledger": ledger, "credit": amount}]
    data = {"type": "Sales", "date": day.isoformat(), "entries": entries}
    return voucher_create(company=company, actor=actor, data=data)


@pytest.fixture
def two_years(company, alice, b1):  # noqa: F811
    """B.3's April, and a sale of 5,000 in the next financial year."""
    sale(company, alice, dt.date(2027, 5, 10), "5000")
    return company


def test_each_year_has_the_reports_figures_to_the_rupee(two_years):
    figures = books_figures()["companies"]["Sharma Traders"]
    assert list(figures["years"]) == ["2026-27", "2027-28"]
    first, second = figures["years"]["2026-27"], figures["years"]["2027-28"]
    assert (first["from"], first["to"], first["vouchers"]) == ("2026-04-01", "2027-03-31", 7)
    assert first["Trial Balance"]["ledgers"]["Sales"] == "-16250.00"
    assert first["Trial Balance"]["total debit"] == first["Trial Balance"]["total credit"]
    assert first["Profit & Loss A/c"]["nett profit"] == "1800.00"
    assert first["Profit & Loss A/c"]["trading credit"]["Closing Stock"]["amount"] == "11200.00"
    profit_and_loss = first["Balance Sheet"]["liabilities"]["Profit & Loss A/c"]
    assert profit_and_loss["details"] == {"Opening Balance": "0.00", "Current Period": "1800.00"}
    assert first["Balance Sheet"]["assets total"] == "37850.00"
    assets = first["Balance Sheet"]["assets"]["Current Assets"]["details"]
    assert assets["Stock-in-Hand > Stock"] == "11200.00"
    # The next year: a revenue ledger starts again; last year's result is carried.
    assert second["Trial Balance"]["ledgers"]["Sales"] == "-5000.00"
    assert second["Profit & Loss A/c"]["nett profit"] == "5000.00"
    carried = second["Balance Sheet"]["liabilities"]["Profit & Loss A/c"]["details"]
    assert carried == {"Opening Balance": "1800.00", "Current Period": "5000.00"}


def test_the_same_books_give_the_same_bytes(two_years):
    assert canonical_json(books_figures()) == canonical_json(books_figures())
    assert figures_diff(books_figures(), books_figures()) == []


def test_a_different_target_names_company_year_report_and_ledger(two_years, alice):
    source = books_figures()
    sale(two_years, alice, dt.date(2027, 6, 1), "1000")
    differences = figures_diff(source, books_figures())
    shown = [str(d) for d in differences]
    assert (
        "Sharma Traders, 2027-28, Trial Balance, ledger Sales: "
        "5,000.00 Cr on the source, 6,000.00 Cr on the target"
    ) in shown
    assert "Sharma Traders, 2027-28, Profit & Loss A/c, nett profit: " in "".join(shown)
    assert "Sharma Traders, 2027-28, vouchers: 1 on the source, 2 on the target" in shown
    assert {(d.company, d.year) for d in differences} == {("Sharma Traders", "2027-28")}


def test_a_company_on_one_side_only_is_one_difference(two_years, alice):
    source = books_figures()
    Company.objects.filter(pk=two_years.pk).update(name="Sharma Traders (copy)")
    shown = [str(d) for d in figures_diff(source, books_figures())]
    assert shown == [
        "Sharma Traders: present on the source, missing on the target",
        "Sharma Traders (copy): missing on the source, present on the target",
    ]


def test_the_command_prints_the_canonical_json_and_compares(two_years, alice, tmp_path):
    out = StringIO()
    call_command("books_figures", stdout=out)
    assert out.getvalue().strip() == canonical_json(books_figures())
    report = tmp_path / "before.json"
    report.write_text(out.getvalue())
    same = StringIO()
    call_command("books_figures", against=report, stdout=same)
    assert same.getvalue() == f"The figures of 1 company are the same as in {report}.\n"
    sale(two_years, alice, dt.date(2027, 6, 1), "1000")
    differs = StringIO()
    with pytest.raises(CommandError, match=r"figures differ from"):
        call_command("books_figures", against=report, stdout=differs)
    assert "2027-28, Trial Balance, ledger Sales: 5,000.00 Cr" in differs.getvalue()


def test_the_command_refuses_what_is_not_a_report(two_years, tmp_path):
    report = tmp_path / "other.json"
    report.write_text(json.dumps({"hello": 1}))
    with pytest.raises(CommandError, match="not a report books_figures printed"):
        call_command("books_figures", against=report)
    with pytest.raises(CommandError, match="No company named Nobody"):
        call_command("books_figures", names=["Nobody"])
