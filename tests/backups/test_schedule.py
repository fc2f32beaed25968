"""Scheduled backups: retention (a pure function, against a reference written another way), the
daily slot and its claim, and the run into the backup folder."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backups.schedule import Policy, retention_keep, slot_latest

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
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2026, 12, 3, 9, 59)
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
        expected |= {
            i for i in own if i.kind != "scheduled" and i.at > NOW - policy.horizon
        }
    assert set(kept) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(items, min_size=1, max_size=60, unique_by=lambda i: (i.chain_id, i.at)), policies)
def test_the_newest_of_each_company_and_young_safety_backups_are_never_deleted(archives, policy):
    kept = set(retention_keep(archives, now=NOW, policy=policy))
    for company in {i.chain_id for i in archives}:
        assert max((i for i in archives if i.chain_id == company), key=lambda i: i.at) in kept
    young_safety = {
        i for i in archives if i.kind == "safety" and i.at > NOW - policy.horizon
    }
    assert young_safety <= kept
    companies = len({i.chain_id for i in archives})
    bound = policy.daily + policy.weekly + policy.monthly + 1
    assert len(kept - young_safety - {i for i in archives if i.kind == "manual"}) <= bound * companies


# -- The daily slot --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        (dt.datetime(2026, 12, 3, 10, 0), dt.datetime(2026, 12, 3, 2, 0)),
        (dt.datetime(2026, 12, 3, 2, 0), dt.datetime(2026, 12, 3, 2, 0)),
        (dt.datetime(2026, 12, 3, 1, 59), dt.datetime(2026, 12, 2, 2, 0)),
        (dt.datetime(2026, 1, 1, 0, 30), dt.datetime(2025, 12, 31, 2, 0)),
    ],
)
def test_the_slot_is_the_last_time_of_day_passed_in_office_time(now, slot):
    got = slot_latest(now=now.replace(tzinfo=IST), time_of_day=dt.time(2, 0))
    assert got == slot.replace(tzinfo=IST)
