"""The Import page and its JSON on the same URL: owners and accountants only, a bad file refused
by name before any job starts, the import run as a job the page polls, its report Tally's
counters and a line per refused object, and a dry run that writes nothing."""

from __future__ import annotations

import codecs
import time
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from companies.models import Company
from editlog.models import Change
from ledgers.models import Ledger
from tests.conftest import balance, client_for
from tests.tallyxml.test_importing import SALE, envelope, line, voucher
from vouchers.models import Voucher

UNBALANCED = voucher(
    line("Sharma Enterprises", "-500.00"), line("Sales", "400.00"), guid="g-2", number="2"
)


@pytest.fixture(autouse=True)
def folder(settings: Any, tmp_path: Any) -> Any:
    settings.VAR_DIR = tmp_path
    return tmp_path / "tally"


def url(company: Company) -> str:
    return f"/c/{company.pk}/tally/import/"


def xml(name: str, *objects: str, utf16: bool = False) -> SimpleUploadedFile:
    body = envelope(*objects)
    if utf16:
        body = codecs.BOM_UTF16_LE + body.decode().encode("utf-16-le")
    return SimpleUploadedFile(name, body, content_type="text/xml")


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def finished(client: Client, company: Company, job: str) -> dict[str, Any]:
    """The job's state once it is no longer running (polled as a script would)."""
    deadline = time.monotonic() + 30
    while True:
        state = client.get(f"{url(company)}?job={job}", headers={"Accept": "application/json"})
        assert state.status_code == 200, state.content
        if state.json()["state"] != "running":
            return state.json()
        assert time.monotonic() < deadline, state.json()
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_an_accountant_imports_over_json_and_gets_tallys_counters(
    company: Company, bob: User, ledgers: dict[str, Ledger], folder: Any
) -> None:
    api = client_for(bob)
    upload = xml("daybook.xml", voucher(*SALE), UNBALANCED, utf16=True)
    response = api.post(url(company), {"files": [upload]}, headers={"Accept": "application/json"})
    assert response.status_code == 202, response.content
    job = response.json()["job"]
    assert response.json()["url"].endswith(f"?job={job}")
    state = finished(api, company, job)
    assert state["state"] == "done" and state["done"] == state["total"] == 2
    result = state["result"]
    assert result["counters"] == {
        "created": 1, "altered": 0, "deleted": 0, "ignored": 0, "errors": 1, "cancelled": 0,
    }  # fmt: skip
    assert result["files"] == ["daybook.xml"] and result["dry_run"] is False
    assert any(
        ln.startswith("Refused Sales No. 2 of 26-Nov-2026: unbalanced voucher")
        for ln in result["lines"]
    ), result["lines"]
    assert balance(ledgers["party"]) == Decimal("1180.00")
    assert list((folder / "uploads").iterdir()) == []  # the kept upload went with the job
    again = api.post(
        url(company),
        {"files": [xml("daybook.xml", voucher(*SALE))]},
        headers={"Accept": "application/json"},
    )
    assert finished(api, company, again.json()["job"])["result"]["counters"]["ignored"] == 1
    assert Voucher.objects.filter(company=company).count() == 1
    listed = api.get(url(company), headers={"Accept": "application/json"}).json()["jobs"]
    assert [j["id"] for j in listed] == [again.json()["job"], job]


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_reports_the_same_and_writes_nothing(
    company: Company, alice: User, ledgers: dict[str, Ledger], folder: Any
) -> None:
    changes = Change.objects.count()
    api = client_for(alice)
    response = api.post(
        url(company),
        {"files": [xml("daybook.xml", voucher(*SALE), UNBALANCED)], "dry_run": "on"},
        headers={"Accept": "application/json"},
    )
    result = finished(api, company, response.json()["job"])["result"]
    assert result["dry_run"] is True and result["counters"]["created"] == 1
    assert result["counters"]["errors"] == 1
    assert result["message"].startswith("Dry run, nothing written")
    assert Voucher.objects.filter(company=company).count() == 0
    assert Change.objects.count() == changes
    assert list((folder / "uploads").iterdir()) == []


@pytest.mark.parametrize(
    ("upload", "said"),
    [
        (None, "Choose one or more Tally XML files"),
        (SimpleUploadedFile("books.pdf", b"%PDF-1.4 ..."), "books.pdf is not a Tally XML file"),
        (SimpleUploadedFile("empty.xml", b""), "empty.xml is not a Tally XML file"),
    ],
)
def test_a_bad_file_is_refused_naming_the_field_and_nothing_starts(
    company: Company, alice: User, upload: Any, said: str, folder: Any
) -> None:
    files = {"files": [upload]} if upload else {}
    response = client_for(alice).post(url(company), files, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert said in response.json()["errors"]["files"][0]
    assert not (folder / ".jobs").exists() or not list((folder / ".jobs").glob("*.json"))


def test_a_file_over_the_limit_is_refused_with_the_limit_and_the_setting(
    company: Company, alice: User, settings: Any
) -> None:
    settings.TALLY_IMPORT_MAX_BYTES = 100
    big = xml("big.xml", voucher(*SALE))
    response = client_for(alice).post(
        url(company), {"files": [big]}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    message = response.json()["errors"]["files"][0]
    assert "big.xml is" in message and "at most 100\xa0bytes" in message
    assert "TALLYSYNC_TALLY_IMPORT_MAX_MB" in message


def test_files_over_the_limit_together_are_refused_though_each_is_under(
    company: Company, alice: User, settings: Any
) -> None:
    one, two = xml("april.xml", voucher(*SALE)), xml("may.xml", voucher(*SALE, guid="g-2"))
    settings.TALLY_IMPORT_MAX_BYTES = one.size + 10
    response = client_for(alice).post(
        url(company), {"files": [one, two]}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert "one import may be at most" in response.json()["errors"]["files"][0]


def test_a_body_over_the_limit_is_refused_before_its_files_are_read(
    company: Company, alice: User, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its Content-Length says so: Django never spools the uploads to disk."""
    from django.http import HttpRequest

    settings.TALLY_IMPORT_MAX_BYTES = 100
    read: list[bool] = []
    monkeypatch.setattr(HttpRequest, "_load_post_and_files", lambda self: read.append(True))
    body = xml("big.xml", *[voucher(*SALE, guid=f"g-{i}") for i in range(200)])
    response = client_for(alice).post(
        url(company), {"files": [body]}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert "The files come to" in response.json()["errors"]["files"][0]
    assert read == []


def test_a_second_import_waits_for_the_first(
    company: Company, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tallyxml.views.job_running", lambda folder, **kw: {"id": "abc"})
    response = client_for(alice).post(
        url(company),
        {"files": [xml("a.xml", voucher(*SALE))]},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert "An import into this company is running" in response.json()["errors"]["files"][0]
    assert not Voucher.objects.filter(company=company).exists()


def test_the_page_shows_a_refused_file_beside_its_field(company: Company, alice: User) -> None:
    response = browser(alice).post(
        url(company), {"files": [SimpleUploadedFile("a.txt", b"hello")], "dry_run": "on"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "a.txt is not a Tally XML file" in page
    assert 'id="id_dry_run" name="dry_run" type="checkbox" checked' in page


def test_viewers_may_not_import_nor_see_the_page(
    company: Company, charlie: User, alice: User
) -> None:
    api = client_for(charlie)
    for response in (
        api.get(url(company), headers={"Accept": "application/json"}),
        api.post(
            url(company),
            {"files": [xml("a.xml", voucher(*SALE))]},
            headers={"Accept": "application/json"},
        ),
    ):
        assert response.status_code == 403
        assert "viewer" in response.json()["detail"]
    assert b"tally-import-link" not in browser(charlie).get(f"/c/{company.pk}/").content
    assert b"tally-import-link" in browser(alice).get(f"/c/{company.pk}/").content


def test_another_companys_job_is_not_found(
    company: Company, alice: User, dave: User, folder: Any
) -> None:
    from core.jobs import job_start

    theirs = Company.objects.create(
        name="Dave & Sons",
        financial_year_start=company.financial_year_start,
        books_beginning=company.books_beginning,
    )
    job = job_start(folder, company_id=theirs.pk, what="tally-import", work=lambda p: {})
    api = client_for(alice)
    assert api.get(f"{url(company)}?job={job}").status_code == 404
    assert api.get(f"{url(company)}?job=../../etc").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_page_follows_the_job_and_shows_the_report(
    company: Company, alice: User, ledgers: dict[str, Ledger]
) -> None:
    page = browser(alice)
    response = page.post(url(company), {"files": [xml("daybook.xml", voucher(*SALE), UNBALANCED)]})
    assert response.status_code == 302
    job = response["Location"].split("job=")[1]
    finished(page, company, job)
    region = page.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert region.lstrip().startswith('<div id="tally-import-progress"')
    assert "hx-trigger" not in region  # done: the polling stops
    assert 'data-counter="created">1<' in region and 'data-counter="errors">1<' in region
    assert "Refused Sales No. 2 of 26-Nov-2026: unbalanced voucher" in region
    whole = page.get(response["Location"]).content.decode()
    assert "Import of Data" in whole and 'id="tally-import-counters"' in whole
    listed = page.get(url(company)).content.decode()
    assert f'data-job="{job}"' in listed and "daybook.xml" in listed
    assert "Imported: 1 created, 0 altered, 0 deleted, 0 ignored, 1 errors" in listed


@pytest.mark.django_db(transaction=True)
def test_a_file_that_is_not_well_formed_fails_the_job_saying_so(
    company: Company, alice: User, ledgers: dict[str, Ledger], folder: Any
) -> None:
    broken = SimpleUploadedFile("cut.xml", envelope(voucher(*SALE))[:-40])
    api = client_for(alice)
    response = api.post(url(company), {"files": [broken]}, headers={"Accept": "application/json"})
    state = finished(api, company, response.json()["job"])
    assert state["state"] == "failed"
    assert state["message"].startswith("Not well-formed XML")
    assert list((folder / "uploads").iterdir()) == []
