"""First run: `/setup/` makes the owner only for whoever has the set-up code `manage.py serve`
printed on the server's console; without it, or with a wrong one, nothing is created."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape

from books.setup_code import WRONG, setup_code_path
from companies.models import Company
from server.management.commands import serve

OWNER = {"username": "ravi", "password": "a-long-passphrase", "company_name": "Sharma Traders"}


def set_up(**fields: str):
    return Client().post("/setup/", {**OWNER, **fields})


@pytest.mark.parametrize("given", [None, "", "ACDE-FGHJ", "x" * 10_000])
def test_without_the_code_nothing_is_created(db, setup_code, given):
    answer = set_up() if given is None else set_up(setup_code=given)
    assert answer.status_code == 422
    assert escape(WRONG) in answer.content.decode()
    assert not User.objects.exists() and not Company.objects.exists()
    assert setup_code_path().read_text() == setup_code  # still the same code, still usable


def test_the_code_as_read_out_works_once_and_is_then_removed(db, setup_code):
    typed = f" {setup_code[:4].lower()}-{setup_code[4:]} "
    answer = set_up(setup_code=typed)
    assert answer.url == f"/c/{Company.objects.get().pk}/"
    assert User.objects.get().is_superuser
    assert not setup_code_path().exists()
    assert set_up(setup_code=setup_code).url == "/"  # set up already: the Gateway


def test_a_server_not_started_by_serve_logs_a_code_once(db, settings, tmp_path, caplog):
    settings.VAR_DIR = tmp_path
    caplog.set_level(logging.WARNING, logger="books.setup_code")
    assert Client().get("/setup/").status_code == 200
    assert Client().get("/setup/").status_code == 200
    code = setup_code_path().read_text()
    assert [r.getMessage() for r in caplog.records] == [
        f"First run: the set-up code is {code[:4]}-{code[4:]}"
    ]
    assert set_up(setup_code=code).status_code == 302


def test_the_code_is_private_to_the_server_account(db, setup_code):
    assert setup_code_path().stat().st_mode & 0o077 == 0


def test_serve_prints_the_code_on_a_fresh_install_only(db, settings, tmp_path, monkeypatch, capsys):
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(serve.os, "execve", lambda *args: None)
    monkeypatch.setattr(serve.connections, "close_all", lambda: None)  # the test's database
    call_command("serve", port="9123")
    code = setup_code_path().read_text()
    assert f"enter the set-up code {code[:4]}-{code[4:]}" in capsys.readouterr().out
    User.objects.create_user("ravi")
    call_command("serve", port="9123")
    assert "set-up code" not in capsys.readouterr().out
    assert not setup_code_path().exists()
