"""The move's own parts (backups.move): the server member — users with their password hashes,
API tokens, the Server configuration — written and loaded into an empty database, and the
refusal of a target that is not empty. The move itself, SQLite to PostgreSQL, is in
tests/services/test_backups.py; here it runs SQLite to SQLite, through manage.py as an office
would run it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from backups.move import MoveError, server_load, server_write, target_refusal
from companies.auth import token_get, token_issue
from companies.models import ApiToken
from config.models import CompanyCreation, ServerConfig

ROOT = Path(__file__).resolve().parents[2]


def signs_in(username: str, password: str) -> bool:
    answer = Client().post("/login/", {"username": username, "password": password})
    return answer.status_code == 302 and answer.url == "/"


@pytest.fixture
def server_rows(alice, bob, company_creation_open):
    """alice with a token and a Django group (the admin's), bob, the configuration changed."""
    alice.groups.add(Group.objects.create(name="Auditors"))
    return {"token": token_issue(user=alice), "ids": {alice.pk, bob.pk}}


def test_the_server_member_brings_users_tokens_and_configuration(server_rows, tmp_path):
    written = server_write(tmp_path / "server.jsonl")
    assert written["rows"] == {
        "auth.Group": 1,
        "auth.User": 2,
        "companies.ApiToken": 1,
        "config.ServerConfig": 1,
    }
    assert "alice-secret-1" not in (tmp_path / "server.jsonl").read_text()  # a hash, not it
    for model in (ApiToken, User, Group, ServerConfig):
        model.objects.all().delete()
    assert target_refusal() is None
    loaded = server_load(tmp_path / "server.jsonl", written)
    assert loaded["auth.User"] == 2
    assert signs_in("alice", "alice-secret-1") and signs_in("bob", "bob-secret-1")
    assert not signs_in("bob", "alice-secret-1")
    assert set(User.objects.values_list("pk", flat=True)) == server_rows["ids"]
    assert token_get(server_rows["token"]).user.username == "alice"
    assert list(User.objects.get(username="alice").groups.values_list("name", flat=True)) == [
        "Auditors"
    ]
    assert ServerConfig.objects.get(pk=1).company_creation == CompanyCreation.EVERYONE
    User.objects.create_user("erin")  # the next id is free


def test_a_changed_server_member_is_refused_and_loads_nothing(server_rows, tmp_path):
    path = tmp_path / "server.jsonl"
    written = server_write(path)
    lines = path.read_text().splitlines()
    first = json.loads(lines[1])
    first["fields"]["is_superuser"] = True
    path.write_text("\n".join([lines[0], json.dumps(first), *lines[2:]]) + "\n")
    for model in (ApiToken, User, Group, ServerConfig):
        model.objects.all().delete()
    with pytest.raises(MoveError, match="its SHA-256 is not the one written"):
        server_load(path, written)
    assert not User.objects.exists()


def test_a_target_with_books_or_users_is_refused(company):
    assert target_refusal() == "it already holds 1 companies and 3 users"


# The whole move, SQLite to SQLite, through manage.py in processes of their own.

MEMBERS = (
    "import json; from companies.models import Membership; print(json.dumps(sorted("
    "[m.company.name, m.user.username, m.role] for m in Membership.objects.all())))"
)


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def books_env(path: Path, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {
        **env,
        "DATABASE_URL": f"sqlite:///{path}",
        "DJANGO_SETTINGS_MODULE": "tallysync.settings",
        "TALLYSYNC_VAR_DIR": str(workdir),
    }


def test_a_move_between_sqlite_files_keeps_figures_members_and_passwords(tmp_path):
    source = books_env(tmp_path / "source.sqlite3", tmp_path)
    target = books_env(tmp_path / "target.sqlite3", tmp_path)
    assert manage(source, "migrate", "--noinput", "-v0").returncode == 0
    seeded = manage(
        source, "shell", "-v0", "-c", "from tests.backups.seed import seed; seed(months=3)"
    )
    assert seeded.returncode == 0, seeded.stderr

    moved = manage(source, "move_to", target["DATABASE_URL"], "--folder", str(tmp_path / "m"))
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert "Difference report: empty. 3 companies moved" in moved.stdout
    plan = json.loads((tmp_path / "m" / "move.json").read_text())
    assert [c["archive"] for c in plan["companies"]] == ["001.tsbk", "002.tsbk", "003.tsbk"]
    assert manage(target, "books_figures").stdout == manage(source, "books_figures").stdout
    members = [
        json.loads(manage(env, "shell", "-v0", "-c", MEMBERS).stdout) for env in (source, target)
    ]
    assert members[0] == members[1] and ["Gupta & Sons", "meena", "viewer"] in members[0]
    signing_in = {**target, "ALLOWED_HOSTS": "testserver"}
    check = (
        "from django.test import Client; print(Client().post('/login/', "
        "{'username': 'sita', 'password': 'sita-secret-1'}).status_code)"
    )
    assert manage(signing_in, "shell", "-v0", "-c", check).stdout.strip() == "302"

    again = manage(source, "move_to", target["DATABASE_URL"], "--folder", str(tmp_path / "n"))
    assert again.returncode == 1
    assert "it already holds 3 companies and 3 users" in again.stderr
