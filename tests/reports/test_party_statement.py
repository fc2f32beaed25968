"""The party statement (statement of account): its figures on a fixed quarter of one party's
bills, the PDF to send, its JSON, and who may read it."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pypdf import PdfReader

from books.services import company_create
from companies.models import Company
from ledgers.models import Ledger
from reports.party_statement import party_statement_get
from reports.views_statement import statement_pdf
from tests.conftest import FY_START, make_ledger
from vouchers.services import voucher_create

D = Decimal
PARTY = "Mehta Stores"


def bills(*rows: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [{"type": kind, "name": name, "amount": amount} for kind, name, amount in rows]


@pytest.fixture
def shop(alice: User, company_creation_open: None) -> Company:
    """Sharma Traders with its letterhead: mailing name, address, state, PIN and GSTIN."""
    return company_create(
        actor=alice,
        name="Sharma Traders",
        mailing_name="Sharma Traders Pvt Ltd",
        address="12 MG Road\nPune",
        state="Maharashtra",
        pin="411001",
        gstin="27AAPFU0939F1ZV",
        financial_year_start=FY_START,
    )


@pytest.fixture
def party(shop: Company, alice: User) -> Ledger:
    """Mehta Stores brings in bill OB-1 (5,000 Dr), buys on INV-7 (1,00,000, 30 days' credit)
    on 5 October and pays 60,000 by cheque on 10 November: OB-1 whole, 40,000 of INV-7 and
    15,000 on account."""
    make_ledger(shop, alice, "Sales", "Sales Accounts")
    opening_bill = {
        "name": "OB-1",
        "date": "2026-03-31",
        "amount": "5000",
        "side": "Dr",
        "due_date": "2026-03-31",
    }
    ledger = make_ledger(
        shop,
        alice,
        PARTY,
        "Sundry Debtors",
        opening_debit="5000",
        opening_bills=[opening_bill],
        state="Gujarat",
        gstin="24AAACM9876B1ZG",
    )
    sale_bill = [{"type": "New Ref", "name": "INV-7", "amount": "100000", "credit_days": 30}]
    voucher_create(
        company=shop,
        actor=alice,
        data={
            "type": "Sales",
            "date": "2026-10-05",
            "reference": "INV-7",
            "entries": [
                {"ledger": PARTY, "debit": "100000", "bills": sale_bill},
                {"ledger": "Sales", "credit": "100000"},
            ],
        },
    )
    paid = bills(("Agst Ref", "OB-1", "5000"), ("Agst Ref", "INV-7", "40000"))
    voucher_create(
        company=shop,
        actor=alice,
        data={
            "type": "Receipt",
            "date": "2026-11-10",
            "reference": "CHQ 123456",
            "entries": [
                {"ledger": "Cash", "debit": "60000"},
                {
                    "ledger": PARTY,
                    "credit": "60000",
                    "bills": [*paid, {"type": "On Account", "amount": "15000"}],
                },
            ],
        },
    )
    return ledger


def statement(shop: Company, party: Ledger, date_from: str, date_to: str) -> Any:
    return party_statement_get(
        company=shop,
        ledger_id=party.pk,
        date_from=dt.date.fromisoformat(date_from),
        date_to=dt.date.fromisoformat(date_to),
    )


def test_the_statement_runs_from_the_opening_to_the_closing(shop, party):
    report = statement(shop, party, "2026-10-01", "2026-11-30")
    assert report.opening == D("5000")
    rows = [
        (r.line.date, r.line.voucher_type, r.reference, r.line.particulars, r.line.balance)
        for r in report.lines
    ]
    assert rows == [
        (dt.date(2026, 10, 5), "Sales", "INV-7", "Sales", D("105000")),
        (dt.date(2026, 11, 10), "Receipt", "CHQ 123456", "Cash", D("45000")),
    ]
    assert (report.total_debit, report.total_credit) == (D("100000"), D("60000"))
    assert report.closing == D("45000")


def test_the_pending_bills_and_on_account_add_up_to_the_closing(shop, party):
    report = statement(shop, party, "2026-10-01", "2026-11-30")
    pending = [(b.name, b.due_date, b.pending, days) for b, days in report.bills_overdue]
    # INV-7 fell due on 4 November: 26 days overdue on 30 November.
    assert pending == [("INV-7", dt.date(2026, 11, 4), D("60000"), 26)]
    assert report.on_account == D("-15000")
    assert report.pending_total + report.on_account == report.closing


def test_bills_pending_at_the_periods_end_not_today(shop, party):
    """Before the receipt both bills stand whole, and nothing is on account."""
    report = statement(shop, party, "2026-04-01", "2026-10-31")
    assert [(b.name, b.pending) for b in report.bills] == [
        ("OB-1", D("5000")),
        ("INV-7", D("100000")),
    ]
    assert (report.closing, report.on_account) == (D("105000"), D("0"))


def test_a_period_after_a_voucher_brings_it_forward(shop, party):
    report = statement(shop, party, "2026-11-01", "2026-11-30")
    assert report.opening == D("105000")
    assert [r.line.voucher_type for r in report.lines] == ["Receipt"]


def test_a_ledger_without_bills_has_a_statement_and_no_bills(shop, party):
    cash = Ledger.objects.get(company=shop, name="Cash")
    report = statement(shop, cash, "2026-04-01", "2026-11-30")
    assert [(r.line.particulars, r.line.balance) for r in report.lines] == [(PARTY, D("60000"))]
    assert report.bills is None


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text as a PDF reader extracts it (through the embedded fonts' maps)."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def page_text(pdf: bytes) -> str:
    return "\n".join(pages_text(pdf))


def test_the_pdf_holds_the_heads_the_figures_and_the_bills(shop, party):
    report = statement(shop, party, "2026-10-01", "2026-11-30")
    pdf = statement_pdf(report)
    assert pdf.startswith(b"%PDF-")
    text = page_text(pdf)
    for shown in (
        "Sharma Traders Pvt Ltd",
        "GSTIN: 27AAPFU0939F1ZV",
        "Statement of Account",
        PARTY,
        "1,05,000.00 Dr",  # Indian grouping
        "CHQ 123456",
        "INV-7",
        "15,000.00 Cr",  # on account
        "45,000.00 Dr",
        "Balance (₹)",
        "Pending (₹)",
    ):
        assert shown in text, shown


def test_a_long_statement_repeats_the_table_heading_on_each_page(shop, party, alice):
    for day in range(1, 29):
        voucher_create(
            company=shop,
            actor=alice,
            data={
                "type": "Sales",
                "date": f"2026-09-{day:02}",
                "entries": [
                    {"ledger": PARTY, "debit": "100"},
                    {"ledger": "Sales", "credit": "100"},
                ],
            },
        )
        voucher_create(
            company=shop,
            actor=alice,
            data={
                "type": "Receipt",
                "date": f"2026-09-{day:02}",
                "entries": [
                    {"ledger": "Cash", "debit": "100"},
                    {"ledger": PARTY, "credit": "100"},
                ],
            },
        )
    report = statement(shop, party, "2026-04-01", "2026-11-30")
    pages = pages_text(statement_pdf(report))
    assert len(pages) >= 2
    assert [page.count("Balance (₹)") for page in pages] == [1] * len(pages)


@pytest.fixture
def owner(alice: User) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def url(shop: Company, ledger: Ledger, query: str = "") -> str:
    return f"/c/{shop.pk}/reports/party-statement/{ledger.pk}/{query}"


def test_the_page_shows_the_statement_and_links_the_pdf(owner, shop, party):
    response = owner.get(url(shop, party, "?from=2026-10-01&to=2026-11-30"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "27AAPFU0939F1ZV" in html
    assert "CHQ 123456" in html
    assert "1,05,000.00 Dr" in html
    assert "?from=2026-10-01&amp;to=2026-11-30&amp;format=pdf" in html


def test_the_pdf_download(owner, shop, party):
    response = owner.get(url(shop, party, "?from=2026-10-01&to=2026-11-30&format=pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition == 'attachment; filename="Statement-Mehta Stores-2026-11-30.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert "Mehta Stores" in page_text(response.content)


def test_the_json(owner, shop, party):
    response = owner.get(
        url(shop, party, "?from=2026-10-01&to=2026-11-30"), headers={"Accept": "application/json"}
    )
    data = response.json()
    assert data["company"]["gstin"] == "27AAPFU0939F1ZV"
    assert data["party"] == {
        "id": party.pk,
        "name": PARTY,
        "group": "Sundry Debtors",
        "state": "Gujarat",
        "gstin": "24AAACM9876B1ZG",
    }
    assert (data["from"], data["to"], data["opening"]) == ("2026-10-01", "2026-11-30", "5000.00")
    line = data["lines"][1]
    assert (line["voucher_type"], line["reference"], line["credit"], line["balance"]) == (
        "Receipt",
        "CHQ 123456",
        "60000.00",
        "45000.00",
    )
    assert data["closing"] == "45000.00"
    assert data["bills"] == [
        {
            "name": "INV-7",
            "date": "2026-10-05",
            "due_date": "2026-11-04",
            "pending": "60000.00",
            "overdue_days": 26,
        }
    ]
    assert data["on_account"] == "-15000.00"


def test_another_companys_ledger_is_not_found(owner, shop, party, dave):
    theirs = company_create(actor=dave, name="Dave & Sons", financial_year_start=FY_START)
    their_party = make_ledger(theirs, dave, "Dave's Customer", "Sundry Debtors")
    assert owner.get(url(shop, their_party)).status_code == 404
    assert owner.get(url(shop, their_party, "?format=pdf")).status_code == 404


def test_a_format_other_than_pdf_is_refused(owner, shop, party):
    response = owner.get(url(shop, party, "?format=doc"), headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "format" in response.json()["errors"]


def test_a_bill_wise_partys_ledger_statement_links_its_statement_of_account(owner, shop, party):
    ledger_page = f"/c/{shop.pk}/reports/ledger/{party.pk}/?from=2026-10-01&to=2026-11-30"
    link = f"{url(shop, party)}?from=2026-10-01&amp;to=2026-11-30"
    assert link in owner.get(ledger_page).content.decode()
    sales = Ledger.objects.get(company=shop, name="Sales")
    sales_page = owner.get(f"/c/{shop.pk}/reports/ledger/{sales.pk}/").content.decode()
    assert "party-statement-link" not in sales_page


def test_the_statement_reads_in_a_fixed_number_of_queries(shop, party, django_assert_num_queries):
    """The ledger, the statement's page with its balance brought forward, the particulars, the
    vouchers' Ref. and the pending bills, however many vouchers (up to 2,000 lines a page)."""
    with django_assert_num_queries(5):
        statement(shop, party, "2026-10-01", "2026-11-30")


def test_a_name_in_devanagari_prints_as_typed(owner, shop, alice):
    """DejaVu Sans has no Devanagari: Noto Sans Devanagari stands in for it, shaped (the vowel
    sign after its consonant as read), and the file keeps the party's name."""
    party = make_ledger(shop, alice, "मेहता Traders (Pune)", "Sundry Debtors")
    response = owner.get(url(shop, party, "?from=2026-04-01&to=2026-11-30&format=pdf"))
    assert response.status_code == 200
    assert "मेहता Traders (Pune)" in page_text(response.content)
    assert b"/BaseFont /" in response.content and b"NotoSansDevanagari" in response.content
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''Statement-%E0%A4%AE")
