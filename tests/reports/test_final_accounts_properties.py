"""Random books over two financial years against a plain-Python oracle: the Profit & Loss A/c's
nett profit is the period's incomes less its expenses (with the stock's change), the Balance
Sheet's sides agree, income and expense ledgers open each year at zero, Profit & Loss A/c
carries exactly the earlier years' results, and the Trial Balance's rows add up to its totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from books.services import company_create
from core.money import ZERO
from ledgers.models import ClosingStock, Ledger
from ledgers.selectors import group_list
from ledgers.services import group_create
from reports.selectors import (
    balance_sheet_get,
    profit_and_loss_get,
    trial_balance_get,
    trial_balance_grouped,
)
from reports.statements import ledger_statement_get
from tests.conftest import FY_START, make_ledger
from vouchers.services import voucher_create

YEAR_2 = FY_START.replace(year=FY_START.year + 1)
LAST = YEAR_2.replace(year=YEAR_2.year + 1) - dt.timedelta(days=1)
DAYS = (LAST - FY_START).days

# key: (name, group, is revenue, is stock)
LEDGERS = {
    "party": ("Sharma Enterprises", "Sundry Debtors", False, False),
    "supplier": ("Gupta Suppliers", "Sundry Creditors", False, False),
    "capital": ("Capital", "Capital Account", False, False),
    "stock": ("Stock", "Stock-in-Hand", False, True),
    "sales": ("Sales", "Sales Accounts", True, False),
    "purchase": ("Purchase", "Purchase Accounts", True, False),
    "freight": ("Freight Inward", "Direct Expenses", True, False),
    "commission": ("Commission", "Direct Incomes", True, False),
    "rent": ("Rent", "Office Expenses", True, False),  # a user group under Indirect Expenses
    "interest": ("Interest", "Indirect Incomes", True, False),
    "pl": ("Profit & Loss A/c", None, False, False),
}
KEYS = sorted(LEDGERS)
PROFIT_AND_LOSS = "Profit & Loss A/c"
REVENUE = [key for key in KEYS if LEDGERS[key][2]]

paise = st.integers(min_value=1, max_value=10**9).map(lambda p: Decimal(p).scaleb(-2))
signed = st.integers(min_value=-(10**8), max_value=10**8).map(lambda p: Decimal(p).scaleb(-2))
days = st.integers(min_value=0, max_value=DAYS).map(lambda n: FY_START + dt.timedelta(days=n))
voucher = st.tuples(days, st.sampled_from(KEYS), st.sampled_from(KEYS), paise).filter(
    lambda v: v[1] != v[2]
)


# Hypothesis's settings for a test that posts random books (a slow example: no deadline, no
# example database, a few dozen examples); test_schedule3_properties uses them too.
RANDOM_BOOKS = settings(
    max_examples=25,
    deadline=None,
    database=None,
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class Oracle:
    """The books as plain lists: openings, entries (key, day, signed amount), stock values."""

    def __init__(self, openings, vouchers, values) -> None:
        self.openings = openings
        self.entries = [(dr, d, a) for d, dr, _, a in vouchers] + [
            (cr, d, -a) for d, _, cr, a in vouchers
        ]
        self.values = sorted(values)

    def moved(self, key: str, first: dt.date, last: dt.date) -> Decimal:
        return sum((a for k, d, a in self.entries if k == key and first <= d <= last), ZERO)

    def book(self, key: str, day: dt.date) -> Decimal:
        return self.openings.get(key, ZERO) + self.moved(key, dt.date.min, day)

    def stock(self, day: dt.date) -> Decimal:
        entered = [amount for when, amount in self.values if when <= day]
        return entered[-1] if entered else self.book("stock", day)

    def nett_profit(self, first: dt.date, last: dt.date) -> Decimal:
        incomes_less_expenses = -sum((self.moved(k, first, last) for k in REVENUE), ZERO)
        before = first - dt.timedelta(days=1)
        stock = self.stock(last) - self.stock(before) - self.moved("stock", first, last)
        return incomes_less_expenses + stock


class FinalAccountsProperties(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.alice = User.objects.create_user("alice", is_staff=True)
        company = company_create(
            actor=cls.alice, name="Sharma Traders", financial_year_start=FY_START
        )
        cls.company = company

        group_create(
            company=company, actor=cls.alice, name="Office Expenses", parent="Indirect Expenses"
        )
        cls.ids = {"pl": Ledger.objects.get(company=company, name="Profit & Loss A/c").pk}
        for key, (name, group, _, _) in LEDGERS.items():
            if group is not None:
                cls.ids[key] = make_ledger(company, cls.alice, name, group).pk

    def _post(self, oracle_vouchers, openings, values) -> None:
        for key, amount in openings.items():
            Ledger.objects.filter(pk=self.ids[key]).update(opening_balance=amount)
        for day, dr, cr, amount in oracle_vouchers:
            voucher_create(
                company=self.company,
                actor=self.alice,
                data={
                    "type": "Journal",
                    "date": day.isoformat(),
                    "entries": [
                        {"ledger": self.ids[dr], "debit": str(amount)},
                        {"ledger": self.ids[cr], "credit": str(amount)},
                    ],
                },
            )
        for day, amount in values:
            ClosingStock.objects.create(
                company=self.company, ledger_id=self.ids["stock"], date=day, amount=amount
            )

    @pytest.mark.timeout(600)
    @RANDOM_BOOKS
    @given(
        openings=st.dictionaries(st.sampled_from(KEYS), signed, max_size=5),
        vouchers=st.lists(voucher, max_size=12),
        values=st.dictionaries(days, paise, max_size=3).map(lambda d: sorted(d.items())),
        as_of=st.lists(days, min_size=1, max_size=3),
    )
    def test_final_accounts_agree_with_the_oracle(
        self,
        openings: dict[str, Decimal],
        vouchers: list[Any],
        values: list[Any],
        as_of: list[dt.date],
    ) -> None:
        self._post(vouchers, openings, values)
        oracle = Oracle(openings, vouchers, values)
        company = self.company
        company.refresh_from_db()
        year_1_end = YEAR_2 - dt.timedelta(days=1)
        year_1_profit = oracle.nett_profit(FY_START, year_1_end)
        revenue_openings = sum((openings.get(k, ZERO) for k in REVENUE), ZERO)
        for day in sorted({*as_of, year_1_end, YEAR_2, LAST}):
            first = FY_START if day < YEAR_2 else YEAR_2
            report = profit_and_loss_get(company=company, date_from=first, date_to=day)
            assert report.nett_profit == oracle.nett_profit(first, day), day
            assert report.trading_total == sum((x.amount for x in report.trading_credit), ZERO)
            assert report.total == sum((x.amount for x in report.credit), ZERO)

            sheet = balance_sheet_get(company=company, as_of=day)
            assert sheet.liabilities_total == sheet.assets_total, day
            earlier = year_1_profit if day >= YEAR_2 else ZERO
            expected_opening = -oracle.book("pl", day) - revenue_openings + earlier
            line = next(
                (x for x in sheet.liabilities if x.particulars == "Profit & Loss A/c"), None
            )
            if line is None:
                assert expected_opening + oracle.nett_profit(first, day) == 0, day
            else:
                opening, current = line.details
                assert (opening.amount, current.amount) == (
                    expected_opening,
                    oracle.nett_profit(first, day),
                ), day

            balance = trial_balance_get(company=company, as_of=day)
            rows = {row.ledger.pk: row.balance for row in balance.rows}
            if day >= YEAR_2:
                expected_pl = oracle.book("pl", day) + revenue_openings - year_1_profit
                assert rows.get(self.ids["pl"], ZERO) == expected_pl, day
                for key in REVENUE:
                    assert rows.get(self.ids[key], ZERO) == oracle.moved(key, YEAR_2, day)
            debit = sum((r.debit for r in balance.rows), ZERO) + max(
                balance.opening_difference, ZERO
            )
            assert balance.total_debit == debit == balance.total_credit
            grouped, _ = trial_balance_grouped(
                report=balance, groups=list(group_list(company=company))
            )
            assert (
                grouped.total_debit
                == grouped.total_credit
                == sum((a for a in grouped._amounts() if a > 0), ZERO)
            )
        for key in REVENUE:
            statement = ledger_statement_get(
                ledger=Ledger.objects.get(pk=self.ids[key]), date_from=YEAR_2, date_to=LAST
            )
            assert statement.opening == ZERO, key
            assert statement.closing == oracle.moved(key, YEAR_2, LAST), key
