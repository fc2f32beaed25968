"""The data folder is the server account's alone: var/ 0700, the database and its -wal/-shm
0600 from their birth (umask 077 before SQLite opens them), older readable files made private at
start-up with a line naming each."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from tallysync.var import var_prepare
from tests.test_settings_import import python

# Run through manage.py (the entry point) with the database open, so -wal and -shm exist.
MODES = """
import json, os, stat
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
with connection.cursor() as cursor:
    cursor.execute("INSERT INTO django_session VALUES ('k', 'd', '2999-01-01')")
    folder = os.environ["TALLYSYNC_VAR_DIR"]
    names = [".", "tallysync.sqlite3", "tallysync.sqlite3-wal", "tallysync.sqlite3-shm"]
    print(json.dumps({n: stat.S_IMODE(os.stat(os.path.join(folder, n)).st_mode) for n in names}))
"""
PRIVATE = {
    ".": 0o700,
    "tallysync.sqlite3": 0o600,
    "tallysync.sqlite3-wal": 0o600,
    "tallysync.sqlite3-shm": 0o600,
}


def modes_after_start(var: Path) -> tuple[dict[str, int], str]:
    done = python("", var, "manage.py", "shell", "-c", MODES)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1]), done.stderr


def test_a_fresh_folder_and_database_are_private(tmp_path: Path) -> None:
    var = tmp_path / "var"
    modes, _ = modes_after_start(var)
    assert modes == PRIVATE
    assert stat.S_IMODE((var / "secret_key").stat().st_mode) == 0o600
    # The Edit Log's key: beside the secret key, outside the database, as private.
    assert stat.S_IMODE((var / "editlog_key").stat().st_mode) == 0o600
    assert len((var / "editlog_key").read_text()) >= 64


def test_files_an_older_version_left_readable_are_made_private_and_named(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    os.chmod(var, 0o755)
    (var / "tallysync.sqlite3").touch()
    os.chmod(var / "tallysync.sqlite3", 0o644)
    modes, stderr = modes_after_start(var)
    assert modes == PRIVATE
    assert f"Made {var} private: mode 700, was 755." in stderr
    assert f"Made {var / 'tallysync.sqlite3'} private: mode 600, was 644." in stderr


def test_a_readable_folder_is_made_private_once_and_logged_once(tmp_path: Path, caplog) -> None:
    var = tmp_path / "var"
    var.mkdir()
    os.chmod(var, 0o755)
    umask = os.umask(0o022)
    try:
        var_prepare(var)
        var_prepare(var)
    finally:
        os.umask(umask)
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert [r.message for r in caplog.records] == [f"Made {var} private: mode 700, was 755."]
