"""Importing settings has no side effects: the entry points prepare the data folder, settings
only read the environment (through the env_* helpers) and the folder."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tallysync.env import env_bool, env_int, env_list
from tallysync.var import key_read, secret_key_read, var_prepare

ROOT = Path(__file__).resolve().parents[1]


def python(code: str, var: Path, *args: str) -> subprocess.CompletedProcess[str]:
    keys = {"SECRET_KEY", "TALLYSYNC_EDITLOG_KEY", "ALLOWED_HOSTS"}
    env = {k: v for k, v in os.environ.items() if k not in keys}
    env.update(TALLYSYNC_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="tallysync.settings")
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_importing_settings_writes_nothing_and_looks_up_no_hosts(tmp_path: Path) -> None:
    var = tmp_path / "var"
    done = python(
        "import tallysync.settings as s; print(s.SECRET_KEY == '', s.ALLOWED_HOSTS._filled)", var
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]
    assert not var.exists()


def test_manage_py_makes_the_folder_and_its_private_keys_once(tmp_path: Path) -> None:
    var = tmp_path / "var"
    assert python("", var, "manage.py", "check").returncode == 0
    keys = {name: (var / name).read_text() for name in ("secret_key", "editlog_key")}
    for name, key in keys.items():
        assert len(key) >= 50
        assert stat.S_IMODE((var / name).stat().st_mode) == 0o600
    assert keys["secret_key"] != keys["editlog_key"]
    assert (var / "static").is_dir()
    assert python("", var, "manage.py", "check").returncode == 0
    assert {name: (var / name).read_text() for name in keys} == keys
    assert {path.name for path in var.iterdir()} == {"secret_key", "editlog_key", "static"}


def test_the_environments_keys_are_never_written(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("TALLYSYNC_EDITLOG_KEY", "the-edit-logs-from-the-environment")
    var_prepare(tmp_path)
    assert not (tmp_path / "secret_key").exists()
    assert not (tmp_path / "editlog_key").exists()
    assert secret_key_read(tmp_path) == "from-the-environment"
    assert key_read(tmp_path, "editlog_key") == "the-edit-logs-from-the-environment"


def test_env_helpers_read_defaults_values_and_lists(monkeypatch) -> None:
    monkeypatch.setenv("T_ON", "Yes")
    monkeypatch.setenv("T_OFF", "0")
    monkeypatch.setenv("T_EMPTY", "")
    monkeypatch.setenv("T_PORT", " 9100 ")
    monkeypatch.setenv("T_HOSTS", "tally.lan, ,127.0.0.1,")
    assert env_bool("T_ON") is True
    assert env_bool("T_OFF", default=True) is False
    assert env_bool("T_EMPTY", default=True) is True
    assert env_bool("T_UNSET") is False
    assert env_int("T_PORT", 0) == 9100
    assert env_int("T_EMPTY", 5) == 5
    assert env_list("T_HOSTS") == ["tally.lan", "127.0.0.1"]
    assert env_list("T_UNSET") == []


def test_a_malformed_value_names_its_variable(monkeypatch) -> None:
    monkeypatch.setenv("DEBUG", "ture")
    monkeypatch.setenv("LOCK_SWEEP_INTERVAL", "5s")
    with pytest.raises(ValueError, match="^DEBUG='ture': use 1 or 0"):
        env_bool("DEBUG")
    with pytest.raises(ValueError, match="^LOCK_SWEEP_INTERVAL='5s': use a whole number"):
        env_int("LOCK_SWEEP_INTERVAL", 5)
