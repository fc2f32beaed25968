"""Long work started from a page (a backup, a restore, a verify, a Tally import): run in a thread
of the server process, its progress kept in a small file in a folder the caller names (the
backup folder, the Tally import folder: `<folder>/.jobs/<id>.json`) that the page polls.

A file, not memory: with several server processes the poll may reach another process than the
one doing the work, and they all see the folder. A job whose file has not moved for
SILENT_AFTER is shown as stopped (its server died under it; a killed backup leaves no archive).
Nothing secret goes in the file: a passphrase stays in the thread's memory. Work that should
not run twice at once (a company's verify) is started `alone`: a second start joins the one
running, decided under a lock on the jobs folder so two processes cannot both start it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connections
from django.utils import timezone

from core.errors import DomainError

log = logging.getLogger(__name__)
JOBS = ".jobs"
SILENT_AFTER = dt.timedelta(minutes=2)
HEARTBEAT = SILENT_AFTER.total_seconds() / 4  # a step that says nothing for long is not silent
WRITE_EVERY = 0.5  # seconds between progress writes
KEPT = dt.timedelta(days=1)
JOB_ID = 16  # hex characters

# work(progress) → what to show when done (JSON-able); progress(done, total, stage)
Progress = Callable[[int, int, str], None]
Work = Callable[[Progress], dict[str, Any]]


class Job:
    """One job's file: its state, written as the work goes."""

    def __init__(self, folder: Path, *, company_id: int, what: str) -> None:
        self.path = folder / JOBS / f"{secrets.token_hex(JOB_ID // 2)}.json"
        self.state: dict[str, Any] = {
            "id": self.path.stem,
            "company_id": company_id,
            "what": what,
            "state": "running",
            "done": 0,
            "total": 0,
            "stage": "",
            "message": "",
            "result": None,
            "started_at": timezone.now().isoformat(),
        }
        self.written_at = 0.0
        self.writing = threading.Lock()  # the work's thread and the heartbeat's

    def progress(self, done: int, total: int, stage: str) -> None:
        """Noted; written when the stage changes (a new step shows at once, however long it
        takes) or WRITE_EVERY after the last write."""
        moved = stage != self.state["stage"]
        self.state.update(done=done, total=total, stage=stage)
        if moved or time.monotonic() - self.written_at >= WRITE_EVERY:
            self.write()

    def write(self) -> None:
        with self.writing:
            self.state["updated_at"] = timezone.now().isoformat()
            self.path.parent.mkdir(exist_ok=True)
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            temporary.write_text(json.dumps(self.state, default=str))
            os.replace(temporary, self.path)
            self.written_at = time.monotonic()

    def _beat(self, stop: threading.Event) -> None:
        """While the work runs, the file is written every HEARTBEAT even when a long step
        reports nothing: only a dead server leaves it silent."""
        while not stop.wait(HEARTBEAT):
            self.write()

    def run(self, work: Work) -> None:
        stop = threading.Event()
        heart = threading.Thread(target=self._beat, args=(stop,), daemon=True)
        heart.start()
        try:
            self.state.update(result=work(self.progress), state="done")
        except DomainError as exc:  # a refusal the user can act on (a wrong passphrase…)
            self.state.update(state="failed", message=str(exc))
        except Exception as exc:
            log.exception("%s failed", self.state["what"])
            self.state.update(state="failed", message=f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()  # this thread's own
            stop.set()
            heart.join()
        self.write()


def job_start(folder: Path, *, company_id: int, what: str, work: Work, alone: bool = False) -> str:
    """Start `work` in a thread of its own; the job's id, for `job_get`. With `alone`, a job of
    the same `what` running for the company is joined instead: its id, and nothing started."""
    jobs_sweep(folder)
    job = Job(folder, company_id=company_id, what=what)
    with _jobs_locked(folder):
        running = job_running(folder, company_id=company_id, what=what) if alone else None
        if running is not None:
            return running["id"]
        job.write()
    threading.Thread(
        target=job.run, args=(work,), name=f"job-{job.state['id']}", daemon=True
    ).start()
    return job.state["id"]


@contextmanager
def _jobs_locked(folder: Path) -> Iterator[None]:
    """The jobs folder's lock (every process of the server on this machine)."""
    (folder / JOBS).mkdir(parents=True, exist_ok=True)
    with (folder / JOBS / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def job_get(folder: Path, *, job_id: str, company_id: int) -> dict[str, Any] | None:
    """The job's state, if it is this company's; a silent running job is shown as stopped."""
    if len(job_id) != JOB_ID or not all(c in "0123456789abcdef" for c in job_id):
        return None
    return _state_read(folder / JOBS / f"{job_id}.json", company_id=company_id)


def jobs_of(folder: Path, *, company_id: int, what: str) -> list[dict[str, Any]]:
    """The company's jobs of one kind (kept for KEPT), newest first."""
    paths = (folder / JOBS).glob("*.json") if (folder / JOBS).is_dir() else ()
    states = [_state_read(path, company_id=company_id) for path in paths]
    mine = [s for s in states if s is not None and s["what"] == what]
    return sorted(mine, key=lambda s: s.get("started_at", ""), reverse=True)


def job_running(folder: Path, *, company_id: int, what: str) -> dict[str, Any] | None:
    """The company's running job of this kind, if there is one."""
    jobs = jobs_of(folder, company_id=company_id, what=what)
    return next((s for s in jobs if s["state"] == "running"), None)


def _state_read(path: Path, *, company_id: int) -> dict[str, Any] | None:
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if state.get("company_id") != company_id:
        return None
    updated = dt.datetime.fromisoformat(state["updated_at"])
    if state["state"] == "running" and timezone.now() - updated > SILENT_AFTER:
        state.update(state="failed", message="The server stopped during this work; try again.")
    state["percent"] = round(100 * state["done"] / state["total"]) if state["total"] else 0
    return state


def jobs_sweep(folder: Path) -> None:
    """Forget jobs older than KEPT."""
    now = time.time()
    for path in (folder / JOBS).glob("*.json") if (folder / JOBS).is_dir() else ():
        try:
            if now - path.stat().st_mtime > KEPT.total_seconds():
                path.unlink(missing_ok=True)
        except OSError:
            continue
