# Seeds the browser tests' server: one office with an owner, an accountant and a viewer.
import datetime as dt

from django.contrib.auth.models import User

from books.services import company_create
from companies.models import Membership
from ledgers.services import ledger_create

PASSWORD = "office-pass-1"
owner = User.objects.create_user("meena", password=PASSWORD, is_staff=True)  # as /setup/ makes it
company = company_create(
    actor=owner, name="Sharma Traders", financial_year_start=dt.date(2026, 4, 1)
)
for name, role in [("ravi", "accountant"), ("kiran", "viewer")]:
    Membership.objects.create(
        user=User.objects.create_user(name, password=PASSWORD), company=company, role=role
    )
for name, group, extra in [
    ("Sharma Enterprises", "Sundry Debtors", {}),
    ("Sales", "Sales Accounts", {}),
    ("HDFC Bank", "Bank Accounts", {"opening_debit": "250000"}),
    ("Capital", "Capital Account", {"opening_credit": "250000"}),
    ("Gupta Suppliers", "Sundry Creditors", {}),
    ("Rent", "Indirect Expenses", {}),
]:
    ledger_create(company=company, actor=owner, data={"name": name, "group": group, **extra})
