"""Every Change carries the HMAC-SHA256, under the Edit Log's key, of its content and of the
previous Change's hash."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from books.services import company_create
from companies.models import Company
from editlog.chain import GENESIS, chain_key, change_content, change_hash
from editlog.models import Change
from editlog.selectors import editlog_verify
from tests.conftest import sale
from vouchers.services import voucher_alter, voucher_create

KEY = b"a key of the test's own"


def keyed(change, *, prev_hash: str) -> str:
    """The hash the writer gives `change`, under the server's key."""
    return change_hash(change, prev_hash=prev_hash, key=chain_key())


def chain(company: Company) -> list[Change]:
    return list(Change.objects.filter(company=company).order_by("seq"))


def test_each_change_is_chained_to_the_one_before(company, ledgers, voucher):
    changes = chain(company)
    assert len(changes) >= 8
    prev_hash = GENESIS
    for change in changes:
        assert re.fullmatch(r"[0-9a-f]{64}", change.hash)
        assert change.prev_hash == prev_hash
        assert change.hash == keyed(change, prev_hash=prev_hash), change.seq
        prev_hash = change.hash
    assert len({change.hash for change in changes}) == len(changes)


def test_each_company_has_its_own_chain(company, dave):
    other = company_create(actor=dave, name="Gupta & Sons")
    first = Change.objects.get(company=other)
    assert first.seq == 1
    assert first.hash == keyed(first, prev_hash=GENESIS)


def test_the_hash_written_is_the_hash_of_what_the_database_gives_back(company, alice, ledgers):
    """Decimals and dates in `after` come back as strings; the hash must not notice."""
    voucher = voucher_create(company=company, actor=alice, data=sale("1234.50"))
    written = voucher.change
    assert written.after["entries"][0]["debit"] == Decimal("1234.50")  # before the round trip
    assert isinstance(written.after["date"], dt.date)
    stored = Change.objects.get(pk=written.pk)
    assert stored.after["entries"][0]["debit"] == "1234.50"
    assert change_content(stored) == change_content(written)
    prev = Change.objects.get(company=company, seq=written.seq - 1)
    assert stored.hash == keyed(stored, prev_hash=prev.hash)


def test_the_chain_goes_on_across_alterations(company, alice, voucher):
    altered = voucher_alter(
        company=company, voucher=voucher, actor=alice, data=sale("5.00"), version=voucher.version
    )
    prev = Change.objects.get(company=company, seq=altered.change.seq - 1)
    assert altered.change.hash == keyed(altered.change, prev_hash=prev.hash)
    assert editlog_verify(company=company) == []


FIELDS = [
    ("company_id", 999),
    ("seq", 999),
    ("at", dt.datetime(2026, 11, 26, tzinfo=dt.UTC)),
    ("actor_id", 999),
    ("actor_name", "mallory"),
    ("verb", "delete"),
    ("object_type", "ledger"),
    ("object_id", 999),
    ("object_repr", "Something else"),
    ("before", {"name": "x"}),
    ("after", {"name": "y"}),
]


@dataclasses.dataclass
class Plain:
    company_id: int = 1
    seq: int = 1
    at: dt.datetime = dt.datetime(2026, 11, 26, 10, 0, 2, 113000, tzinfo=dt.UTC)
    actor_id: int | None = 1
    actor_name: str = "alice"
    verb: str = "create"
    object_type: str = "voucher"
    object_id: int = 17
    object_repr: str = "Sales No. 5"
    before: dict | None = None
    after: dict | None = dataclasses.field(default_factory=lambda: {"narration": "Invoice"})


@pytest.mark.parametrize(("name", "value"), FIELDS, ids=[name for name, _ in FIELDS])
def test_the_hash_covers_every_field(name, value):
    plain = Plain()
    assert change_hash(dataclasses.replace(plain, **{name: value}), prev_hash=GENESIS, key=KEY) != (
        change_hash(plain, prev_hash=GENESIS, key=KEY)
    )


def test_the_hash_covers_the_previous_hash_and_is_stable():
    plain = Plain()
    assert change_hash(plain, prev_hash=GENESIS, key=KEY) == change_hash(
        Plain(), prev_hash=GENESIS, key=KEY
    )
    assert change_hash(plain, prev_hash="1" * 64, key=KEY) != change_hash(
        plain, prev_hash=GENESIS, key=KEY
    )


def test_the_hash_depends_on_the_key():
    """Without the key nobody recomputes a hash that verifies: not with SHA-256 alone (the
    review's forgery), nor under another key."""
    plain = Plain()
    unkeyed = hashlib.sha256((GENESIS + change_content(plain)).encode()).hexdigest()
    assert change_hash(plain, prev_hash=GENESIS, key=KEY) != unkeyed
    assert change_hash(plain, prev_hash=GENESIS, key=KEY) != (
        change_hash(plain, prev_hash=GENESIS, key=b"another key")
    )


def test_nothing_is_chained_without_a_key(settings, company, alice, ledgers):
    settings.EDITLOG_KEY = ""
    before = Change.objects.count()
    with pytest.raises(ImproperlyConfigured, match="TALLYSYNC_EDITLOG_KEY"):
        voucher_create(company=company, actor=alice, data=sale("5.00"))
    assert Change.objects.count() == before


def test_the_same_moment_in_another_time_zone_hashes_the_same():
    ist = dt.timezone(dt.timedelta(hours=5, minutes=30))
    plain = Plain()
    local = dataclasses.replace(plain, at=plain.at.astimezone(ist))
    assert change_hash(local, prev_hash=GENESIS, key=KEY) == change_hash(
        plain, prev_hash=GENESIS, key=KEY
    )


def test_key_order_does_not_matter():
    """jsonb (PostgreSQL) gives keys back in its own order."""
    one = Plain(after={"a": 1, "b": [{"x": "1.00", "y": None}]})
    two = Plain(after={"b": [{"y": None, "x": "1.00"}], "a": 1})
    assert change_hash(one, prev_hash=GENESIS, key=KEY) == change_hash(
        two, prev_hash=GENESIS, key=KEY
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_changes_written_before_the_chain(company, ledgers, voucher):
    """Migrations 0004 (the unkeyed chain) and 0006 (re-chained under the key) give existing
    Changes the very hashes the writer (UnitOfWork.record) would have written (on PostgreSQL
    they get past the append-only trigger for that one transaction); going back, 0006 makes
    the unkeyed chain again."""
    written = {c.pk: (c.prev_hash, c.hash) for c in Change.objects.all()}
    executor = MigrationExecutor(connection)
    executor.migrate([("editlog", "0003_change_actor_protect")])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert {c.pk: (c.prev_hash, c.hash) for c in Change.objects.all()} == written
    assert editlog_verify(company=company) == []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgenabled FROM pg_trigger WHERE tgname = 'editlog_change_append_only'"
            )
            assert cursor.fetchone()[0] == "O"  # enabled again


def test_the_last_hash_migration_gives_each_company_its_newest_changes_hash(
    company, ledgers, voucher, dave, company_creation_open
):
    """companies 0002 fills Company.last_hash for books written before it from the Change at
    last_seq, so the next save chains on from there (a company without Changes keeps zeros)."""
    import importlib

    from django.apps import apps

    fill = importlib.import_module("companies.migrations.0002_company_last_hash").last_hash_fill
    company_create(actor=dave, name="Gupta & Sons")
    Company.objects.update(last_hash=GENESIS)
    empty = Company.objects.create(
        name="Empty", financial_year_start="2026-04-01", books_beginning="2026-04-01"
    )
    fill(apps, None)
    for company in Company.objects.exclude(pk=empty.pk):
        newest = Change.objects.get(company=company, seq=company.last_seq)
        assert company.last_hash == newest.hash
    assert Company.objects.get(pk=empty.pk).last_hash == GENESIS


@pytest.mark.django_db(transaction=True)
def test_the_keyed_migration_refuses_a_log_damaged_before_it(company, ledgers, voucher, raw_sql):
    """0006 does not launder: a Change altered while the chain had no key stops the upgrade,
    naming it, and the log is left as it was."""
    executor = MigrationExecutor(connection)
    executor.migrate([("editlog", "0005_change_request_key")])
    raw_sql(
        "UPDATE editlog_change SET actor_name = 'mallory' WHERE company_id = %s AND seq = 3",
        [company.pk],
    )
    unkeyed = {c.pk: c.hash for c in Change.objects.all()}
    executor.loader.build_graph()
    with pytest.raises(RuntimeError, match=f"Change #3 of company {company.pk} does not verify"):
        executor.migrate([("editlog", "0006_change_keyed_hash")])
    assert {c.pk: c.hash for c in Change.objects.all()} == unkeyed
    raw_sql(
        "UPDATE editlog_change SET actor_name = 'alice' WHERE company_id = %s AND seq = 3",
        [company.pk],
    )
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert editlog_verify(company=company) == []
