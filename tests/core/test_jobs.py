"""Jobs started from a page (core.jobs): one at a time when started `alone`, a heartbeat
while a step reports nothing, and a job whose server died shown as stopped."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from core import jobs
from core.jobs import job_get, job_running, job_start, jobs_of


@pytest.fixture
def held() -> Any:
    """Work that waits for `release`; each run counted."""
    release = threading.Event()
    runs: list[int] = []

    def work(progress: Any) -> dict[str, Any]:
        runs.append(1)
        assert release.wait(60)
        return {"message": "Done."}

    yield work, release, runs
    release.set()


def until(condition: Any) -> Any:
    deadline = time.monotonic() + 30
    while not (value := condition()):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return value


def test_a_job_started_alone_joins_the_one_running_for_the_company(
    tmp_path: Path, held: Any
) -> None:
    work, release, runs = held
    first = job_start(tmp_path, company_id=1, what="verify", work=work, alone=True)
    again = job_start(tmp_path, company_id=1, what="verify", work=work, alone=True)
    other_company = job_start(tmp_path, company_id=2, what="verify", work=work, alone=True)
    other_kind = job_start(tmp_path, company_id=1, what="backup", work=work, alone=True)
    assert again == first and len({first, other_company, other_kind}) == 3
    assert job_running(tmp_path, company_id=1, what="verify")["id"] == first
    release.set()
    until(lambda: job_running(tmp_path, company_id=1, what="verify") is None)
    assert job_get(tmp_path, job_id=first, company_id=1)["state"] == "done"
    until(lambda: len(runs) == 3)
    later = job_start(tmp_path, company_id=1, what="verify", work=work, alone=True)
    assert [j["id"] for j in jobs_of(tmp_path, company_id=1, what="verify")] == [later, first]


def test_a_step_that_reports_nothing_still_keeps_its_job_alive(
    tmp_path: Path, held: Any, monkeypatch: Any
) -> None:
    work, release, runs = held
    monkeypatch.setattr(jobs, "HEARTBEAT", 0.01)
    job_id = job_start(tmp_path, company_id=1, what="verify", work=work)
    first = job_get(tmp_path, job_id=job_id, company_id=1)["updated_at"]
    until(lambda: job_get(tmp_path, job_id=job_id, company_id=1)["updated_at"] != first)
    assert job_get(tmp_path, job_id=job_id, company_id=1)["state"] == "running"
    release.set()
    until(lambda: job_get(tmp_path, job_id=job_id, company_id=1)["state"] == "done")


def test_a_silent_job_is_stopped_and_does_not_hold_off_the_next(tmp_path: Path, held: Any) -> None:
    work, release, runs = held
    (tmp_path / ".jobs").mkdir()
    silent = {
        "id": "0123456789abcdef",
        "company_id": 1,
        "what": "verify",
        "state": "running",
        "done": 3,
        "total": 11,
        "stage": "check 4 of 11",
        "message": "",
        "result": None,
        "started_at": (timezone.now() - dt.timedelta(minutes=10)).isoformat(),
        "updated_at": (timezone.now() - dt.timedelta(minutes=3)).isoformat(),
    }
    (tmp_path / ".jobs" / "0123456789abcdef.json").write_text(json.dumps(silent))
    state = job_get(tmp_path, job_id="0123456789abcdef", company_id=1)
    assert state["state"] == "failed" and "The server stopped" in state["message"]
    started = job_start(tmp_path, company_id=1, what="verify", work=work, alone=True)
    assert started != "0123456789abcdef"
