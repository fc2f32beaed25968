"""The backups pages and JSON API: the list, back up now, download, restore, progress, and the
Gateway's last-backup region — for owners only."""

from __future__ import annotations

import datetime as dt
import io
import json
import time
import zipfile
from io import StringIO

import pyrage
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from backups.folder import archive_name, archives_list
from backups.restore import _Plan, restore
from backups.schedule import scheduled_run
from companies.models import Company, Membership
from config.models import ServerConfig
from config.selectors import config_forget
from server.scheduler import outcome_record
from tests.conftest import client_for


@pytest.fixture
def folder(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path / "backups"


def url(company: Company, tail: str = "") -> str:
    return f"/c/{company.pk}/backups/{tail}"


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_owner_backs_up_over_json_and_gets_the_archives_summary(folder, company, alice, voucher):
    api = client_for(alice)
    response = api.post(url(company), {}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["company"] == "Sharma Traders"
    assert body["kind"] == "manual" and body["encrypted"] is False
    assert body["name"].endswith(".tsbk") and body["size"] == (folder / body["name"]).stat().st_size
    assert body["rows"] > 0 and body["checks"]["vouchers"] == 1
    listed = api.get(url(company)).json()["archives"]
    assert [a["name"] for a in listed] == [body["name"]]
    download = api.get(body["download"])
    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert json.loads(archive.read("manifest.json"))["company"]["name"] == "Sharma Traders"


def test_a_passphrase_encrypts_the_archive(folder, company, alice):
    body = (
        client_for(alice)
        .post(url(company), {"passphrase": "lunch at 1"}, content_type="application/json")
        .json()
    )
    assert body["encrypted"] is True and body["name"].endswith(".tsbk.age")
    plain = pyrage.passphrase.decrypt((folder / body["name"]).read_bytes(), "lunch at 1")
    assert zipfile.ZipFile(io.BytesIO(plain)).read("manifest.json")


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_only_owners_see_or_take_backups(folder, company, alice, who, request):
    client_for(alice).post(url(company), {}, content_type="application/json")
    name = archives_list(folder)[0].name
    other = client_for(request.getfixturevalue(who))
    role = {"bob": "accountant", "charlie": "viewer"}[who]
    for response in (
        other.get(url(company)),
        other.post(url(company), {}, content_type="application/json"),
        other.get(url(company, f"download/?archive={name}")),
        other.post(
            url(company, "restore/"),
            {"archive": name, "mode": "copy"},
            content_type="application/json",
        ),
    ):
        assert response.status_code == 403
        assert role in response.json()["detail"]
    assert len(archives_list(folder)) == 1
    assert Company.objects.count() == 1


def test_another_companys_archive_or_a_path_is_not_found(folder, company, alice, dave):
    theirs = Company.objects.create(
        name="Dave & Sons",
        financial_year_start=company.financial_year_start,
        books_beginning=company.books_beginning,
    )
    Membership.objects.create(user=dave, company=theirs, role="owner")
    name = client_for(dave).post(url(theirs), {}, content_type="application/json").json()["name"]
    api = client_for(alice)
    for archive in (name, "../tallysync.sqlite3", "/etc/passwd", ""):
        assert api.get(url(company, f"download/?archive={archive}")).status_code == 404
    assert api.get(url(company)).json() == {"archives": []}
    assert client_for(alice).get(url(theirs)).status_code == 404


def test_restore_as_a_copy_over_json(folder, company, alice, voucher):
    name = client_for(alice).post(url(company), {}, content_type="application/json").json()["name"]
    response = client_for(alice).post(
        url(company, "restore/"),
        {"archive": name, "mode": "copy", "name": "Sharma Traders 2025"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mode"] == "copy" and body["company"]["name"] == "Sharma Traders 2025"
    copy = Company.objects.get(name="Sharma Traders 2025")
    assert copy.pk != company.pk and body["url"] == f"/c/{copy.pk}/"


def test_replacing_needs_the_name_typed_and_takes_a_safety_backup_first(
    folder, company, alice, voucher
):
    api = client_for(alice)
    name = api.post(url(company), {}, content_type="application/json").json()["name"]
    refused = api.post(
        url(company, "restore/"),
        {"archive": name, "mode": "replace", "confirm": "sharma"},
        content_type="application/json",
    )
    assert refused.status_code == 400, refused.content
    assert "Sharma Traders" in refused.json()["errors"]["confirm"][0]
    assert [a.kind for a in archives_list(folder)] == ["manual"]
    done = api.post(
        url(company, "restore/"),
        {"archive": name, "mode": "replace", "confirm": "Sharma Traders"},
        content_type="application/json",
    )
    assert done.status_code == 201, done.content
    kinds = sorted(a.kind for a in archives_list(folder))
    assert kinds == ["manual", "safety"]
    assert done.json()["safety_backup"] in {a.name for a in archives_list(folder)}
    assert [p.name for p in folder.iterdir() if p.name.startswith(".safety")] == []


def test_an_unknown_archive_name_is_a_field_message(folder, company, alice):
    response = client_for(alice).post(
        url(company, "restore/"),
        {"archive": "nothing.tsbk", "mode": "copy"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "archive" in response.json()["errors"]


@pytest.mark.django_db(transaction=True)
def test_back_up_now_in_the_browser_runs_as_a_job_the_page_polls(folder, company, alice):
    page = browser(alice)
    response = page.post(url(company), {"passphrase": ""})
    assert response.status_code == 302
    job = response["Location"].split("job=")[1]
    assert page.get(response["Location"]).status_code == 200
    deadline = time.monotonic() + 60
    while (
        state := page.get(
            url(company, f"progress/?job={job}"), headers={"Accept": "application/json"}
        ).json()
    )["state"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert state["state"] == "done", state
    assert state["result"]["archive"] == archives_list(folder)[0].name
    finished = page.get(url(company, f"progress/?job={job}"), headers={"HX-Request": "true"})
    assert finished.status_code == 200 and finished["HX-Redirect"] == url(company)
    listing = page.get(url(company)).content.decode()
    assert state["result"]["archive"] in listing and "Backed up:" in listing


def test_the_gateway_loads_each_owned_companys_backup_age(folder, company, alice, bob):
    page = browser(alice)
    assert 'hx-get="/backups/ages/"' in page.get("/").content.decode()
    region = page.get("/backups/ages/").content.decode()
    assert (
        f'id="backup-age-{company.pk}"' in region and "no backup yet" in region and "warn" in region
    )
    client_for(alice).post(url(company), {}, content_type="application/json")
    region = page.get("/backups/ages/").content.decode()
    assert "backed up 0" in region and "warn" not in region
    assert "backup-age" not in browser(bob).get("/backups/ages/").content.decode()  # not an owner


# -- the Server Monitor ----------------------------------------------------------------------


def test_the_monitor_shows_each_companys_last_good_backup_and_warns_after_26_hours(
    folder, company, alice, dave
):
    theirs = Company.objects.create(
        name="Dave & Sons",
        financial_year_start=company.financial_year_start,
        books_beginning=company.books_beginning,
    )
    client_for(alice).post(url(company), {}, content_type="application/json")
    at = timezone.now() - dt.timedelta(hours=27)
    old = archive_name(company=theirs, at=at, kind="scheduled", encrypted=False, n=1)
    (folder / old).write_bytes(b"a day and more old")
    staff = browser(User.objects.create_user("ravi", is_staff=True))
    page = staff.get("/monitor/").content.decode()
    mine = page[page.index(f'id="backup-{company.pk}"') :][:400]
    theirs_row = page[page.index(f'id="backup-{theirs.pk}"') :][:400]
    assert "stale" not in mine.split(">")[0] and "0\xa0minutes" in mine
    assert 'class="stale"' in theirs_row and "1\xa0day" in theirs_row
    assert "(1 with no backup in the last 26 hours)" in page
    ServerConfig.objects.filter(pk=1).update(backup_enabled=False)
    config_forget()
    assert "Scheduled backups are off" in staff.get("/monitor/").content.decode()


def test_a_failed_scheduled_backup_shows_among_the_monitors_events(folder, company):
    ServerConfig.objects.update_or_create(pk=1, defaults={"backup_recipient": "age1nonsense"})
    config_forget()
    scheduled_run(report=outcome_record)
    staff = browser(User.objects.create_user("ravi", is_staff=True))
    page = staff.get("/monitor/?kind=backup_failed").content.decode()
    row = page[page.index('class="event-backup_failed"') :][:600]
    assert "Backup failed" in row and "Sharma Traders" in row and "age public key" in row
    assert f'id="backup-{company.pk}" class="stale"' in page


def test_a_replace_that_fails_keeps_its_safety_backup_and_the_books(
    folder, company, alice, voucher, monkeypatch
):
    api = client_for(alice)
    name = api.post(url(company), {}, content_type="application/json").json()["name"]

    def broken(*args, **kwargs):
        raise RuntimeError("the disk went away mid-load")

    monkeypatch.setattr(_Plan, "_rows_load", broken)  # after the safety backup, mid-load
    seq = Company.objects.get(pk=company.pk).last_seq
    with pytest.raises(RuntimeError):
        api.post(
            url(company, "restore/"),
            {"archive": name, "mode": "replace", "confirm": "Sharma Traders"},
            content_type="application/json",
        )
    assert sorted(a.kind for a in archives_list(folder)) == ["manual", "safety"]
    assert Company.objects.get(pk=company.pk).last_seq == seq
    assert [p.name for p in folder.iterdir() if p.name.startswith(".safety")] == []


@pytest.mark.django_db(transaction=True)
def test_a_restore_from_an_upload_in_the_browser_runs_as_a_job(folder, company, alice, voucher):
    name = client_for(alice).post(url(company), {}, content_type="application/json").json()["name"]
    page = browser(alice)
    with (folder / name).open("rb") as upload:
        response = page.post(
            url(company, "restore/"),
            {"archive": "", "file": upload, "mode": "copy", "name": "Sharma Traders (old)"},
        )
    assert response.status_code == 302, response.content
    job = response["Location"].split("job=")[1]
    assert "Restoring" in page.get(response["Location"]).content.decode()
    deadline = time.monotonic() + 60
    poll = url(company, f"progress/?job={job}")
    while (state := page.get(poll, headers={"Accept": "application/json"}).json())["state"] == (
        "running"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert state["state"] == "done", state
    copy = Company.objects.get(name="Sharma Traders (old)")
    assert state["result"]["url"] == f"/c/{copy.pk}/"
    assert page.get(poll, headers={"HX-Request": "true"})["HX-Redirect"] == f"/c/{copy.pk}/"
    assert not list((folder / ".uploads").iterdir())


def test_a_backup_command_archive_is_in_the_pages_list_as_a_manual_backup(
    folder, company, alice, voucher
):
    """`manage.py backup` without --to writes into the one backup folder, named as the page
    lists it (and retention prunes it)."""
    out = StringIO()
    call_command("backup", "--company", "Sharma Traders", stdout=out, stderr=StringIO())
    (archive,) = archives_list(folder, chain_id=company.chain_id)
    assert out.getvalue().strip() == str(archive.path)
    assert archive.kind == "manual" and not archive.encrypted
    listed = client_for(alice).get(url(company)).json()["archives"]
    assert [(a["name"], a["kind"]) for a in listed] == [(archive.name, "manual")]


def test_a_repairs_safety_backup_is_in_the_pages_list_as_a_safety_backup(
    folder, company, alice, voucher
):
    out = StringIO()
    call_command("repair_books", stdout=out)
    (archive,) = archives_list(folder, chain_id=company.chain_id)
    assert f"safety backup {archive.path}" in out.getvalue()
    assert archive.kind == "safety"
    listed = client_for(alice).get(url(company)).json()["archives"]
    assert [(a["name"], a["kind"]) for a in listed] == [(archive.name, "safety")]


def test_a_restores_own_safety_backup_is_in_the_pages_list_as_a_safety_backup(
    folder, company, alice, voucher, tmp_path
):
    """restore() called without a safety folder (the command) writes its safety backup into
    the backup folder under a safety backup's name."""
    out = StringIO()
    call_command("backup", "--company", str(company.pk), "--to", str(tmp_path), stdout=out)
    source = out.getvalue().strip()
    restored = restore(
        archive=source, mode="replace", company=company, actor=alice, confirm=company.name
    )
    (archive,) = archives_list(folder, chain_id=company.chain_id)
    assert restored.safety == archive.path and archive.kind == "safety"
    listed = client_for(alice).get(url(company)).json()["archives"]
    assert [(a["name"], a["kind"]) for a in listed] == [(archive.name, "safety")]
