"""The Export page: the current financial year and UTF-16 unless chosen, the file named
`<company>-<from>-<to>.xml`, every member's to take, a bad date refused beside its field."""

from __future__ import annotations

import codecs
import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from companies.models import Company
from tests.conftest import client_for
from vouchers.models import Voucher


def url(company: Company, query: str = "") -> str:
    return f"/c/{company.pk}/tally/export/{query}"


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_the_page_offers_the_current_financial_year_and_utf16(company: Company, alice: User):
    page = browser(alice).get(url(company)).content.decode()
    year = company.financial_year_begins(timezone.localdate())
    assert f'value="{year:%d-%b-%Y}"' in page
    assert 'value="utf-16" checked' in page
    assert 'id="tally-export-link"' in page


def test_the_file_is_named_for_the_company_and_the_current_year_by_default(
    company: Company, alice: User
) -> None:
    response = browser(alice).get(url(company, "?download=1"))
    year = company.financial_year_begins(timezone.localdate())
    end = year.replace(year=year.year + 1) - dt.timedelta(days=1)
    name = f"Sharma Traders-{year:%Y%m%d}-{end:%Y%m%d}.xml"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert client_for(alice).get(url(company)).json() == {
        "from": f"{year:%Y-%m-%d}", "to": f"{end:%Y-%m-%d}", "encoding": "utf-16",
    }  # fmt: skip


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_every_member_downloads_the_books_as_utf16_tally_xml(
    company: Company, voucher: Voucher, who: str, request: Any
) -> None:
    client = browser(request.getfixturevalue(who))
    response = client.get(url(company, "?download=1&from=1-4-2026&to=31-3-2027"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-16"
    data = body(response)
    assert data.startswith(codecs.BOM_UTF16_LE)
    text = data[2:].decode("utf-16-le")
    assert "<ENVELOPE>" in text and "<VOUCHER " in text and "Sharma Enterprises" in text


def test_a_period_and_utf8_as_chosen(company: Company, alice: User, voucher: Voucher) -> None:
    response = client_for(alice).get(
        url(company, "?download=1&from=1-4-2026&to=25-11-2026&encoding=UTF-8")
    )
    assert 'filename="Sharma Traders-20260401-20261125.xml"' in response["Content-Disposition"]
    text = body(response).decode("utf-8")
    assert "<ENVELOPE>" in text and "<VOUCHER " not in text  # the sale is of 26-Nov-2026


def test_a_bad_date_or_encoding_is_refused_beside_its_field(company: Company, alice: User):
    api = client_for(alice)
    refused = api.get(url(company, "?download=1&from=31-2-2026&encoding=latin-1"))
    assert refused.status_code == 400
    errors = refused.json()["errors"]
    assert set(errors) == {"from", "encoding"} and errors["encoding"] == ["Choose UTF-16 or UTF-8."]
    backwards = api.get(url(company, "?download=1&from=1-5-2026&to=1-4-2026"))
    assert backwards.json()["errors"] == {"to": ["The period ends before it begins."]}
    page = browser(alice).get(url(company, "?download=1&to=tomorrow-ish"))
    assert page.status_code == 422
    assert 'value="tomorrow-ish"' in page.content.decode()
    assert "field-error" in page.content.decode()
