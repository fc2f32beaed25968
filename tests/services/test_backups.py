"""Backups on PostgreSQL (NOTES.md C.6 (3) and (5)): a company backed up while a writer thread
keeps saving gives an archive that agrees with itself, and `manage.py move_to` takes three
companies from SQLite to PostgreSQL with an empty difference report — the users sign in there
with their passwords, and the next saves find no sequence behind.

The move runs as an office runs it, `manage.py` in processes of their own on a SQLite file (the
source) and a PostgreSQL database of the test's own (`test_move_<random>`, dropped after).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import subprocess
import sys
import threading
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import pytest
from django.db import connection

from backups.archive import MANIFEST, backup_write
from reports.selectors import trial_balance_get
from tests.conftest import FY_START, sale
from tests.reports.test_final_accounts import b1  # noqa: F401 (a fixture)
from tests.services.conftest import pg_connect
from tests.services.servers import ROOT, server_env, sqlite_url
from vouchers.drafts import Line, VoucherDraft
from vouchers.models import Voucher, VoucherType
from vouchers.services import voucher_create, vouchers_post_batches

RUN_TIMEOUT = 600  # seconds for one manage.py run (the seed and the move save one by one)


def run(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    if ok:
        assert done.returncode == 0, f"manage.py {args[0]}:\n{done.stdout}\n{done.stderr}"
    return done


def shell(env: dict[str, str], code: str) -> Any:
    """Run `code` in `manage.py shell` on the env's books; what its last line prints, as JSON."""
    out = run(env, "shell", "-v0", "-c", code).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def target_url(services_available: None) -> Iterator[str]:
    """An empty PostgreSQL database of this test's own, dropped after."""
    name = f"test_move_{secrets.token_hex(4)}"
    admin = dj_database_url.config()  # the URL as given, not pytest-django's test_<name>
    with pg_connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        yield urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))
    finally:
        with pg_connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


SIGN_IN = """
import json
from django.test import Client
answer = Client().post("/login/", {"username": "ravi", "password": "ravi-secret-1"})
wrong = Client().post("/login/", {"username": "ravi", "password": "meena-secret-1"})
print(json.dumps([answer.status_code, answer.get("Location"), wrong.status_code]))
"""

NEXT_SAVES = """
import datetime as dt, json
from django.contrib.auth.models import User
from books.services import company_create, member_set
from companies.auth import token_issue
from ledgers.services import ledger_create
from vouchers.services import voucher_create
ravi = User.objects.get(username="ravi")
sharma = Company.objects.get(name="Sharma Traders")
ledger_create(company=sharma, actor=ravi, data={"name": "New Debtor", "group": "Sundry Debtors"})
entries = [{"ledger": "New Debtor", "debit": "500"}, {"ledger": "Sales", "credit": "500"}]
data = {"type": "Sales", "date": "2027-06-01", "entries": entries}
voucher = voucher_create(company=sharma, actor=ravi, data=data)
newcomer = User.objects.create_user("newcomer", password="newcomer-secret-1")
token_issue(user=newcomer)
fresh = company_create(actor=ravi, name="After The Move", financial_year_start=dt.date(2026, 4, 1))
member_set(company=fresh, actor=ravi, username="newcomer", role="viewer")
print(json.dumps([voucher.number, voucher.change.seq, sharma.last_seq]))
"""


def test_move_of_three_companies_from_sqlite_to_postgresql(tmp_path, target_url):
    source = server_env(sqlite_url(tmp_path / "books.sqlite3"), tmp_path)
    target = {**source, "DATABASE_URL": target_url}
    run(source, "migrate", "--noinput", "-v0")
    companies = shell(source, "from tests.backups.seed import seed; seed()")
    assert list(companies) == ["Sharma Traders", "Gupta & Sons", "Mehta Textiles"]

    moved = run(source, "move_to", target_url, "--folder", str(tmp_path / "move"), ok=False)
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert "Difference report: empty. 3 companies moved" in moved.stdout

    # The proof again, from outside the command: both databases print the same bytes.
    figures = run(source, "books_figures").stdout
    assert run(target, "books_figures").stdout == figures
    years = {name: list(c["years"]) for name, c in json.loads(figures)["companies"].items()}
    assert years == {
        "Gupta & Sons": ["2026", "2027"],
        "Mehta Textiles": ["2026-27"],
        "Sharma Traders": ["2026-27", "2027-28"],
    }

    signing_in = {**target, "ALLOWED_HOSTS": "testserver"}
    assert shell(signing_in, SIGN_IN) == [302, "/", 200]
    number, seq, last_seq_before = shell(target, NEXT_SAVES)
    assert seq == last_seq_before + 2  # the ledger's Change, then the voucher's
    assert number > 1
    run(target, "verify_editlog", "--reconcile")

    again = run(source, "move_to", target_url, "--folder", str(tmp_path / "again"), ok=False)
    assert again.returncode == 1
    assert "cannot take the move: it already holds 4 companies and 4 users" in again.stderr
    assert not (tmp_path / "again" / "001.tsbk").exists()


def test_a_refused_target_url_writes_nothing(tmp_path, services_available):
    source = server_env(sqlite_url(tmp_path / "books.sqlite3"), tmp_path)
    run(source, "migrate", "--noinput", "-v0")
    same = run(source, "move_to", sqlite_url(tmp_path / "books.sqlite3"), ok=False)
    assert "The target is the database this server uses" in same.stderr
    nameless = run(source, "move_to", "postgres://postgres@127.0.0.1:5432", ok=False)
    assert "names no database" in nameless.stderr
    assert not list(tmp_path.glob("move-*"))


@pytest.mark.django_db
@pytest.mark.usefixtures("postgres")
def test_the_next_years_trial_balance_carries_the_closing_stock_once(company, alice, b1):  # noqa: F811
    """What the move's proof found: on PostgreSQL the stock's revaluation was carried twice
    into Profit & Loss A/c (`core.money.money_sum` split a NUMERIC sum by exact division) and
    the next year's Trial Balance did not agree. NOTES.md B.3's April: nett profit 1,800.00."""
    next_year = trial_balance_get(company=company, as_of=dt.date(2027, 6, 30))
    carried = {row.ledger.name: row.balance for row in next_year.rows}
    assert carried["Profit & Loss A/c"] == Decimal("-1800")
    assert carried["Stock"] == Decimal("11200")
    assert next_year.total_debit == next_year.total_credit


# A backup while a writer saves (C.6 (3)), on the test's own PostgreSQL database.


def archive_rows(archive: zipfile.ZipFile, manifest: dict[str, Any], table: str) -> list[dict]:
    (member,) = [m for m in manifest["files"] if m["table"] == table]
    return [json.loads(line) for line in archive.read(member["path"]).splitlines()]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres")
def test_a_backup_taken_while_a_writer_saves_agrees_with_itself(company, ledgers, alice, tmp_path):
    sales = VoucherType.objects.get(company=company, name="Sales")
    party, revenue = ledgers["party"], ledgers["sales"]
    drafts = [
        VoucherDraft(
            voucher_type=sales,
            date=FY_START + dt.timedelta(days=n % 365),
            narration="",
            lines=[
                Line(ledger=party, amount=Decimal(n + 1)),
                Line(ledger=revenue, amount=-Decimal(n + 1)),
            ],
        )
        for n in range(2000)
    ]
    vouchers_post_batches(company=company, actor=alice, drafts=drafts)
    saved, stop, after_snapshot = [0], threading.Event(), threading.Event()
    started_at: list[int] = []
    writing = threading.Event()

    def writer() -> None:
        try:
            while not stop.is_set():
                voucher_create(company=company, actor=alice, data=sale("10.00"))
                saved[0] += 1
                writing.set()
                if started_at and saved[0] >= started_at[0] + 3:
                    after_snapshot.set()
        finally:
            connection.close()

    def progress(done: int, total: int, table: str) -> None:
        """Mid-backup: let the writer commit three more saves into the books being read."""
        if not started_at:
            started_at.append(saved[0])
            assert after_snapshot.wait(timeout=60), "the writer saved nothing meanwhile"

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    assert writing.wait(timeout=60), "the writer saved nothing"
    try:
        manifest = backup_write(company=company, path=tmp_path / "during.tsbk", progress=progress)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert after_snapshot.is_set()
    in_books = Voucher.objects.filter(company=company).count()

    with zipfile.ZipFile(tmp_path / "during.tsbk") as archive:
        written = json.loads(archive.read(MANIFEST))
        for member in written["files"]:  # each member's rows and SHA-256 as the manifest says
            data = archive.read(member["path"])
            assert hashlib.sha256(data).hexdigest() == member["sha256"], member["path"]
            assert len(data.splitlines()) == member["rows"], member["path"]
        vouchers = archive_rows(archive, written, "vouchers.voucher")
        entries = archive_rows(archive, written, "vouchers.entry")
        changes = archive_rows(archive, written, "editlog.change")
        ledger_rows = archive_rows(archive, written, "ledgers.ledger")
        (company_row,) = archive_rows(archive, written, "companies.company")

    assert written == manifest.as_json()
    assert len(vouchers) == written["checks"]["vouchers"] < in_books  # a cut, not the end
    assert len(vouchers) > 2000
    # Σ Dr = Σ Cr per financial year, recomputed from the rows, as the manifest says.
    years: dict[str, dict[str, int]] = defaultdict(lambda: {"debit": 0, "credit": 0})
    per_voucher: Counter[int] = Counter()
    ids = {row["id"] for row in vouchers}
    for row in entries:
        assert row["voucher_id"] in ids, "an entry without its voucher"
        paise = int(Decimal(row["amount"]) * 100)
        year = str(company.financial_year_of(dt.date.fromisoformat(row["date"])))
        years[year]["debit" if paise > 0 else "credit"] += abs(paise)
        per_voucher[row["voucher_id"]] += paise
    assert written["checks"]["years"] == dict(years)
    assert all(y["debit"] == y["credit"] for y in years.values())
    assert set(per_voucher) == ids and not any(per_voucher.values())  # each voucher balances
    # The ledgers' kept totals are those of the entries in the archive (one snapshot).
    moved: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in entries:
        paise = int(Decimal(row["amount"]) * 100)
        moved[row["ledger_id"]][0 if paise > 0 else 1] += abs(paise)
    for row in ledger_rows:
        kept = [int(Decimal(row["total_debit"]) * 100), int(Decimal(row["total_credit"]) * 100)]
        assert kept == moved.get(row["id"], [0, 0]), row["name"]
    # The Edit Log: gap-free to the company row's head, one Change per saved voucher.
    seqs = sorted(row["seq"] for row in changes)
    assert seqs == list(range(1, company_row["last_seq"] + 1))
    last = max(changes, key=lambda row: row["seq"])
    assert last["hash"] == company_row["last_hash"] == written["checks"]["editlog"]["hash"]
    created = [r for r in changes if r["object_type"] == "voucher" and r["verb"] == "create"]
    assert len(created) == len(vouchers)
