"""The Verify Company Data page and the Exceptions list: the owner's and staff's. Verify runs as
a job the page follows with the backups' progress bar (one at a time per company), then shows
the findings grouped by check with their object linked; scripts start it (202) and poll it."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from backups import views_verify
from backups.repair import books_repair
from backups.verify import books_verify
from companies.models import Membership
from tests.backups.conftest import entry_amount_set
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)  # the verify runs in a thread of its own
JSON = {"Accept": "application/json"}
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def folder(settings: Any, tmp_path: Any) -> Any:
    settings.VAR_DIR = tmp_path
    return tmp_path / "backups"


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(sharma: dict[str, Any], page: str) -> str:
    return f"/c/{sharma['company'].pk}/backups/{page}/"


def finished(client: Client, sharma: dict[str, Any]) -> dict[str, Any]:
    """The newest verify's state once it is no longer running."""
    deadline = time.monotonic() + 60
    while (job := client.get(url(sharma, "verify"), headers=JSON).json()["job"])["state"] == (
        "running"
    ):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


def verified(user: User, sharma: dict[str, Any]) -> Any:
    """Verify now, as the page does: the POST, the job followed to its end, the page."""
    page = browser(user)
    started = page.post(url(sharma, "verify"))
    assert started.status_code == 302 and started["Location"] == url(sharma, "verify")
    assert finished(page, sharma)["state"] == "done"
    return page.get(url(sharma, "verify"))


@pytest.fixture
def held(monkeypatch: Any) -> Any:
    """The verify's work held at its first check until `release` is set."""
    release, started = threading.Event(), threading.Event()

    def slow(*, company: Any, database: bool, progress: Any) -> Any:
        progress(0, 11, "check 1 of 11: V01 Voucher totals do not match (Σ Dr = Σ Cr)")
        started.set()
        assert release.wait(60)
        return books_verify(company=company, database=database, progress=progress)

    monkeypatch.setattr(views_verify, "books_verify", slow)
    yield release, started
    release.set()


def test_before_any_verify_the_page_offers_one(sharma: dict[str, Any], alice: User) -> None:
    page = browser(alice).get(url(sharma, "verify")).content.decode()
    assert "The books have not been verified today." in page
    assert 'id="verify-now"' in page and "Verify now" in page
    assert 'id="verify"' not in page and 'id="backup-progress"' not in page


def test_clean_books_show_every_check_ok(sharma: dict[str, Any], alice: User) -> None:
    response = verified(alice, sharma)
    assert response.status_code == 200
    page = response.content.decode()
    assert "No findings: the books are sound." in page and "Verified 0\xa0minutes ago." in page
    every = ("V01", "V02", "V07", "V08", "M01", "M02", "B01", "B03", "B05", "B06", "A01")
    for check_id in every:
        assert f'id="check-{check_id}"' in page
    assert 'id="check-D01"' not in page  # the database file's: verify_books runs it
    assert page.count("— OK") == 11
    assert "Verify again" in page


def test_a_finding_shows_under_its_check_with_its_object_linked(
    sharma: dict[str, Any], alice: User
) -> None:
    voucher = sharma["first"]
    entry_amount_set(voucher.entries.get(position=0), Decimal("100500.00"))
    response = verified(alice, sharma)
    group = response.context["groups"][0]
    assert group.check.id == "V01"
    (row,) = group.rows
    assert row.url == f"/c/{sharma['company'].pk}/vouchers/{voucher.pk}/"
    page = response.content.decode()
    assert f'<a href="{row.url}">voucher:{voucher.pk}</a>' in page
    assert "Voucher totals do not match: Dr 1,00,500.00, Cr 1,00,000.00" in page
    assert "1 finding, errors among them" in page


def test_the_page_follows_a_running_verify_with_the_backups_progress_bar(
    sharma: dict[str, Any], alice: User, held: Any
) -> None:
    release, started = held
    page = browser(alice)
    page.post(url(sharma, "verify"))
    assert started.wait(60)
    shown = page.get(url(sharma, "verify")).content.decode()
    job = page.get(url(sharma, "verify"), headers=JSON).json()["job"]
    poll = f"{url(sharma, 'progress')}?job={job['id']}"
    assert 'id="backup-progress" class="job" data-state="running"' in shown
    assert f'hx-get="{poll}"' in shown and 'hx-trigger="every 1s"' in shown
    assert "Verifying — check 1 of 11: V01 Voucher totals do not match" in shown
    assert 'id="verify-now"' not in shown  # no second start offered while it runs
    region = page.get(poll, headers=HTMX)
    assert "Verifying — check 1 of 11" in region.content.decode() and "<h1>" not in (
        region.content.decode()
    )
    release.set()
    assert finished(page, sharma)["state"] == "done"
    done = page.get(poll, headers=HTMX)
    assert done["HX-Redirect"] == url(sharma, "verify")
    assert "Verified: no findings." in page.get(url(sharma, "verify")).content.decode()


def test_a_second_verify_while_one_runs_joins_it(
    sharma: dict[str, Any], alice: User, bob: User, held: Any, folder: Any
) -> None:
    release, started = held
    bob.is_staff = True
    bob.save()
    first = client_for(alice).post(url(sharma, "verify"), content_type="application/json")
    assert started.wait(60)
    second = client_for(bob).post(url(sharma, "verify"), content_type="application/json")
    assert first.status_code == second.status_code == 202
    assert first.json()["job"]["id"] == second.json()["job"]["id"]
    assert second.json()["job"]["state"] == "running"
    assert len(list((folder / ".jobs").glob("*.json"))) == 1
    release.set()
    assert finished(browser(alice), sharma)["state"] == "done"
    third = client_for(alice).post(url(sharma, "verify"), content_type="application/json")
    assert third.json()["job"]["id"] != first.json()["job"]["id"]  # that one is over


def test_scripts_start_a_verify_and_poll_it_for_the_findings(
    sharma: dict[str, Any], alice: User
) -> None:
    voucher = sharma["first"]
    entry_amount_set(voucher.entries.get(position=0), Decimal("100500.00"))
    api = client_for(alice)
    assert api.get(url(sharma, "verify")).json() == {"job": None}
    started = api.post(url(sharma, "verify"), content_type="application/json")
    assert started.status_code == 202
    poll = started.json()["url"]
    assert started["Location"] == poll and poll.startswith(url(sharma, "progress") + "?job=")
    deadline = time.monotonic() + 60
    while (job := api.get(poll).json())["state"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert job["state"] == "done" and job["result"]["findings"] == [
        {
            "check": "V01",
            "severity": "error",
            "object": f"voucher:{voucher.pk}",
            "message": "Voucher totals do not match: Dr 1,00,500.00, Cr 1,00,000.00 "
            "(difference 500.00 Dr)",
        }
    ]
    assert api.get(url(sharma, "verify")).json()["job"]["id"] == job["id"]


def test_a_verify_that_fails_says_why_and_offers_another(
    sharma: dict[str, Any], alice: User, monkeypatch: Any
) -> None:
    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(views_verify, "books_verify", broken)
    page = browser(alice)
    page.post(url(sharma, "verify"))
    assert finished(page, sharma)["state"] == "failed"
    shown = page.get(url(sharma, "verify")).content.decode()
    assert "The last verify was not done: RuntimeError: the disk went away" in shown
    assert "Verify again" in shown and 'id="verify"' not in shown


def test_the_exceptions_list_shows_what_repair_moved(sharma: dict[str, Any], alice: User) -> None:
    voucher = sharma["first"]
    entry_amount_set(voucher.entries.get(position=0), Decimal("100500.00"))
    empty = browser(alice).get(url(sharma, "exceptions")).content.decode()
    assert "No exceptions: nothing has been moved out of the books." in empty
    books_repair(company=sharma["company"], actor=alice, backup=None)
    page = browser(alice).get(url(sharma, "exceptions")).content.decode()
    assert f"voucher:{voucher.pk}" in page and "V01" in page
    assert "&quot;amount&quot;: &quot;100500.00&quot;" in page  # its content, kept whole
    (moved,) = client_for(alice).get(url(sharma, "exceptions")).json()
    assert (moved["object"], moved["check"]) == (f"voucher:{voucher.pk}", "V01")
    assert moved["content"]["voucher"]["number"] == 1


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_accountants_and_viewers_are_refused(
    sharma: dict[str, Any], who: str, request: Any, folder: Any
) -> None:
    api = client_for(request.getfixturevalue(who))
    for response in (
        api.get(url(sharma, "verify")),
        api.post(url(sharma, "verify"), content_type="application/json"),
        api.get(url(sharma, "exceptions")),
    ):
        assert response.status_code == 403
        assert "needs owner or staff" in response.json()["detail"]
    assert not (folder / ".jobs").exists()  # nothing started


def test_staff_among_the_members_may_verify_and_follow_it(
    sharma: dict[str, Any], alice: User, bob: User
) -> None:
    bob.is_staff = True
    bob.save()
    assert browser(bob).get(url(sharma, "exceptions")).status_code == 200
    assert "No findings" in verified(bob, sharma).content.decode()
    job = browser(bob).get(url(sharma, "verify"), headers=JSON).json()["job"]
    poll = f"{url(sharma, 'progress')}?job={job['id']}"
    assert browser(bob).get(poll, headers=JSON).json()["state"] == "done"
    bob.is_staff = False
    bob.save()
    assert browser(bob).get(poll, headers=JSON).status_code == 403


@pytest.mark.parametrize("page", ["verify", "exceptions"])
def test_another_companys_owner_finds_nothing(
    sharma: dict[str, Any], dave: User, page: str
) -> None:
    dave.is_staff = True  # staff of the server, but not a member: the company is not there
    dave.save()
    assert not Membership.objects.filter(user=dave).exists()
    assert browser(dave).get(url(sharma, page)).status_code == 404


def test_only_get_and_post(sharma: dict[str, Any], alice: User) -> None:
    assert client_for(alice).put(url(sharma, "verify")).status_code == 405
    assert client_for(alice).post(url(sharma, "exceptions")).status_code == 405
