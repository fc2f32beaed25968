"""`pip install .` installs every package of the server: pyproject.toml lists them by hand
(templates/ and static/ are carried inside tallysync, which setuptools' find cannot map), so an
app or a migrations folder added without listing it would be missing from an installed server."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_SHIPPED = {"tests", "bench", "build", ".venv", ".ci"}


def test_pyproject_lists_every_package_of_the_server():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in ROOT.glob("**/__init__.py")
        if init.relative_to(ROOT).parts[0] not in NOT_SHIPPED
    }
    carried = {"tallysync.templates": "templates", "tallysync.static": "static"}
    assert setuptools["package-dir"] == carried
    assert listed - set(carried) == found


def test_the_installed_command_is_manage_py():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"] == {"tallysync": "tallysync.cli:main"}
    assert "from tallysync.cli import main" in (ROOT / "manage.py").read_text()
