"""Scheduled backups: retention (a pure function, against a reference written another way), the
daily slot and its claim, and the run into the backup folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pyrage
import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from backups.folder import PARTIALS_KEPT, archive_name, archives_list, leftovers_sweep
from backups.schedule import (
    Outcome,
    Policy,
    retention_apply,
    retention_keep,
    run_claim,
    schedule_tick,
    scheduled_run,
    slot_latest,
)
from books.services import company_create
from config.models import ServerConfig
from config.selectors import config_forget
from server.scheduler import outcome_record
from sync.models import ConnectionEvent
from tests.conftest import FY_START

IST = ZoneInfo("Asia/Kolkata")
NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=IST)


@dataclass(frozen=True)
class Item:
    chain_id: str
    at: dt.datetime
    kind: str = "scheduled"


def daily_run(days: int, *, company: str = "a" * 32, hour: int = 2) -> list[Item]:
    """One scheduled backup a day at `hour`, the last on NOW's day."""
    last = dt.datetime.combine(NOW.date(), dt.time(hour), tzinfo=IST)
    return [Item(company, last - dt.timedelta(days=n)) for n in range(days)]


def kept_days(kept: list[Item]) -> list[str]:
    return sorted(item.at.astimezone(IST).strftime("%d-%b-%Y") for item in kept)


# -- Retention, worked examples --------------------------------------------------------------


def test_forty_days_of_daily_backups_keep_seven_days_four_weeks_and_three_months():
    kept = retention_keep(daily_run(40), now=NOW, policy=Policy())
    # 25-Oct..3-Dec. Daily: 27-Nov..3-Dec. ISO weeks (Monday first; 3-Dec is a Thursday): the
    # newest of the weeks of 30-Nov, 23-Nov, 16-Nov, 9-Nov → 3-Dec, 29-Nov, 22-Nov, 15-Nov.
    # Months: 3-Dec, 30-Nov, 31-Oct (only three months have backups).
    assert kept_days(kept) == [
        "01-Dec-2026",
        "02-Dec-2026",
        "03-Dec-2026",
        "15-Nov-2026",
        "22-Nov-2026",
        "27-Nov-2026",
        "28-Nov-2026",
        "29-Nov-2026",
        "30-Nov-2026",
        "31-Oct-2026",
    ]


def test_a_server_that_was_off_for_months_still_keeps_its_last_seven_days():
    old = [Item("a" * 32, item.at - dt.timedelta(days=120)) for item in daily_run(10)]
    kept = retention_keep(old, now=NOW, policy=Policy(daily=7, weekly=0, monthly=0))
    assert kept_days(kept) == [f"{d:02d}-Aug-2026" for d in range(1, 6)] + [
        "30-Jul-2026",
        "31-Jul-2026",
    ]


def test_several_backups_in_a_day_keep_the_days_newest():
    day = dt.datetime(2026, 12, 3, 1, 0, tzinfo=IST)
    items = [Item("a" * 32, day + dt.timedelta(hours=h)) for h in range(5)]
    kept = retention_keep(items, now=NOW, policy=Policy(daily=1, weekly=0, monthly=0))
    assert kept == [items[-1]]


def test_days_are_the_offices_days_not_utc():
    """23:30 IST on 2-Dec is 18:00 UTC on 2-Dec, and 00:30 IST on 3-Dec is 19:00 UTC on 2-Dec:
    two office days, so daily=2 keeps both."""
    late = Item("a" * 32, dt.datetime(2026, 12, 2, 23, 30, tzinfo=IST))
    early = Item("a" * 32, dt.datetime(2026, 12, 3, 0, 30, tzinfo=IST))
    kept = retention_keep([late, early], now=NOW, policy=Policy(daily=1, weekly=0, monthly=0))
    assert kept == [early]
    assert len(retention_keep([late, early], now=NOW, policy=Policy(2, 0, 0))) == 2


def test_companies_are_kept_apart():
    a, b = daily_run(10, company="a" * 32), daily_run(3, company="b" * 32)
    kept = retention_keep(a + b, now=NOW, policy=Policy(daily=2, weekly=0, monthly=0))
    assert sorted(i.chain_id for i in kept) == ["a" * 32] * 2 + ["b" * 32] * 2


def test_safety_backups_younger_than_the_policy_stay_and_older_ones_go():
    run = daily_run(3)
    young = Item("a" * 32, NOW - dt.timedelta(days=20, hours=1), "safety")  # same day as …
    twin = Item("a" * 32, young.at + dt.timedelta(minutes=5))  # … a newer scheduled one
    old = Item("a" * 32, NOW - dt.timedelta(days=400), "safety")
    policy = Policy(daily=1, weekly=0, monthly=1)  # horizon 31 days
    kept = retention_keep([*run, young, twin, old], now=NOW, policy=policy)
    assert young in kept
    assert old not in kept
    assert twin not in kept  # not the newest of its month (run[0] is), not protected


# -- Retention, properties -------------------------------------------------------------------


def reference_policy(items: list[Item], count: int, period) -> set[Item]:
    """The newest item of each of the `count` latest periods: grouped first, then ranked."""
    newest: dict = {}
    for item in items:
        key = period(item.at.astimezone(IST).date())
        if key not in newest or item.at > newest[key].at:
            newest[key] = item
    latest = sorted(newest, key=lambda k: newest[k].at, reverse=True)[:count]
    return {newest[k] for k in latest}


moments = st.datetimes(
    min_value=dt.datetime(2024, 1, 1),  # noqa: DTZ001 - hypothesis draws naive ones
    max_value=dt.datetime(2026, 12, 3, 9, 59),  # noqa: DTZ001
).map(lambda d: d.replace(tzinfo=IST, microsecond=0))
items = st.builds(
    Item,
    chain_id=st.sampled_from(["a" * 32, "b" * 32]),
    at=moments,
    kind=st.sampled_from(["scheduled", "scheduled", "scheduled", "manual", "safety"]),
)
policies = st.builds(
    Policy,
    daily=st.integers(1, 10),
    weekly=st.integers(0, 6),
    monthly=st.integers(0, 14),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(items, max_size=60, unique_by=lambda i: (i.chain_id, i.at)), policies)
def test_what_is_kept_is_the_union_of_the_policies(archives, policy):
    kept = retention_keep(archives, now=NOW, policy=policy)
    assert len(kept) == len(set(kept))
    expected: set[Item] = set()
    for company in {i.chain_id for i in archives}:
        own = [i for i in archives if i.chain_id == company]
        expected |= reference_policy(own, policy.daily, lambda d: d)
        expected |= reference_policy(own, policy.weekly, lambda d: d.isocalendar()[:2])
        expected |= reference_policy(own, policy.monthly, lambda d: (d.year, d.month))
        expected.add(max(own, key=lambda i: i.at))
        expected |= {i for i in own if i.kind != "scheduled" and i.at > NOW - policy.horizon}
    assert set(kept) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(items, min_size=1, max_size=60, unique_by=lambda i: (i.chain_id, i.at)), policies)
def test_the_newest_of_each_company_and_young_safety_backups_are_never_deleted(archives, policy):
    kept = set(retention_keep(archives, now=NOW, policy=policy))
    for company in {i.chain_id for i in archives}:
        assert max((i for i in archives if i.chain_id == company), key=lambda i: i.at) in kept
    young_safety = {i for i in archives if i.kind == "safety" and i.at > NOW - policy.horizon}
    assert young_safety <= kept
    companies = len({i.chain_id for i in archives})
    bound = policy.daily + policy.weekly + policy.monthly + 1
    assert (
        len(kept - young_safety - {i for i in archives if i.kind == "manual"}) <= bound * companies
    )


# -- The daily slot --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        (dt.datetime(2026, 12, 3, 10, 0, tzinfo=IST), dt.datetime(2026, 12, 3, 2, 0, tzinfo=IST)),
        (dt.datetime(2026, 12, 3, 2, 0, tzinfo=IST), dt.datetime(2026, 12, 3, 2, 0, tzinfo=IST)),
        (dt.datetime(2026, 12, 3, 1, 59, tzinfo=IST), dt.datetime(2026, 12, 2, 2, 0, tzinfo=IST)),
        (dt.datetime(2026, 1, 1, 0, 30, tzinfo=IST), dt.datetime(2025, 12, 31, 2, 0, tzinfo=IST)),
    ],
)
def test_the_slot_is_the_last_time_of_day_passed_in_office_time(now, slot):
    assert slot_latest(now=now, time_of_day=dt.time(2, 0)) == slot


# -- The run, the claim and the folder -------------------------------------------------------


@pytest.fixture
def folder(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path / "backups"


@pytest.fixture
def second_company(alice, company):
    return company_create(actor=alice, name="Dave & Sons", financial_year_start=FY_START)


def test_a_run_backs_every_company_up_into_the_folder_and_reports_each(
    folder, company, second_company, voucher
):
    outcomes: list[Outcome] = []
    scheduled_run(report=outcomes.append)
    assert [o.company_name for o in outcomes] == ["Sharma Traders", "Dave & Sons"]
    assert all(o.archive and not o.error for o in outcomes)
    listed = archives_list(folder)
    assert {a.chain_id for a in listed} == {company.chain_id, second_company.chain_id}
    mine = archives_list(folder, chain_id=company.chain_id)[0]
    assert mine.kind == "scheduled" and not mine.encrypted
    summary = mine.summary()
    assert summary["company"] == "Sharma Traders"
    assert summary["sha256"] == hashlib.sha256(mine.path.read_bytes()).hexdigest()
    with zipfile.ZipFile(mine.path) as archive:  # the manifest inside agrees with the summary
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["company"]["chain_id"] == company.chain_id
    assert summary["app_version"] == manifest["app_version"]
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def test_a_recipient_key_encrypts_the_scheduled_backups(folder, company):
    identity = pyrage.x25519.Identity.generate()
    ServerConfig.objects.update_or_create(
        pk=1, defaults={"backup_recipient": str(identity.to_public())}
    )
    config_forget()
    scheduled_run(report=lambda outcome: None)
    archive = archives_list(folder)[0]
    assert archive.encrypted and archive.name.endswith(".tsbk.age")
    plain = pyrage.decrypt(archive.path.read_bytes(), [identity])
    with zipfile.ZipFile(io.BytesIO(plain)) as opened:
        assert json.loads(opened.read("manifest.json"))["company"]["name"] == "Sharma Traders"


def test_a_failed_backup_is_an_event_on_the_monitor_and_the_others_go_on(
    folder, company, second_company
):
    """A recipient key that is not one (saved behind the admin's back): every company fails,
    each says why, and nothing that looks like an archive is left."""
    ServerConfig.objects.update_or_create(pk=1, defaults={"backup_recipient": "age1nonsense"})
    config_forget()
    outcomes = scheduled_run(report=outcome_record)
    assert [o.archive for o in outcomes] == [None, None]
    events = list(ConnectionEvent.objects.filter(kind="backup_failed").order_by("company_id"))
    assert [e.company_id for e in events] == [company.pk, second_company.pk]
    assert "is not an age public key" in events[0].detail
    assert archives_list(folder) == []
    assert [p for p in folder.iterdir() if not p.name.startswith(".")] == []


def test_a_good_backup_is_noted_on_the_monitor_too(folder, company):
    scheduled_run(report=outcome_record)
    event = ConnectionEvent.objects.get(kind="backup")
    assert event.company_id == company.pk
    assert event.detail.startswith("sharma-traders--") and "bytes" in event.detail


def test_retention_deletes_from_the_folder_what_it_does_not_keep(folder, company):
    folder.mkdir()
    now = timezone.now()
    names = [
        archive_name(
            company=company, at=now - dt.timedelta(days=d), kind="scheduled", encrypted=False, n=1
        )
        for d in range(10)
    ]
    for name in names:
        (folder / name).write_bytes(b"archive")
        (folder / (name + ".json")).write_text("{}")
    gone = retention_apply(folder, now=now, policy=Policy(daily=3, weekly=0, monthly=0))
    assert sorted(a.name for a in gone) == sorted(names[3:])
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*names[:3], *(n + ".json" for n in names[:3])]
    )


def test_only_one_process_wins_a_slot_and_the_first_slot_seen_is_only_marked(db):
    slot = dt.datetime(2026, 12, 3, 2, 0, tzinfo=IST)
    assert run_claim(slot=slot) is False  # scheduling seen for the first time: marked, not run
    assert run_claim(slot=slot) is False  # taken
    later = slot + dt.timedelta(days=1)
    assert [run_claim(slot=later) for _ in range(3)] == [True, False, False]
    assert ServerConfig.objects.get().backup_claimed_for == later


@pytest.mark.django_db
def test_a_tick_runs_the_due_slot_once_and_not_when_disabled(folder, company):
    now = timezone.now()
    run_claim(slot=now - dt.timedelta(days=2))  # scheduling began two days ago
    outcomes: list[Outcome] = []
    ServerConfig.objects.filter(pk=1).update(backup_enabled=False)
    config_forget()
    assert schedule_tick(now=now, report=outcomes.append) is False
    ServerConfig.objects.filter(pk=1).update(backup_enabled=True)
    config_forget()
    assert schedule_tick(now=now, report=outcomes.append) is True  # the missed slot, at start
    assert schedule_tick(now=now, report=outcomes.append) is False
    assert [o.company_name for o in outcomes] == ["Sharma Traders"]
    assert len(archives_list(folder)) == 1


# -- kill -9 during a scheduled backup -------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
SEED = """
from django.contrib.auth.models import User
from books.services import company_create
from config.models import ServerConfig
owner = User.objects.create_user("meena", password="x")
ServerConfig.objects.update_or_create(pk=1, defaults={"company_creation": "everyone"})
company_create(actor=owner, name="Sharma Traders")
"""
# The scheduled run as the server runs it, held once the archive is half written (its rows are
# in, the zip's directory is not), so that the kill lands mid-write every time.
HELD_RUN = """
import os, sys, time
from pathlib import Path
import django
django.setup()
import backups.folder
from backups.schedule import scheduled_run

write = backups.folder.backup_write

def held(**options):
    def progress(done, total, what):
        if not what:  # the last rows are written; the archive is not closed yet
            Path(sys.argv[1]).write_text(str(os.getpid()))
            time.sleep(600)
    return write(**{**options, "progress": progress})

backups.folder.backup_write = held
scheduled_run(report=print)
"""


def _manage(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_a_server_killed_during_a_scheduled_backup_leaves_no_archive_the_list_shows(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'office.sqlite3'}",
        "TALLYSYNC_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "kill-test-only",
        "DJANGO_SETTINGS_MODULE": "tallysync.settings",
    }
    env.pop("REDIS_URL", None)
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "shell", "-v0", stdin=SEED)
    held = tmp_path / "held"
    run = subprocess.Popen([sys.executable, "-c", HELD_RUN, str(held)], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 120
        while not held.exists():
            assert run.poll() is None, "the backup ended before it was half written"
            assert time.monotonic() < deadline, "the backup never got half way"
            time.sleep(0.05)
        folder = tmp_path / "backups"
        # backup_write's temporary file is open (its last bytes may still sit in the buffer)
        assert [p for p in folder.iterdir() if p.name.endswith(".part")], "no file being written"
        os.kill(run.pid, signal.SIGKILL)
    finally:
        run.kill()
        run.wait()
    assert run.returncode == -signal.SIGKILL
    assert archives_list(folder) == []
    left = [p.name for p in folder.iterdir()]
    assert left and all(name.startswith(".") for name in left), left
    # The next run: one good archive; the crashed one's leftovers go once they are old.
    _manage(
        env,
        "shell",
        "-v0",
        "-c",
        "from backups.schedule import scheduled_run as r; r(report=print)",
    )
    assert [a.kind for a in archives_list(folder)] == ["scheduled"]
    later = timezone.now() + PARTIALS_KEPT + dt.timedelta(minutes=1)
    assert sorted(p.name for p in leftovers_sweep(folder, now=later)) == sorted(left)


def test_the_sweep_removes_old_leftovers_only(tmp_path):
    uploads = tmp_path / ".uploads"
    uploads.mkdir()
    now = timezone.now()
    old = now - PARTIALS_KEPT - dt.timedelta(minutes=1)
    files = {
        "old-upload": uploads / "tmp1.upload",
        "young-upload": uploads / "tmp2.upload",
        "old-partial": tmp_path / ".x.20261203.7.partial",
        "young-partial": tmp_path / ".y.20261203.7.partial",
        "other": tmp_path / "notes.txt",
    }
    for name, path in files.items():
        path.write_text(name)
        if name.startswith("old") or name == "other":
            os.utime(path, (old.timestamp(), old.timestamp()))
    removed = leftovers_sweep(tmp_path, now=now)
    assert sorted(removed) == sorted([files["old-upload"], files["old-partial"]])
    assert all(files[n].exists() for n in ("young-upload", "young-partial", "other"))
