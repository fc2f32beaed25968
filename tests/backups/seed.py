"""Three companies' books for the move tests, made through the services as an office makes
them: several users and roles, two financial years each, opening balances (one set that does
not agree), closing stock, altered, cancelled and deleted vouchers, a batch posted in bulk, and
ledger names whose order differs between SQLite's and PostgreSQL's collations.

Run in a process of its own on the books to fill (`manage.py shell -c "from tests.backups.seed
import seed; seed()"`): it prints the company ids as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User

from books.services import company_create, member_set
from companies.models import Company
from config.models import CompanyCreation, ServerConfig
from config.selectors import config_forget
from ledgers.models import Ledger
from ledgers.services import closing_stock_set, ledger_create
from vouchers.drafts import Line, VoucherDraft
from vouchers.models import Voucher, VoucherType
from vouchers.services import (
    voucher_alter,
    voucher_cancel,
    voucher_create,
    voucher_delete,
    vouchers_post_batches,
)

PASSWORDS = {"meena": "meena-secret-1", "ravi": "ravi-secret-1", "sita": "sita-secret-1"}
# (name, group, opening: signed, Dr positive)
CHART = [
    ("Capital", "Capital Account", "-60000"),
    ("HDFC Bank", "Bank Accounts", "50000"),
    ("Stock", "Stock-in-Hand", "10000"),
    ("Sales", "Sales Accounts", "0"),
    ("Purchase", "Purchase Accounts", "0"),
    ("Freight Inward", "Direct Expenses", "0"),
    ("Shop Rent", "Indirect Expenses", "0"),
    ("Discount Received", "Indirect Incomes", "0"),
    # Names SQLite (bytes) and PostgreSQL (the locale) put in different orders.
    ("apple Traders", "Sundry Debtors", "0"),
    ("Zebra Stores", "Sundry Debtors", "0"),
    ("Café Mocha", "Sundry Debtors", "0"),
    ("_Walk-in Customer", "Sundry Debtors", "0"),
    ("Gupta Suppliers", "Sundry Creditors", "0"),
]
DEBTORS = ["apple Traders", "Zebra Stores", "Café Mocha", "_Walk-in Customer"]


def entry(debit: str, credit: str, amount: str) -> list[dict[str, str]]:
    return [{"ledger": debit, "debit": amount}, {"ledger": credit, "credit": amount}]


def post(company: Company, actor: User, kind: str, day: dt.date, lines: list) -> Voucher:
    data = {
        "type": kind,
        "date": day.isoformat(),
        "narration": f"{kind} of {day}",
        "entries": lines,
    }
    return voucher_create(company=company, actor=actor, data=data)


def chart(company: Company, actor: User, openings: bool = True) -> dict[str, Ledger]:
    ledgers = {"Cash": Ledger.objects.get(company=company, name="Cash")}
    for name, group, opening in CHART:
        data: dict[str, Any] = {"name": name, "group": group}
        amount = Decimal(opening) if openings else Decimal(0)
        if amount > 0:
            data["opening_debit"] = str(amount)
        elif amount < 0:
            data["opening_credit"] = str(-amount)
        ledgers[name] = ledger_create(company=company, actor=actor, data=data)
    return ledgers


def year_of_trade(
    company: Company, actor: User, first: dt.date, seed: int, months: int = 12
) -> None:
    """A year's vouchers one by one (sales, purchases, expenses, receipts), from `first`."""
    rng = random.Random(seed)
    for month in range(months):
        day = (first + dt.timedelta(days=31 * month)).replace(day=min(5 + month, 28))
        customer = DEBTORS[month % len(DEBTORS)]
        post(company, actor, "Sales", day, entry(customer, "Sales", f"{rng.randint(1, 90)}000.50"))
        post(company, actor, "Purchase", day, entry("Purchase", "Gupta Suppliers", "7250.25"))
        post(company, actor, "Receipt", day, entry("HDFC Bank", customer, "1000"))
        if month % 3 == 0:
            post(company, actor, "Payment", day, entry("Shop Rent", "Cash", "3000"))
            post(company, actor, "Payment", day, entry("Freight Inward", "HDFC Bank", "410.10"))
    post(company, actor, "Journal", first, entry("Gupta Suppliers", "Discount Received", "150"))


def bulk(company: Company, actor: User, ledgers: dict[str, Ledger], first: dt.date) -> None:
    """300 vouchers of 2 to 4 lines through the batch path (as an import posts them)."""
    rng = random.Random(company.pk)
    sales = VoucherType.objects.get(company=company, name="Sales")
    drafts = []
    for n in range(300):
        others = [rng.randint(100, 900_000) for _ in range(rng.randint(1, 3))]
        day = first + dt.timedelta(days=rng.randrange(365))
        lines = [Line(ledger=ledgers[DEBTORS[n % 4]], amount=Decimal(sum(others)).scaleb(-2))]
        lines += [Line(ledger=ledgers["Sales"], amount=-Decimal(p).scaleb(-2)) for p in others]
        drafts.append(
            VoucherDraft(voucher_type=sales, date=day, narration=f"bulk {n}", lines=lines)
        )
    vouchers_post_batches(company=company, actor=actor, drafts=drafts, size=120)


def alterations(company: Company, actor: User) -> None:
    """An altered, a cancelled and a deleted voucher (its number is not given again)."""
    vouchers = list(Voucher.objects.filter(company=company).order_by("pk")[:3])
    altered, cancelled, deleted = vouchers
    lines = entry("Zebra Stores", "Sales", "12345.67")
    data = {"type": "Sales", "date": altered.date.isoformat(), "entries": lines}
    voucher_alter(company=company, voucher=altered, actor=actor, data=data, version=1)
    voucher_cancel(company=company, voucher=cancelled, actor=actor, version=1)
    voucher_delete(company=company, voucher=deleted, actor=actor, version=1)


def seed(months: int = 12) -> None:
    """The three companies, each year traded for `months` months (fewer: a quicker test)."""
    ServerConfig.objects.update_or_create(
        pk=1, defaults={"company_creation": CompanyCreation.EVERYONE}
    )
    config_forget()
    users = {
        name: User.objects.create_user(name, password=password, is_staff=name == "meena")
        for name, password in PASSWORDS.items()
    }
    meena, ravi, sita = users["meena"], users["ravi"], users["sita"]
    april, january = dt.date(2026, 4, 1), dt.date(2026, 1, 1)

    sharma = company_create(actor=meena, name="Sharma Traders", financial_year_start=april)
    member_set(company=sharma, actor=meena, username="ravi", role="accountant")
    member_set(company=sharma, actor=meena, username="sita", role="viewer")
    ledgers = chart(sharma, meena)
    year_of_trade(sharma, ravi, april, seed=1, months=months)
    year_of_trade(sharma, meena, dt.date(2027, 4, 1), seed=2, months=months)
    bulk(sharma, ravi, ledgers, april)
    alterations(sharma, ravi)
    stock = ledgers["Stock"]
    for day, amount in ((dt.date(2027, 3, 31), "14200"), (dt.date(2028, 3, 31), "9100.40")):
        closing_stock_set(
            company=sharma, actor=meena, ledger=stock, data={"date": day, "amount": amount}
        )

    gupta = company_create(actor=ravi, name="Gupta & Sons", financial_year_start=january)
    member_set(company=gupta, actor=ravi, username="meena", role="viewer")
    chart(gupta, ravi)
    year_of_trade(gupta, ravi, january, seed=3, months=months)
    year_of_trade(gupta, ravi, dt.date(2027, 1, 1), seed=4, months=months)
    alterations(gupta, ravi)

    # Openings that do not agree: a Difference in opening balances on every report.
    mehta = company_create(
        actor=sita, name="Mehta Textiles", financial_year_start=april, books_beginning=april
    )
    mehta_ledgers = chart(mehta, sita, openings=False)
    ledger_create(
        company=mehta,
        actor=sita,
        data={"name": "Old Loan", "group": "Loans (Liability)", "opening_credit": "12500.75"},
    )
    year_of_trade(mehta, sita, april, seed=5, months=months)
    bulk(mehta, sita, mehta_ledgers, april)
    # Saves turn about between companies, as in an office: each one's ids lie around the
    # others', so a restore that keeps ids cannot check them by their range alone.
    post(sharma, ravi, "Sales", dt.date(2027, 7, 1), entry("Zebra Stores", "Sales", "999.99"))
    late = {"name": "Late Supplier", "group": "Sundry Creditors", "opening_credit": "0"}
    ledger_create(company=sharma, actor=meena, data=late)
    member_set(company=gupta, actor=ravi, username="sita", role="accountant")
    post(gupta, ravi, "Sales", dt.date(2027, 8, 1), entry("Café Mocha", "Sales", "100.01"))
    print(json.dumps({c.name: c.pk for c in (sharma, gupta, mehta)}))
