"""The move's own parts (backups.move): the server member — users with their password hashes,
API tokens, the Server configuration — written and loaded into an empty database, and the
refusal of a target that is not empty. The move itself, SQLite to PostgreSQL, is in
tests/services/test_backups.py; here it runs SQLite to SQLite, through manage.py as an office
would run it."""

import json

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from backups.move import MoveError, server_load, server_write, target_refusal
from companies.auth import token_get, token_issue
from companies.models import ApiToken
from config.models import CompanyCreation, ServerConfig


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
