"""Long work started from a page (a backup, a restore): run in a thread of the server process,
its progress kept in a small file in the backup folder (`.jobs/<id>.json`) that the page polls.

A file, not memory: with several server processes the poll may reach another process than the
one doing the work, and they all see the backup folder. A job whose file has not moved for
SILENT_AFTER is shown as stopped (its server died under it; a killed backup leaves no archive).
Nothing secret goes in the file: a passphrase stays in the thread's memory.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connections
from django.utils import timezone

from core.errors import DomainError

log = logging.getLogger(__name__)
JOBS = ".jobs"
SILENT_AFTER = dt.timedelta(minutes=2)
WRITE_EVERY = 0.5  # seconds between progress writes
KEPT = dt.timedelta(days=1)
JOB_ID = 16  # hex characters

# work(progress) → what to show when done (JSON-able); progress(done, total, stage)
Work = Callable[[Callable[[int, int, str], None]], dict[str, Any]]


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
        }
        self.written_at = 0.0

    def progress(self, done: int, total: int, stage: str) -> None:
        self.state.update(done=done, total=total, stage=stage)
        if time.monotonic() - self.written_at >= WRITE_EVERY:
            self.write()

    def write(self) -> None:
        self.state["updated_at"] = timezone.now().isoformat()
        self.path.parent.mkdir(exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        temporary.write_text(json.dumps(self.state, default=str))
        os.replace(temporary, self.path)
        self.written_at = time.monotonic()

    def run(self, work: Work) -> None:
        try:
            self.state.update(result=work(self.progress), state="done")
        except DomainError as exc:  # a refusal the user can act on (a wrong passphrase…)
            self.state.update(state="failed", message=str(exc))
        except Exception as exc:
            log.exception("%s failed", self.state["what"])
            self.state.update(state="failed", message=f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()  # this thread's own
        self.write()


def job_start(folder: Path, *, company_id: int, what: str, work: Work) -> str:
    """Start `work` in a thread of its own; the job's id, for `job_get`."""
    jobs_sweep(folder)
    job = Job(folder, company_id=company_id, what=what)
    job.write()
    threading.Thread(
        target=job.run, args=(work,), name=f"job-{job.state['id']}", daemon=True
    ).start()
    return job.state["id"]


def job_get(folder: Path, *, job_id: str, company_id: int) -> dict[str, Any] | None:
    """The job's state, if it is this company's; a silent running job is shown as stopped."""
    if len(job_id) != JOB_ID or not all(c in "0123456789abcdef" for c in job_id):
        return None
    try:
        state = json.loads((folder / JOBS / f"{job_id}.json").read_text())
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
