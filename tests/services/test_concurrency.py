"""Concurrent writers on one company, on real PostgreSQL with real threads (DESIGN §2).

The company row lock serialises every save of a company, so Edit Log seqs and voucher numbers
stay gap-free and unique, a stale version loses cleanly, and a rolled-back save gives back the
seq and number it took.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from companies.access import OWNERS
from companies.models import Company, Membership
from core.errors import Invalid, NotAllowed, StaleVersion
from editlog.models import Change
from editlog.write import UnitOfWork, company_write
from ledgers.models import Ledger
from reports.selectors import trial_balance_get
from tests.conftest import DAY, sale
from tests.services.conftest import pg_connect, run_together
from vouchers.models import Entry, Voucher
from vouchers.services import voucher_alter, voucher_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]

THREADS = 8
LATER = "2027-01-20"  # a day after every voucher of the Trial Balance test's as_of
PER_THREAD = 25


def seqs_of(company: Company) -> list[int]:
    return list(
        Change.objects.filter(company=company).order_by("seq").values_list("seq", flat=True)
    )


def sales_numbers(company: Company, financial_year: int = 2026) -> list[int]:
    return list(
        Voucher.objects.filter(
            company=company, voucher_type__name="Sales", financial_year=financial_year
        )
        .order_by("number")
        .values_list("number", flat=True)
    )


def assert_books_consistent(company: Company) -> None:
    """Kept ledger totals equal the sums of entries, and the Trial Balance agrees."""
    for ledger in Ledger.objects.filter(company=company):
        entries = Entry.objects.filter(ledger=ledger, voucher__is_cancelled=False)
        debit = entries.filter(amount__gt=0).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        credit = -(entries.filter(amount__lt=0).aggregate(s=Sum("amount"))["s"] or Decimal(0))
        assert (ledger.total_debit, ledger.total_credit) == (debit, credit), ledger.name
        assert ledger.closing_balance == ledger.opening_balance + debit - credit, ledger.name
    tb = trial_balance_get(company=company)
    assert tb.total_debit == tb.total_credit


def assert_seqs_gap_free(company: Company) -> int:
    company.refresh_from_db()
    seqs = seqs_of(company)
    assert seqs == list(range(1, len(seqs) + 1))
    assert company.last_seq == len(seqs)
    return len(seqs)


def test_concurrent_creates_get_gap_free_seqs_and_numbers(company, ledgers, alice, bob):
    seq_before = assert_seqs_gap_free(company)
    users = [alice, bob]

    def writer(t: int) -> list[int]:
        actor = users[t % 2]
        made = []
        for i in range(PER_THREAD):
            voucher = voucher_create(
                company=company, actor=actor, data=sale(f"{100 + t * PER_THREAD + i}.00")
            )
            made.append(voucher.change.seq)
        return made

    results = run_together([lambda t=t: writer(t) for t in range(THREADS)])

    errors = [value for status, value in results if status == "error"]
    assert not errors, errors
    total = THREADS * PER_THREAD
    returned = sorted(seq for _, seqs in results for seq in seqs)
    assert returned == list(range(seq_before + 1, seq_before + total + 1))
    assert assert_seqs_gap_free(company) == seq_before + total
    assert sales_numbers(company) == list(range(1, total + 1))
    # Every thread's seqs rise: a thread never sees a seq older than its previous save.
    for _, seqs in results:
        assert seqs == sorted(seqs)
    expected = sum(Decimal(100 + n) for n in range(total))
    party, sales = (
        Ledger.objects.get(pk=ledgers["party"].pk),
        Ledger.objects.get(pk=ledgers["sales"].pk),
    )
    assert (party.total_debit, sales.total_credit) == (expected, expected)
    assert_books_consistent(company)


def test_concurrent_alters_of_one_version_one_wins(company, ledgers, alice, bob):
    voucher = voucher_create(company=company, actor=alice, data=sale("1000.00"))
    assert voucher.version == 1
    seq_before = assert_seqs_gap_free(company)
    users = [alice, bob]
    amounts = [f"{2000 + t}.00" for t in range(THREADS)]

    def alter(t: int) -> Voucher:
        return voucher_alter(
            company=company,
            voucher=voucher,
            actor=users[t % 2],
            data={"entries": sale(amounts[t])["entries"], "narration": f"thread {t}"},
            version=1,
        )

    results = run_together([lambda t=t: alter(t) for t in range(THREADS)])

    winners = [(t, value) for t, (status, value) in enumerate(results) if status == "ok"]
    losers = [value for status, value in results if status == "error"]
    assert len(winners) == 1, results
    assert len(losers) == THREADS - 1
    assert all(isinstance(exc, StaleVersion) for exc in losers), losers
    assert all(exc.current_version == 2 for exc in losers)
    t, won = winners[0]

    voucher.refresh_from_db()
    assert (voucher.version, voucher.narration, voucher.number) == (2, f"thread {t}", 1)
    assert won.change.seq == seq_before + 1
    assert assert_seqs_gap_free(company) == seq_before + 1
    alters = Change.objects.filter(company=company, verb="alter", object_id=voucher.pk)
    assert [c.after["narration"] for c in alters] == [f"thread {t}"]
    amount = Decimal(amounts[t])
    assert sorted(voucher.entries.values_list("amount", flat=True)) == [-amount, amount]
    party = Ledger.objects.get(pk=ledgers["party"].pk)
    assert (party.total_debit, party.total_credit, party.closing_balance) == (
        amount,
        Decimal(0),
        amount,
    )
    assert_books_consistent(company)


def test_alters_retrying_on_stale_versions_lose_no_update(company, ledgers, alice, bob):
    """Each writer re-reads and retries after a 409; every successful alter is one version."""
    voucher = voucher_create(company=company, actor=alice, data=sale("1000.00"))
    seq_before = assert_seqs_gap_free(company)
    users = [alice, bob]
    alters_each, max_attempts = 5, 200

    def writer(t: int) -> tuple[int, int]:
        done = stale = 0
        for attempt in range(max_attempts):
            if done == alters_each:
                break
            current = Voucher.objects.get(pk=voucher.pk)
            amount = f"{1000 + t * 100 + attempt}.00"
            try:
                voucher_alter(
                    company=company,
                    voucher=current,
                    actor=users[t % 2],
                    data={"entries": sale(amount)["entries"]},
                    version=current.version,
                )
            except StaleVersion:
                stale += 1
            else:
                done += 1
        return done, stale

    results = run_together([lambda t=t: writer(t) for t in range(THREADS)])

    assert all(status == "ok" for status, _ in results), results
    assert all(done == alters_each for _, (done, _) in results), results
    total = THREADS * alters_each
    voucher.refresh_from_db()
    assert voucher.version == 1 + total
    assert assert_seqs_gap_free(company) == seq_before + total
    versions = [
        c.before["version"]
        for c in Change.objects.filter(company=company, verb="alter").order_by("seq")
    ]
    assert versions == list(range(1, total + 1))
    assert voucher.entries.count() == 2
    assert_books_consistent(company)


def test_failed_creates_beside_successful_ones_leave_no_gap(
    company, ledgers, alice, bob, monkeypatch
):
    """Some threads send an unbalanced voucher (refused before any write); others fail after
    their Change was written (rolled back, seq and number with it); the rest succeed."""
    real_record = UnitOfWork.record

    def record_then_fail(self, verb, obj, **kwargs):
        change = real_record(self, verb, obj, **kwargs)
        if obj.narration == "fail late":
            raise RuntimeError(f"failing after taking seq {change.seq}")
        return change

    monkeypatch.setattr(UnitOfWork, "record", record_then_fail)
    seq_before = assert_seqs_gap_free(company)
    rounds = 16
    unbalanced = sale() | {
        "entries": [
            {"ledger": "Sharma Enterprises", "debit": "100.00"},
            {"ledger": "Sales", "credit": "99.00"},
        ]
    }
    kinds = ["ok", "invalid", "ok", "late", "ok", "invalid", "ok", "late"]

    def writer(t: int) -> list[str]:
        outcomes = []
        for i in range(rounds):
            kind = kinds[(t + i) % len(kinds)]
            data = {
                "ok": sale(f"{t + 1}{i:02d}.00"),
                "invalid": unbalanced,
                "late": sale("5.00", narration="fail late"),
            }[kind]
            try:
                voucher_create(company=company, actor=[alice, bob][t % 2], data=data)
            except Invalid:
                outcomes.append("invalid")
            except RuntimeError:
                outcomes.append("late")
            else:
                outcomes.append("ok")
        return outcomes

    results = run_together([lambda t=t: writer(t) for t in range(THREADS)])

    assert all(status == "ok" for status, _ in results), results
    outcomes = [o for _, thread_outcomes in results for o in thread_outcomes]
    assert outcomes.count("invalid") > 0 and outcomes.count("late") > 0
    succeeded = outcomes.count("ok")
    assert succeeded == THREADS * rounds // 2
    assert assert_seqs_gap_free(company) == seq_before + succeeded
    assert sales_numbers(company) == list(range(1, succeeded + 1))
    assert not Voucher.objects.filter(company=company, narration="fail late").exists()
    assert Voucher.objects.filter(company=company).count() == succeeded
    assert_books_consistent(company)


def test_threads_use_their_own_postgresql_connections(company):
    """The guarantees above come from row locks between separate sessions, not one shared one."""
    main_pid = connection.connection.info.backend_pid if connection.connection else None

    all_connected = threading.Barrier(4)

    def backend_pid() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        all_connected.wait(timeout=60)  # all four sessions are open at once
        return pid

    results = run_together([backend_pid for _ in range(4)])
    pids = [pid for _, pid in results]
    assert len(set(pids)) == 4
    assert main_pid not in pids


def test_trial_balance_as_of_a_day_is_stable_while_later_vouchers_are_saved(
    company, ledgers, alice, bob
):
    """Vouchers dated after 26-Nov cannot change the Trial Balance as of 26-Nov, however many
    are saved while it is being read."""
    for i in range(5):
        voucher_create(company=company, actor=alice, data=sale(f"{i + 1}00.00"))
    # A later day, so that as_of is past the midpoint and the totals-minus-later-days path runs.
    voucher_create(company=company, actor=alice, data=sale("1.00", date="2027-01-15"))

    def balances() -> dict[str, Decimal]:
        tb = trial_balance_get(company=company, as_of=DAY)
        assert tb.total_debit == tb.total_credit
        return {row.ledger.name: row.balance for row in tb.rows}

    expected = balances()
    assert expected == {"Sharma Enterprises": Decimal(1500), "Sales": Decimal(-1500)}
    writing = threading.Event()
    writing.set()

    def writer() -> None:
        try:
            for i in range(100):
                voucher_create(company=company, actor=bob, data=sale(f"{i + 7}.00", date=LATER))
        finally:
            writing.clear()

    def reader() -> list[dict[str, Decimal]]:
        wrong = []
        for _ in range(5000):  # bounded; ends as soon as the writer is done
            if not writing.is_set():
                break
            seen = balances()
            if seen != expected:
                wrong.append(seen)
        return wrong

    results = run_together([writer, reader, reader, reader])

    assert all(status == "ok" for status, _ in results), results
    wrong = [seen for _, found in results[1:] for seen in found]
    assert not wrong, f"expected {expected} as of {DAY}, also saw e.g. {wrong[:3]}"


def test_two_first_run_setups_at_once_make_one_owner(settings):
    from django.contrib.auth.models import User

    # The real hasher: hashing the first owner's password takes long enough for the others to
    # pass a check made without the lock.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    from books.services import first_run_setup
    from core.errors import NotAllowed

    def setup(name: str):
        return lambda: first_run_setup(
            username=name, password="a-long-secret-9", company_name=f"{name} Traders"
        )

    results = run_together([setup(name) for name in ("meena", "ravi", "kiran", "asha")])
    outcomes = sorted(outcome for outcome, _ in results)
    assert outcomes == ["error", "error", "error", "ok"], results
    assert all(isinstance(value, NotAllowed) for outcome, value in results if outcome == "error")
    assert User.objects.count() == 1 and Company.objects.count() == 1


def _waiting_for_a_lock(deadline_s: float = 20.0) -> bool:
    """True once another backend of this database waits for a row lock (its save queued behind
    the company lock), False at the deadline."""
    deadline = time.monotonic() + deadline_s
    with pg_connect(connection.settings_dict, autocommit=True) as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()[0]
            if waiting:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.parametrize("change", ["demoted", "removed"])
def test_a_save_queued_behind_the_owner_sees_the_role_the_owner_left(
    company, ledgers, alice, bob, change
):
    """Bob's save waits for the company lock while the owner makes him a viewer (or removes
    him): once she commits, his save is refused — the role is read after the lock, not as it
    was when his save started waiting."""
    queued = threading.Event()

    def owner() -> bool:
        with company_write(company=company, actor=alice, roles=OWNERS):
            bob_membership = Membership.objects.filter(company=company, user=bob)
            if change == "demoted":
                bob_membership.update(role=Membership.Role.VIEWER)
            else:
                bob_membership.delete()
            queued.set()
            return _waiting_for_a_lock()

    def bob_saves() -> Voucher:
        assert queued.wait(timeout=20)
        return voucher_create(company=company, actor=bob, data=sale("10.00"))

    (owner_status, saw_bob_wait), (bob_status, outcome) = run_together([owner, bob_saves])
    assert (owner_status, saw_bob_wait) == ("ok", True)
    assert bob_status == "error" and isinstance(outcome, NotAllowed), outcome
    assert not Voucher.objects.filter(company=company).exists()
