"""The backup and restore forms: each refusal names its field and rule and writes nothing — no
archive, no company, no Change, no job, no upload kept — over the JSON API, on the page and
from the commands, which read the same form."""

from __future__ import annotations

import dataclasses
from io import StringIO
from pathlib import Path
from typing import Any

import pyrage
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from backups.folder import archives_list
from backups.forms import BackupDraft, RestoreDraft, backup_draft, restore_draft
from companies.models import Company
from config.models import ServerConfig
from config.selectors import config_forget
from core.errors import Invalid, NotAllowed
from editlog.models import Change
from tests.conftest import client_for

MODES_RULE = "Choose one of new, copy, replace."


@pytest.fixture
def folder(settings: Any, tmp_path: Any) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path / "backups"


@pytest.fixture
def archive(folder: Path, company: Company, alice: User, voucher: Any) -> str:
    """A manual backup of Sharma Traders, listed on its Backups page."""
    return client_for(alice).post(url(company), {}, content_type="application/json").json()["name"]


def url(company: Company, tail: str = "") -> str:
    return f"/c/{company.pk}/backups/{tail}"


def books(folder: Path) -> tuple:
    """What a refusal must leave as it was."""
    jobs = (
        sorted(p.name for p in (folder / ".jobs").glob("*")) if (folder / ".jobs").exists() else []
    )
    uploads = list((folder / ".uploads").glob("*")) if (folder / ".uploads").exists() else []
    return (
        [a.name for a in archives_list(folder)],
        list(Company.objects.values_list("pk", "name", "last_seq")),
        Change.objects.count(),
        jobs,
        uploads,
    )


def refused(company: Company, alice: User, body: dict[str, Any]) -> dict[str, list[str]]:
    response = client_for(alice).post(
        url(company, "restore/"), body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    return response.json()["errors"]


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"archive": "nothing.tsbk", "mode": "copy", "name": "X"}, "archive", "Choose one of"),
        ({"archive": "../../tallysync.sqlite3", "mode": "new"}, "archive", "Choose one of"),
        ({"archive": "", "mode": "copy", "name": "X"}, "archive", "or upload one"),
        ({"mode": "merge"}, "mode", MODES_RULE),
        ({"mode": ""}, "mode", "This cannot be empty."),
        ({"mode": "copy"}, "name", "Give the copy a new name"),
        ({"mode": "copy", "name": "   "}, "name", "Give the copy a new name"),
        ({"mode": "copy", "name": "x" * 201}, "name", "At most 200 characters"),
        ({"mode": "replace"}, "confirm", "Type the company's name, Sharma Traders,"),
        ({"mode": "replace", "confirm": "sharma traders"}, "confirm", "Type the company's name"),
        ({"mode": "copy", "name": "X", "passphrase": 42}, "passphrase", "as text"),
        ({"mode": "new", "passphrase": "a", "identity": "b"}, "identity", "AGE-SECRET-KEY-"),
        ({"mode": "new", "identity": "AGE-SECRET-KEY-1NOPE"}, "identity", "not an age secret"),
    ],
)
def test_a_bad_restore_is_refused_naming_the_field_and_nothing_is_written(
    folder: Path, company: Company, alice: User, archive: str, body: dict, field: str, rule: str
) -> None:
    before = books(folder)
    errors = refused(company, alice, {"archive": archive, **body})
    assert rule in " ".join(errors[field]), errors
    assert books(folder) == before


def test_a_passphrase_and_a_secret_key_together_are_refused(
    folder: Path, company: Company, alice: User, archive: str
) -> None:
    key = str(pyrage.x25519.Identity.generate())
    errors = refused(
        company, alice, {"archive": archive, "mode": "new", "passphrase": "p", "identity": key}
    )
    assert errors == {"passphrase": ["Give a passphrase or an age secret key, not both."]}


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_only_an_owner_may_restore(
    folder: Path, company: Company, archive: str, who: str, request: Any
) -> None:
    before = books(folder)
    user = request.getfixturevalue(who)
    response = client_for(user).post(
        url(company, "restore/"),
        {"archive": archive, "mode": "replace", "confirm": "Sharma Traders"},
        content_type="application/json",
    )
    assert response.status_code == 403 and "owner" in response.json()["detail"]
    with pytest.raises(NotAllowed, match="owner"):  # the draft asks too, for the commands
        restore_draft(
            actor=user,
            company=company,
            data={"archive": archive, "mode": "replace", "confirm": "Sharma Traders"},
            find=lambda name: folder / name,
        )
    assert books(folder) == before


def test_a_new_company_or_a_copy_needs_one_who_may_create_companies(
    folder: Path, company: Company, archive: str, alice: User
) -> None:
    ServerConfig.objects.update_or_create(pk=1, defaults={"company_creation": "staff"})
    config_forget()
    try:
        with pytest.raises(NotAllowed, match="administrators may create companies"):
            restore_draft(
                actor=alice,
                company=company,
                data={"archive": archive, "mode": "copy", "name": "X"},
                find=lambda name: folder / name,
            )
    finally:
        config_forget()


def test_the_draft_is_typed_and_frozen(
    folder: Path, company: Company, alice: User, archive: str
) -> None:
    key = str(pyrage.x25519.Identity.generate())
    draft = restore_draft(
        actor=alice,
        company=company,
        data={"archive": archive, "mode": " copy ", "name": " Sharma 2025 ", "identity": key},
        find=lambda name: folder / name if (folder / name).is_file() else None,
    )
    assert draft == RestoreDraft(
        archive=folder / archive,
        upload=None,
        mode="copy",
        new_name="Sharma 2025",
        company=None,  # only a replace names the company it replaces
        passphrase=None,
        identities=(key,),
        confirm="",
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        draft.mode = "replace"  # type: ignore[misc]
    backup = backup_draft(company=company, actor=alice, data={"passphrase": " two words "})
    assert backup == BackupDraft(company=company, passphrase=" two words ", recipients=())


def test_a_refused_page_form_is_shown_again_with_its_messages(
    folder: Path, company: Company, alice: User, archive: str
) -> None:
    page = Client()
    page.force_login(alice)
    before = books(folder)
    upload = SimpleUploadedFile("old.tsbk", (folder / archive).read_bytes())
    response = page.post(
        url(company, "restore/"),
        {"archive": "", "file": upload, "mode": "replace", "confirm": "Sharma", "passphrase": "s3"},
    )
    assert response.status_code == 422
    shown = response.content.decode()
    assert "Not restored: please correct the marked fields." in shown
    assert "Type the company&#x27;s name, Sharma Traders, to replace it" in shown
    assert 'value="replace" checked' in shown and "s3" not in shown  # the secret is not echoed
    assert books(folder) == before  # the upload was not kept either
    copy = page.post(url(company, "restore/"), {"archive": archive, "mode": "copy", "name": ""})
    assert copy.status_code == 422
    assert "Give the copy a new name" in copy.content.decode()
    assert f'<option value="{archive}" selected>' in copy.content.decode()
    assert books(folder) == before


def test_a_bad_backup_is_refused_naming_the_field_and_nothing_is_written(
    folder: Path, company: Company, alice: User
) -> None:
    api = client_for(alice)
    for body, field, rule in (
        ({"recipients": ["age1nonsense"]}, "recipients", "is not an age public key"),
        ({"recipients": "age1nonsense"}, "recipients", "is not an age public key"),
        ({"passphrase": ["a"]}, "passphrase", "as text"),
        ({"passphrase": "line\nbreak"}, "passphrase", "one line"),
        ({"passphrase": "x" * 1001}, "passphrase", "At most 1000 characters"),
    ):
        response = api.post(url(company), body, content_type="application/json")
        assert response.status_code == 400, response.content
        assert rule in " ".join(response.json()["errors"][field])
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    both = api.post(
        url(company),
        {"passphrase": "p", "recipients": [recipient]},
        content_type="application/json",
    )
    assert both.json()["errors"] == {
        "passphrase": ["Give a passphrase or a recipient key, not both."]
    }
    assert archives_list(folder) == []
    page = Client()
    page.force_login(alice)
    shown = page.post(url(company), {"passphrase": "x" * 1001})
    assert shown.status_code == 422 and "At most 1000 characters" in shown.content.decode()
    assert archives_list(folder) == [] and not (folder / ".jobs").exists()


def test_a_backup_for_a_recipient_key_over_json(
    folder: Path, company: Company, alice: User
) -> None:
    identity = pyrage.x25519.Identity.generate()
    body = (
        client_for(alice)
        .post(
            url(company),
            {"recipients": [str(identity.to_public())]},
            content_type="application/json",
        )
        .json()
    )
    assert body["encrypted"] is True
    assert pyrage.decrypt((folder / body["name"]).read_bytes(), [identity])[:2] == b"PK"


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_only_an_owner_may_back_up(folder: Path, company: Company, who: str, request: Any) -> None:
    with pytest.raises(NotAllowed):
        backup_draft(company=company, actor=request.getfixturevalue(who), data={})
    with pytest.raises(Invalid):  # the command line asks no owner, but reads the same form
        backup_draft(company=company, actor=None, data={"recipients": ["age1nope"]})


# -- the commands read the same form ----------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--mode", "merge"], f"--mode: {MODES_RULE}"),
        (["--mode", "copy"], "--name: Give the copy a new name"),
        (["--mode", "replace", "--company", "Sharma Traders"], "--confirm: Type the company's"),
        (["--mode", "replace"], "Name the company to replace."),
    ],
)
def test_the_restore_command_refuses_as_the_page_does(
    folder: Path, company: Company, alice: User, archive: str, options: list, message: str
) -> None:
    before = books(folder)
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(folder / archive), *options, "--user", "alice")
    assert books(folder) == before


def test_the_restore_command_names_a_missing_file_and_a_bad_identity_file(
    folder: Path, company: Company, alice: User, archive: str, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match="FILE: There is no file /nowhere.tsbk."):
        call_command("restore", "/nowhere.tsbk", "--user", "alice")
    keys = tmp_path / "key.txt"
    keys.write_text("# created: today\n# public key: age1…\n")
    with pytest.raises(CommandError, match="--identity-file: An age secret key begins"):
        call_command(
            "restore", str(folder / archive), "--identity-file", str(keys), "--user", "alice"
        )


def test_the_backup_command_refuses_a_bad_recipient_before_any_archive(
    folder: Path, company: Company, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CommandError, match="--recipient: 'age1nope' is not an age public key"):
        call_command("backup", "--to", str(out), "--recipient", "age1nope", stdout=StringIO())
    assert list(out.iterdir()) == []
