"""The Verify Company Data page and the Exceptions list: the owner's and staff's, findings
grouped by check with their object linked, and JSON for scripts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from backups.repair import books_repair
from companies.models import Membership
from tests.backups.conftest import entry_amount_set
from tests.conftest import client_for


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(sharma: dict[str, Any], page: str) -> str:
    return f"/c/{sharma['company'].pk}/backups/{page}/"


def test_clean_books_show_every_check_ok(sharma: dict[str, Any], alice: User) -> None:
    response = browser(alice).get(url(sharma, "verify"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "No findings: the books are sound." in page
    every = ("V01", "V02", "V07", "V08", "M01", "M02", "B01", "B03", "B05", "B06", "A01")
    for check_id in every:
        assert f'id="check-{check_id}"' in page
    assert 'id="check-D01"' not in page  # the database file's: verify_books runs it
    assert page.count("— OK") == 11


def test_a_finding_shows_under_its_check_with_its_object_linked(
    sharma: dict[str, Any], alice: User
) -> None:
    voucher = sharma["first"]
    entry_amount_set(voucher.entries.get(position=0), Decimal("100500.00"))
    response = browser(alice).get(url(sharma, "verify"))
    group = response.context["groups"][0]
    assert group.check.id == "V01"
    (row,) = group.rows
    assert row.url == f"/c/{sharma['company'].pk}/vouchers/{voucher.pk}/"
    page = response.content.decode()
    assert f'<a href="{row.url}">voucher:{voucher.pk}</a>' in page
    assert "Voucher totals do not match: Dr 1,00,500.00, Cr 1,00,000.00" in page
    assert "1 finding, errors among them" in page


def test_scripts_get_the_findings_as_json(sharma: dict[str, Any], alice: User) -> None:
    voucher = sharma["first"]
    entry_amount_set(voucher.entries.get(position=0), Decimal("100500.00"))
    response = client_for(alice).get(url(sharma, "verify"))
    assert response.json() == [
        {
            "check": "V01",
            "severity": "error",
            "object": f"voucher:{voucher.pk}",
            "message": "Voucher totals do not match: Dr 1,00,500.00, Cr 1,00,000.00 "
            "(difference 500.00 Dr)",
        }
    ]


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


@pytest.mark.parametrize("page", ["verify", "exceptions"])
@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_accountants_and_viewers_are_refused(
    sharma: dict[str, Any], page: str, who: str, request: Any
) -> None:
    response = client_for(request.getfixturevalue(who)).get(url(sharma, page))
    assert response.status_code == 403
    assert "needs owner or staff" in response.json()["detail"]


@pytest.mark.parametrize("page", ["verify", "exceptions"])
def test_staff_among_the_members_may_verify(sharma: dict[str, Any], bob: User, page: str) -> None:
    bob.is_staff = True
    bob.save()
    assert browser(bob).get(url(sharma, page)).status_code == 200


@pytest.mark.parametrize("page", ["verify", "exceptions"])
def test_another_companys_owner_finds_nothing(
    sharma: dict[str, Any], dave: User, page: str
) -> None:
    dave.is_staff = True  # staff of the server, but not a member: the company is not there
    dave.save()
    assert not Membership.objects.filter(user=dave).exists()
    assert browser(dave).get(url(sharma, page)).status_code == 404


def test_only_get(sharma: dict[str, Any], alice: User) -> None:
    assert client_for(alice).post(url(sharma, "verify")).status_code == 405
