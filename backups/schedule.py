"""Scheduled backups: which archives retention keeps, when the daily run is due, which server
process takes it, and the run itself (every company into the backup folder, then retention).

Retention is a pure function (`retention_keep`) over (company, time, kind): per company, the
union of three independent policies — the newest archive of each of the last `daily` days that
have one, of the last `weekly` ISO weeks, of the last `monthly` months (restic's rule; days in
the server's time zone) — plus the newest archive, plus safety and manual archives younger
than the policy's horizon. Counting periods that have archives, not calendar days back from
now, means a server that was off for a month still keeps its last seven days of backups.

One process runs each day's backup however many serve: the ServerConfig row is claimed with one
conditional UPDATE (`backup_claimed_for < slot`), which only one process can win. A database
row, not a file lock in the folder: it holds for processes on several machines too, and a
crashed process leaves no lock behind (a claimed run that died is not retried; the Server
Monitor warns when a company's last good backup is older than WARN_AFTER).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from django.db import connections
from django.utils import timezone

from backups.folder import Archive, archive_delete, archive_write, archives_list, folder_get
from backups.folder import leftovers_sweep as _leftovers_sweep
from companies.models import Company
from config.models import ServerConfig
from config.selectors import config_get

log = logging.getLogger(__name__)
WARN_AFTER = dt.timedelta(hours=26)  # a day's backup and two hours' grace
TICK_SECONDS = 30.0  # how often the scheduler looks at the clock and the configuration


class Dated(Protocol):
    @property
    def chain_id(self) -> str: ...

    @property
    def at(self) -> dt.datetime: ...

    @property
    def kind(self) -> str: ...


D = TypeVar("D", bound=Dated)


@dataclass(frozen=True)
class Policy:
    daily: int = 7
    weekly: int = 4
    monthly: int = 12

    @classmethod
    def configured(cls, config: ServerConfig) -> Policy:
        return cls(config.backup_keep_daily, config.backup_keep_weekly, config.backup_keep_monthly)

    @property
    def horizon(self) -> dt.timedelta:
        """How far back the policy reaches at most: safety and manual archives younger than this
        are kept whatever the periods say."""
        return dt.timedelta(days=max(self.daily, 7 * self.weekly, 31 * self.monthly))


def _day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _week(moment: dt.datetime) -> Hashable:
    return _day(moment).isocalendar()[:2]


def _month(moment: dt.datetime) -> Hashable:
    day = _day(moment)
    return day.year, day.month


def periods_keep(
    newest_first: Sequence[D], *, count: int, period: Callable[[dt.datetime], Hashable]
) -> list[D]:
    """The newest archive of each of the `count` most recent periods that have one."""
    kept: list[D] = []
    seen: set[Hashable] = set()
    for archive in newest_first:
        key = period(archive.at)
        if key in seen:
            continue
        if len(seen) == count:
            break
        seen.add(key)
        kept.append(archive)
    return kept


def retention_keep(archives: Iterable[D], *, now: dt.datetime, policy: Policy) -> list[D]:
    """The archives to keep (the rest may go), per company: daily ∪ weekly ∪ monthly ∪ the
    newest ∪ safety and manual ones younger than the policy's horizon."""
    by_company: dict[str, list[D]] = {}
    for archive in archives:
        by_company.setdefault(archive.chain_id, []).append(archive)
    kept: list[D] = []
    for own in by_company.values():
        own.sort(key=lambda a: a.at, reverse=True)
        chosen = {id(own[0]): own[0]}
        for count, period in (
            (policy.daily, _day),
            (policy.weekly, _week),
            (policy.monthly, _month),
        ):
            chosen.update((id(a), a) for a in periods_keep(own, count=count, period=period))
        young = now - policy.horizon
        chosen.update((id(a), a) for a in own if a.kind != "scheduled" and a.at > young)
        kept.extend(a for a in own if id(a) in chosen)
    return kept


def retention_apply(folder: Path, *, now: dt.datetime, policy: Policy) -> list[Archive]:
    """Delete the archives of `folder` that retention does not keep; the deleted ones."""
    archives = archives_list(folder)
    kept = {a.path for a in retention_keep(archives, now=now, policy=policy)}
    gone = [a for a in archives if a.path not in kept]
    for archive in gone:
        archive_delete(archive)
    _leftovers_sweep(folder, now=now)
    return gone


# -- The daily run ---------------------------------------------------------------------------


def slot_latest(*, now: dt.datetime, time_of_day: dt.time) -> dt.datetime:
    """The latest moment at or before `now` that is the backup time of day (local time)."""
    local = timezone.localtime(now)
    slot = timezone.make_aware(dt.datetime.combine(local.date(), time_of_day))
    if slot > local:
        slot = timezone.make_aware(
            dt.datetime.combine(local.date() - dt.timedelta(days=1), time_of_day)
        )
    return slot


def run_claim(*, slot: dt.datetime) -> bool:
    """Whether this process takes the run of `slot`: True for exactly one process. The first
    time scheduling is seen, the slot that has passed is marked and not run (a new install, or
    an upgrade, does not back up at once); from then on a slot missed while the server was off
    runs when it starts."""
    ServerConfig.objects.get_or_create(pk=1)
    rows = ServerConfig.objects.filter(pk=1)
    if rows.filter(backup_claimed_for__isnull=True).update(backup_claimed_for=slot):
        return False
    return rows.filter(backup_claimed_for__lt=slot).update(backup_claimed_for=slot) == 1


@dataclass(frozen=True)
class Outcome:
    """One company's scheduled backup: its archive, or what went wrong."""

    company_id: int
    company_name: str
    archive: Archive | None = None
    error: str = ""

    @property
    def detail(self) -> str:
        if self.archive:
            return f"{self.archive.name} ({self.archive.size:,} bytes)"
        return self.error[:300]


Report = Callable[[Outcome], None]


def scheduled_run(*, report: Report) -> list[Outcome]:
    """Back every company up into the backup folder, then apply retention. A company that fails
    does not stop the others; each outcome is reported."""
    config = config_get()
    recipients = [config.backup_recipient.strip()] if config.backup_recipient.strip() else None
    outcomes = []
    for company in Company.objects.order_by("pk"):
        outcome = _company_backup(company=company, recipients=recipients)
        report(outcome)
        outcomes.append(outcome)
    try:
        retention_apply(folder_get(), now=timezone.now(), policy=Policy.configured(config))
    except OSError:
        log.exception("applying the backup retention failed")
    return outcomes


def _company_backup(*, company: Company, recipients: list[str] | None) -> Outcome:
    try:
        archive = archive_write(
            company=company,
            folder=folder_get(),
            kind="scheduled",
            recipients=recipients,
        )
    except Exception as exc:  # reported on the Server Monitor; the next company goes on
        log.exception("the scheduled backup of %s failed", company.name)
        return Outcome(company.pk, company.name, error=f"{type(exc).__name__}: {exc}")
    return Outcome(company.pk, company.name, archive=archive)


def schedule_tick(*, now: dt.datetime, report: Report) -> bool:
    """Run the day's backups if they are due and this process wins the claim."""
    config = config_get()
    if not config.backup_enabled:
        return False
    if not run_claim(slot=slot_latest(now=now, time_of_day=config.backup_time)):
        return False
    scheduled_run(report=report)
    return True


class Scheduler(threading.Thread):
    """The server process's backup clock: a thread of its own, not a task on the event loop —
    a backup is minutes of blocking database reads, which on the loop's shared database thread
    (asgiref's, where the live feed reads) would hold up every open screen meanwhile."""

    def __init__(self, *, report: Report) -> None:
        super().__init__(name="backup-scheduler", daemon=True)
        self.report = report
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(TICK_SECONDS):
            try:
                schedule_tick(now=timezone.now(), report=self.report)
            except Exception:  # the next tick tries again; the monitor shows the backup's age
                log.exception("the backup scheduler's tick failed")
            finally:
                connections.close_all()  # this thread's own connections, not the requests'
