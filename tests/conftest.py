"""Personas and a seeded company: alice owns Sharma Traders, bob keeps its accounts, charlie
views it, dave is a stranger. None of them is staff: the server lets everyone create companies
(`company_creation_open`) wherever a test needs alice's or dave's own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from books.services import company_create
from books.setup_code import setup_code_issue
from companies.auth import token_issue
from companies.models import Company, Membership
from config.models import CompanyCreation, ServerConfig
from config.selectors import config_forget, config_get
from ledgers.models import Ledger
from ledgers.services import ledger_create
from sync.registry import refusals
from vouchers.services import voucher_create

FY_START = dt.date(2026, 4, 1)
DAY = dt.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def head_file(settings: Any, tmp_path: Any) -> Any:
    """Each test's own Edit Log head file (editlog.head), empty at the start: the heads that
    other tests' commits wrote name chains this test's database does not have."""
    settings.EDITLOG_HEAD_FILE = tmp_path / "editlog_head"
    return settings.EDITLOG_HEAD_FILE


@pytest.fixture(autouse=True)
def fresh_server_config() -> None:
    """Each test's database has its own ServerConfig row: forget the cached one (and which
    refused handshakes this process already logged)."""
    config_forget()
    refusals.forget()


@pytest.fixture
def setup_code(settings: Any, tmp_path: Any) -> str:
    """A data folder of the test's own, with the set-up code `manage.py serve` would print."""
    settings.VAR_DIR = tmp_path
    return setup_code_issue()


@pytest.fixture
def config_cached(db: Any) -> None:
    """Read the ServerConfig now: a process reads it once per 5 s, not per page, so a page's
    query count is measured without it."""
    config_get()


@pytest.fixture
def company_creation_open(db: Any) -> None:
    """The Server configuration lets every signed-in user create companies (staff only is the
    default), as an office that trusts its people with their own books would set it."""
    ServerConfig.objects.update_or_create(
        pk=1, defaults={"company_creation": CompanyCreation.EVERYONE}
    )
    config_forget()


@pytest.fixture
def alice(db: Any) -> User:
    return User.objects.create_user("alice", password="alice-secret-1")


@pytest.fixture
def bob(db: Any) -> User:
    return User.objects.create_user("bob", password="bob-secret-1")


@pytest.fixture
def charlie(db: Any) -> User:
    return User.objects.create_user("charlie", password="charlie-secret-1")


@pytest.fixture
def dave(db: Any) -> User:
    return User.objects.create_user("dave", password="dave-secret-1")


@pytest.fixture
def company(alice: User, bob: User, charlie: User, company_creation_open: None) -> Company:
    company = company_create(
        actor=alice, name="Sharma Traders", state="Maharashtra", financial_year_start=FY_START
    )
    Membership.objects.create(user=bob, company=company, role="accountant")
    Membership.objects.create(user=charlie, company=company, role="viewer")
    return company


def make_ledger(company: Company, actor: User, name: str, group: str, **data: Any) -> Ledger:
    return ledger_create(company=company, actor=actor, data={"name": name, "group": group, **data})


@pytest.fixture
def ledgers(company: Company, alice: User) -> dict[str, Ledger]:
    """The ledgers an ordinary office has: a debtor, a creditor, sales, purchase, bank, rent."""
    return {
        "cash": Ledger.objects.get(company=company, name="Cash"),
        "party": make_ledger(company, alice, "Sharma Enterprises", "Sundry Debtors"),
        "supplier": make_ledger(company, alice, "Gupta Suppliers", "Sundry Creditors"),
        "sales": make_ledger(company, alice, "Sales", "Sales Accounts"),
        "purchase": make_ledger(company, alice, "Purchase", "Purchase Accounts"),
        "bank": make_ledger(company, alice, "HDFC Bank", "Bank Accounts"),
        "rent": make_ledger(company, alice, "Rent", "Indirect Expenses"),
    }


def sale(amount: str = "100000.00", party: str = "Sharma Enterprises", **extra: Any) -> dict:
    return {
        "type": "Sales",
        "date": DAY.isoformat(),
        "narration": "Invoice for Sharma Enterprises",
        "entries": [{"ledger": party, "debit": amount}, {"ledger": "Sales", "credit": amount}],
        **extra,
    }


@pytest.fixture
def voucher(company: Company, alice: User, ledgers: dict[str, Ledger]) -> Any:
    return voucher_create(company=company, actor=alice, data=sale())


def balance(ledger: Ledger) -> Decimal:
    return Ledger.objects.get(pk=ledger.pk).closing_balance


@pytest.fixture
def api(alice: User) -> Client:
    """alice's script: an API token, JSON both ways."""
    return Client(headers={"Authorization": f"Token {token_issue(user=alice)}"})


def client_for(user: User) -> Client:
    return Client(headers={"Authorization": f"Token {token_issue(user=user)}"})


@pytest.fixture
def save_counted(django_assert_num_queries, django_capture_on_commit_callbacks):
    """Count a JSON save's queries exactly (`request`), and that what its commit runs after on
    the request's thread costs none: the publish is a nudge (the hub reads and renders the
    Change, sync.hub), the head a line in a file."""

    @contextmanager
    def counting(*, request: int) -> Iterator[None]:
        # Left to right on the way in, right to left on the way out.
        with (
            django_assert_num_queries(request),
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            django_assert_num_queries(request),
        ):
            yield
        # The publish of its Change, and its new head's line in the head file (editlog.head).
        assert [callback.func.__name__ for callback in callbacks] == ["publish", "head_append"]

    return counting
