"""backups.folder: what a restore stopped in its midst leaves in the backup folder (its
`.safety-*` folder) is swept after a day — its safety backup adopted, the rest removed — by the
daily sweep and at the start of the next restore."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from django.utils import timezone

from backups.archive import backup_write
from backups.folder import SAFETY_KEPT, archive_write, archives_list, leftovers_sweep
from backups.restore import restore
from companies.models import Company


def _left(folder: Path, name: str, *, age: dt.timedelta) -> Path:
    """A restore's safety folder as a stopped server leaves it, last written `age` ago."""
    left = folder / f".safety-{name}"
    left.mkdir()
    at = (timezone.now() - age).timestamp()
    os.utime(left, (at, at))
    return left


def test_a_stale_safety_folder_is_swept_and_its_safety_backup_kept(
    books: Company, tmp_path: Path
) -> None:
    stale = _left(tmp_path, "stale", age=SAFETY_KEPT + dt.timedelta(minutes=1))
    written = archive_write(company=books, folder=stale, kind="safety").summary()["sha256"]
    (stale / "junk.bin").write_bytes(b"x")
    young = _left(tmp_path, "young", age=dt.timedelta(hours=2))
    backup_write(company=books, path=young / "restoring.tsbk")
    old = (timezone.now() - SAFETY_KEPT - dt.timedelta(minutes=1)).timestamp()
    os.utime(stale, (old, old))
    removed = leftovers_sweep(tmp_path, now=timezone.now())
    assert removed == [stale] and not stale.exists()
    (adopted,) = archives_list(tmp_path, chain_id=books.chain_id)
    assert adopted.kind == "safety" and adopted.summary()["sha256"] == written
    assert (young / "restoring.tsbk").exists()  # a restore may be writing it now


def test_a_stale_safety_folder_of_a_company_gone_goes_whole(books: Company, tmp_path: Path) -> None:
    stale = _left(tmp_path, "gone", age=dt.timedelta())
    archive_write(company=books, folder=stale, kind="safety")
    Company.objects.filter(pk=books.pk).update(chain_id="0" * 32)
    old = (timezone.now() - SAFETY_KEPT - dt.timedelta(minutes=1)).timestamp()
    os.utime(stale, (old, old))
    assert leftovers_sweep(tmp_path, now=timezone.now()) == [stale]
    assert archives_list(tmp_path) == [] and not stale.exists()


def test_a_restore_sweeps_what_a_stopped_one_left(
    books: Company, alice: Any, tmp_path: Path, settings: Any
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    settings.BACKUPS_DIR = folder
    source = backup_write(company=books, path=tmp_path / "sharma.tsbk").path
    stale = _left(folder, "stale", age=SAFETY_KEPT + dt.timedelta(hours=1))
    restore(archive=source, mode="copy", actor=alice)
    assert not stale.exists()
