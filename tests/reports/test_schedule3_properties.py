"""Random books over two financial years, with a ledger under every kind of group (mapped,
a user's sub-group, Suspense A/c, a user's primary group): Schedule III's totals equal the
Balance Sheet's, its profit before tax is the Nett Profit, and every ledger with a balance
stands, once, under a row or head naming its group."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from books.services import company_create
from ledgers.models import ClosingStock, Group, Ledger
from ledgers.services import group_create
from reports.schedule3 import (
    ScheduleIIIBalanceSheet,
    schedule3_balance_sheet_get,
    schedule3_profit_and_loss_get,
)
from reports.selectors import balance_sheet_get, profit_and_loss_get, sheet_figures_get
from tests.conftest import FY_START, make_ledger
from tests.reports.test_final_accounts_properties import RANDOM_BOOKS, days, paise, signed
from vouchers.services import voucher_create

# key: (ledger name, group)
LEDGERS = {
    "cash": ("Cash", "Cash-in-Hand"),
    "bank": ("HDFC Bank", "Bank Accounts"),
    "od": ("SBI OD", "Bank OD A/c"),
    "party": ("Sharma Enterprises", "Sundry Debtors"),
    "export": ("Acme GmbH", "Export Debtors"),  # a user's sub-group of Sundry Debtors
    "supplier": ("Gupta Suppliers", "Sundry Creditors"),
    "gst": ("Output GST", "Duties & Taxes"),
    "capital": ("Capital", "Capital Account"),
    "loan": ("Term Loan", "Secured Loans"),
    "machine": ("Machinery", "Fixed Assets"),
    "stock": ("Stock", "Stock-in-Hand"),
    "suspense": ("Unknown receipt", "Suspense A/c"),
    "drawings": ("Drawings Ravi", "Partners' Drawings"),  # a user's primary group
    "sales": ("Sales", "Sales Accounts"),
    "purchase": ("Purchase", "Purchase Accounts"),
    "rent": ("Rent", "Indirect Expenses"),
    "interest": ("Interest", "Indirect Incomes"),
    "pl": ("Profit & Loss A/c", None),
}
KEYS = sorted(LEDGERS)
CASH_BANK = {"cash", "bank", "od"}  # Journals take none of them (Tally's rule)
voucher = st.tuples(days, st.sampled_from(KEYS), st.sampled_from(KEYS), paise).filter(
    lambda v: v[1] != v[2]
)


def _ledger_rows(report: ScheduleIIIBalanceSheet) -> list[tuple[int, Decimal, str]]:
    """(ledger id, amount, the group row it stands under) for every ledger row shown."""
    rows = []
    for side in (report.equity_and_liabilities, report.assets):
        for section in side:
            for head in section.heads:
                heading = head.name
                for row in head.details:
                    if row.ledger is None:
                        heading = row.particulars
                    else:
                        rows.append((row.ledger.pk, abs(row.amount), heading))
    return rows


class ScheduleIIIProperties(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.alice = User.objects.create_user("alice", is_staff=True)
        company = company_create(
            actor=cls.alice, name="Sharma Traders", financial_year_start=FY_START
        )
        cls.company = company
        group_create(
            company=company, actor=cls.alice, name="Export Debtors", parent="Sundry Debtors"
        )
        # No service makes a primary group (a user's groups go under one); an import could.
        Group.objects.create(company=company, name="Partners' Drawings", nature=Group.Nature.ASSET)
        cls.ids = {}
        for key, (name, group) in LEDGERS.items():
            if group is None or name == "Cash":
                cls.ids[key] = Ledger.objects.get(company=company, name=name).pk
            else:
                cls.ids[key] = make_ledger(company, cls.alice, name, group).pk

    def _post(self, openings, vouchers, values) -> None:
        for key, amount in openings.items():
            Ledger.objects.filter(pk=self.ids[key]).update(opening_balance=amount)
        for day, dr, cr, amount in vouchers:
            entries = [
                {"ledger": self.ids[dr], "debit": str(amount)},
                {"ledger": self.ids[cr], "credit": str(amount)},
            ]
            kind = {
                (True, True): "Contra",
                (True, False): "Receipt",
                (False, True): "Payment",
                (False, False): "Journal",
            }[(dr in CASH_BANK, cr in CASH_BANK)]
            voucher_create(
                company=self.company,
                actor=self.alice,
                data={"type": kind, "date": day.isoformat(), "entries": entries},
            )
        for day, amount in values:
            ClosingStock.objects.create(
                company=self.company, ledger_id=self.ids["stock"], date=day, amount=amount
            )

    @pytest.mark.timeout(600)
    @RANDOM_BOOKS
    @given(
        openings=st.dictionaries(st.sampled_from(KEYS), signed, max_size=6),
        vouchers=st.lists(voucher, max_size=14),
        values=st.dictionaries(days, paise, max_size=2).map(lambda d: sorted(d.items())),
        as_of=st.lists(days, min_size=1, max_size=3),
    )
    def test_schedule_iii_shows_the_balance_sheet_whole(
        self,
        openings: dict[str, Decimal],
        vouchers: list[Any],
        values: list[Any],
        as_of: list[dt.date],
    ) -> None:
        self._post(openings, vouchers, values)
        company = self.company
        company.refresh_from_db()
        for day in sorted(set(as_of)):
            sheet = balance_sheet_get(company=company, as_of=day)
            report = schedule3_balance_sheet_get(company=company, as_of=day)
            assert report.equity_and_liabilities_total == sheet.liabilities_total, day
            assert report.assets_total == sheet.assets_total, day

            figures = sheet_figures_get(company=company, as_of=day)
            shown = _ledger_rows(report)
            expected = sorted(
                (ledger.pk, abs(amount), ledger.group.name)
                for ledger, amount in figures.balances
                if amount
            )
            assert sorted((pk, amount) for pk, amount, _ in shown) == [
                (pk, amount) for pk, amount, _ in expected
            ], day
            assert sorted(shown) == expected, day
            unmapped = {"Suspense A/c", "Partners' Drawings"}
            with_balance = {name for _, _, name in expected}
            assert with_balance & unmapped <= set(report.not_mapped), day

            first = company.financial_year_begins(day)  # the books begin with the first year
            statement = schedule3_profit_and_loss_get(company=company, date_from=first, date_to=day)
            tally = profit_and_loss_get(company=company, date_from=first, date_to=day)
            assert statement.profit_before_tax == tally.nett_profit, day
