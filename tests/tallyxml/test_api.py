"""Tally's XML API (`POST /`) driven as Tally's clients drive it: legacy and new-style requests,
UTF-8 and UTF-16LE, the reports' figures, collections with FETCH, imports with their counters,
and who may call it (FORMAT.md §5, docs/security.md)."""

from __future__ import annotations

import codecs
import datetime as dt
import json
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, fromstring

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client

from books.services import company_create
from companies.auth import token_issue
from companies.models import Company
from config.models import CompanyCreation, ServerConfig
from config.selectors import config_forget
from editlog.models import Change
from ledgers.models import Ledger
from ledgers.selectors import group_list
from reports.selectors import tally_order, trial_balance_get, trial_balance_grouped
from tests.conftest import sale
from tests.tallyxml.test_importing import SALE, envelope, line, voucher
from vouchers.models import Voucher
from vouchers.services import voucher_create


def legacy(report: str, company: str = "Sharma Traders", **variables: str) -> str:
    statics = "".join(f"<{name}>{value}</{name}>" for name, value in variables.items())
    return (
        "<ENVELOPE><HEADER><TALLYREQUEST>Export Data</TALLYREQUEST></HEADER><BODY><EXPORTDATA>"
        f"<REQUESTDESC><REPORTNAME>{report}</REPORTNAME><STATICVARIABLES>"
        f"<SVCURRENTCOMPANY>{company}</SVCURRENTCOMPANY>"
        "<SVEXPORTFORMAT>$$SysName:XML</SVEXPORTFORMAT>"
        f"{statics}</STATICVARIABLES></REQUESTDESC></EXPORTDATA></BODY></ENVELOPE>"
    )


def collection(kind: str, fetch: str, company: str = "Sharma Traders") -> str:
    return (
        "<ENVELOPE><HEADER><VERSION>1</VERSION><TALLYREQUEST>Export</TALLYREQUEST>"
        "<TYPE>Collection</TYPE><ID>MyCollection</ID></HEADER><BODY><DESC><STATICVARIABLES>"
        f"<SVEXPORTFORMAT>$$SysName:XML</SVEXPORTFORMAT><SVCURRENTCOMPANY>{company}"
        "</SVCURRENTCOMPANY><SVFROMDATE>20260401</SVFROMDATE><SVTODATE>20270331</SVTODATE>"
        '</STATICVARIABLES><TDL><TDLMESSAGE><COLLECTION NAME="MyCollection" ISMODIFY="No">'
        f"<TYPE>{kind}</TYPE><FETCH>{fetch}</FETCH></COLLECTION></TDLMESSAGE></TDL></DESC>"
        "</BODY></ENVELOPE>"
    )


def post(client: Client, xml: str, encoding: str = "utf-8", bom: bool = False) -> Any:
    body = (codecs.BOM_UTF16_LE if bom else b"") + xml.encode(encoding)
    charset = "utf-16" if encoding.startswith("utf-16") else encoding
    return client.post("/", body, content_type=f"text/xml;charset={charset}")


def body_of(response: Any) -> bytes:
    """The body, whole or streamed (Day Book, Ledger Vouchers, collections)."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def parsed(response: Any, encoding: str = "utf-8") -> Element:
    content = body_of(response)
    if content.startswith(codecs.BOM_UTF16_LE):
        content = content[2:]
    return fromstring(content.decode(encoding))


@pytest.fixture
def tally(alice: User) -> Client:
    """alice's Tally client: an API token, XML both ways."""
    return Client(headers={"Authorization": f"Token {token_issue(user=alice)}"})


@pytest.fixture
def books(company: Company, alice: User, ledgers: dict[str, Ledger]) -> Company:
    """A sale of 1,00,000.00 to Sharma Enterprises and a rent payment of 15,000.00 in cash."""
    voucher_create(company=company, actor=alice, data=sale())
    rent = {
        "type": "Payment",
        "date": "2026-11-27",
        "entries": [{"ledger": "Rent", "debit": "15000"}, {"ledger": "Cash", "credit": "15000"}],
    }
    voucher_create(company=company, actor=alice, data=rent)
    return company


# -- the Trial Balance and the other reports ---------------------------------------------------


def pairs(root: Element) -> dict[str, tuple[str, str]]:
    """DSPACCNAME/DSPACCINFO pairs: name -> (debit column, credit column)."""
    children = list(root)
    rows = {}
    for name, info in zip(children[::2], children[1::2], strict=True):
        assert (name.tag, info.tag) == ("DSPACCNAME", "DSPACCINFO")
        debit, credit = (
            info.findtext("DSPCLDRAMT/DSPCLDRAMTA"),
            info.findtext("DSPCLCRAMT/DSPCLCRAMTA"),
        )
        rows[name.findtext("DSPDISPNAME")] = (debit or "", credit or "")
    return rows


def test_the_trial_balance_answers_the_selectors_figures_by_primary_group(
    tally: Client, books: Company
) -> None:
    """Primary groups in Tally's order, debits negative in DSPCLDRAMTA, credits positive in
    DSPCLCRAMTA, each the Trial Balance selector's figure to the paisa."""
    response = post(tally, legacy("Trial Balance", SVTODATE="20270331"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    rows = pairs(parsed(response))
    report = trial_balance_get(company=books, as_of=dt.date(2027, 3, 31))
    grouped, _ = trial_balance_grouped(report=report, groups=list(group_list(company=books)))
    expected = {}
    for node in sorted(grouped.groups, key=tally_order):
        total = node.total
        expected[node.group.name] = (f"{-total:.2f}", "") if total > 0 else ("", f"{-total:.2f}")
    assert rows == expected
    assert rows["Current Assets"] == ("-85000.00", "")  # the debtor less the cash paid
    assert rows["Sales Accounts"] == ("", "100000.00")
    assert rows["Indirect Expenses"] == ("-15000.00", "")
    assert list(rows) == [n.group.name for n in sorted(grouped.groups, key=tally_order)]


def test_explodeflag_lists_the_ledgers_under_their_groups(tally: Client, books: Company) -> None:
    rows = pairs(parsed(post(tally, legacy("Trial Balance", EXPLODEFLAG="Yes"))))
    names = list(rows)
    assert names.index("Sundry Debtors") < names.index("Sharma Enterprises")
    assert rows["Sharma Enterprises"] == ("-100000.00", "")
    assert rows["Rent"] == ("-15000.00", "")


def test_profit_and_loss_and_balance_sheet(tally: Client, books: Company) -> None:
    period = {"SVFROMDATE": "20260401", "SVTODATE": "20270331"}
    root = parsed(post(tally, legacy("Profit and Loss", **period)))
    lines = {
        name.findtext("DSPDISPNAME"): amount.findtext("BSMAINAMT")
        for name, amount in zip(root[::2], root[1::2], strict=True)
    }
    assert lines["Sales Accounts"] == "100000.00"
    assert lines["Indirect Expenses"] == "-15000.00"
    assert lines["Nett Profit"] == "-85000.00"  # on the debit side, as Tally shows it
    root = parsed(post(tally, legacy("Balance Sheet", SVTODATE="20270331")))
    sheet = {
        name.findtext("DSPACCNAME/DSPDISPNAME"): amount.findtext("BSMAINAMT")
        for name, amount in zip(root[::2], root[1::2], strict=True)
    }
    assert sheet["Current Assets"] == "-85000.00"
    assert sheet["Profit & Loss A/c"] == "85000.00"


def test_ledger_vouchers_and_bills_receivable(tally: Client, books: Company) -> None:
    root = parsed(post(tally, legacy("Ledger Vouchers", LEDGERNAME="Cash")))
    assert [e.text or "" for e in root] == [
        "27-Nov-2026", "Rent", "Payment", "1", "", "15000.00",
    ]  # fmt: skip
    root = parsed(post(tally, legacy("Ledger Vouchers", LEDGERNAME="Nobody")))
    assert root.findtext("LINEERROR") == "Could not find Ledger 'Nobody'"
    # A bill: the sale again, with a New Ref on a bill-wise debtor.
    Ledger.objects.filter(name="Sharma Enterprises").update(bill_wise=True)
    with_bill = sale("5000.00")
    with_bill["entries"][0]["bills"] = [{"type": "New Ref", "name": "INV-9", "amount": "5000.00"}]
    voucher_create(company=books, actor=User.objects.get(username="alice"), data=with_bill)
    root = parsed(post(tally, legacy("Bills Receivable", SVTODATE="20261231")))
    children = list(root)
    bills = {
        fixed.findtext("BILLREF"): (fixed.findtext("BILLPARTY"), closing.text, due.text)
        for fixed, closing, due in zip(children[::4], children[1::4], children[2::4], strict=True)
    }
    assert bills["INV-9"] == ("Sharma Enterprises", "-5000.00", "26-Nov-2026")


def test_an_unknown_report_or_company_is_tallys_line_error(tally: Client, books: Company) -> None:
    root = parsed(post(tally, legacy("Stock Ledger Magic")))
    assert (root.tag, root.findtext("LINEERROR")) == (
        "RESPONSE",
        "Could not find Report 'Stock Ledger Magic'!",
    )
    root = parsed(post(tally, legacy("Trial Balance", company="Gupta &amp; Sons")))
    assert root.findtext("LINEERROR") == "Could not find Company 'Gupta & Sons'"


def test_without_a_company_named_the_callers_only_company_answers(
    tally: Client, books: Company
) -> None:
    xml = legacy("Trial Balance").replace("<SVCURRENTCOMPANY>Sharma Traders</SVCURRENTCOMPANY>", "")
    assert "Current Assets" in pairs(parsed(post(tally, xml)))


def test_the_day_book_answers_the_vouchers_in_the_import_data_envelope(
    tally: Client, books: Company
) -> None:
    """The objects as the export writes them: a client can post the answer back (nothing
    changes: the same GUIDs)."""
    period = {"SVFROMDATE": "20261101", "SVTODATE": "20261130"}
    response = post(tally, legacy("Day Book", **period))
    assert response.streaming  # written as it is read
    answered = body_of(response)
    root = fromstring(answered)
    assert root.findtext("HEADER/TALLYREQUEST") == "Import Data"
    vouchers = root.findall("BODY/IMPORTDATA/REQUESTDATA/TALLYMESSAGE/VOUCHER")
    assert [(v.get("VCHTYPE"), v.findtext("DATE")) for v in vouchers] == [
        ("Sales", "20261126"),
        ("Payment", "20261127"),
    ]
    lines = vouchers[0].findall("ALLLEDGERENTRIES.LIST")
    assert [(ln.findtext("LEDGERNAME"), ln.findtext("AMOUNT")) for ln in lines] == [
        ("Sharma Enterprises", "-100000.00"),
        ("Sales", "100000.00"),
    ]
    again = parsed(post(tally, answered.decode()))
    assert (again.findtext("CREATED"), again.findtext("IGNORED")) == ("0", "2")
    register = parsed(post(tally, legacy("Voucher Register", VOUCHERTYPENAME="Payment")))
    assert [v.get("VCHTYPE") for v in register.iter("VOUCHER")] == ["Payment"]
    november = parsed(post(tally, legacy("Day Book", SVFROMDATE="20261127", SVTODATE="20261127")))
    assert len(november.findall(".//VOUCHER")) == 1


def test_the_list_of_accounts_by_account_type(tally: Client, books: Company) -> None:
    root = parsed(post(tally, legacy("List of Accounts", ACCOUNTTYPE="Ledgers")))
    ledgers = {e.get("NAME"): e for e in root.iter("LEDGER")}
    assert ledgers["Sharma Enterprises"].findtext("PARENT") == "Sundry Debtors"
    assert not list(root.iter("GROUP"))
    root = parsed(post(tally, legacy("List of Accounts", ACCOUNTTYPE="Groups")))
    groups = {e.get("NAME"): e for e in root.iter("GROUP")}
    assert groups["Sundry Debtors"].get("RESERVEDNAME") == "Sundry Debtors"
    assert groups["Sundry Debtors"].findtext("PARENT") == "Current Assets"
    root = parsed(post(tally, legacy("List of Accounts", ACCOUNTTYPE="Voucher Types")))
    assert "Sales" in {e.get("NAME") for e in root.iter("VOUCHERTYPE")}
    root = parsed(post(tally, legacy("List of Accounts")))
    assert {"GROUP", "LEDGER", "VOUCHERTYPE"} <= {e[0].tag for e in root.iter("TALLYMESSAGE")}


# -- encodings -------------------------------------------------------------------------------


def test_utf16le_with_a_bom_is_answered_in_utf16le_with_a_bom(
    tally: Client, books: Company
) -> None:
    response = post(tally, legacy("Trial Balance"), "utf-16-le", bom=True)
    assert response["Content-Type"] == "text/xml; charset=utf-16"
    assert body_of(response).startswith(codecs.BOM_UTF16_LE)
    assert pairs(parsed(response, "utf-16-le"))["Current Assets"] == ("-85000.00", "")


def test_utf16le_without_a_bom_as_node_clients_send_it(tally: Client, books: Company) -> None:
    """tally-database-loader: `charset=utf-16`, UTF-16LE, no mark; it reads the answer as
    UTF-16LE."""
    response = post(tally, legacy("Trial Balance"), "utf-16-le")
    assert not body_of(response).startswith(codecs.BOM_UTF16_LE)
    assert pairs(parsed(response, "utf-16-le"))["Current Assets"] == ("-85000.00", "")


# -- collections -----------------------------------------------------------------------------


def test_a_ledger_collection_honours_fetch_with_typed_leaves(tally: Client, books: Company) -> None:
    root = parsed(post(tally, collection("Ledger", "Name, Parent, OpeningBalance, ClosingBalance")))
    assert (root.findtext("HEADER/VERSION"), root.findtext("HEADER/STATUS")) == ("1", "1")
    party = root.find("BODY/DATA/COLLECTION/LEDGER[@NAME='Sharma Enterprises']")
    assert [(leaf.tag, leaf.get("TYPE"), leaf.text or "") for leaf in party] == [
        ("NAME", "String", "Sharma Enterprises"),
        ("PARENT", "String", "Sundry Debtors"),
        ("OPENINGBALANCE", "Amount", ""),
        ("CLOSINGBALANCE", "Amount", "-100000.00"),
    ]


def test_group_and_voucher_collections(tally: Client, books: Company) -> None:
    root = parsed(post(tally, collection("Group", "Name, Parent, ClosingBalance")))
    debtors = root.find("BODY/DATA/COLLECTION/GROUP[@NAME='Sundry Debtors']")
    assert debtors.findtext("PARENT") == "Current Assets"
    assert debtors.findtext("CLOSINGBALANCE") == "-100000.00"
    fetch = "Date, VoucherTypeName, VoucherNumber, AllLedgerEntries"
    root = parsed(post(tally, collection("Voucher", fetch)))
    vouchers = root.findall("BODY/DATA/COLLECTION/VOUCHER")
    assert [v.findtext("VOUCHERTYPENAME") for v in vouchers] == ["Sales", "Payment"]
    assert vouchers[0].findtext("DATE") == "20261126"
    lines = vouchers[0].findall("ALLLEDGERENTRIES.LIST")
    assert [(ln.findtext("LEDGERNAME"), ln.findtext("AMOUNT")) for ln in lines] == [
        ("Sharma Enterprises", "-100000.00"),
        ("Sales", "100000.00"),
    ]
    assert vouchers[0].find("NARRATION") is None  # not fetched


def test_a_voucher_collections_queries_do_not_grow_with_its_vouchers(
    tally: Client, books: Company, django_assert_max_num_queries: Any
) -> None:
    alice = User.objects.get(username="alice")
    for _ in range(30):
        voucher_create(company=books, actor=alice, data=sale("10.00"))
    with django_assert_max_num_queries(20):
        root = parsed(post(tally, collection("Voucher", "Date, Amount, AllLedgerEntries")))
    assert len(root.findall("BODY/DATA/COLLECTION/VOUCHER")) == 32


def test_a_new_style_data_export_answers_in_the_new_envelope(tally: Client, books: Company) -> None:
    xml = (
        "<ENVELOPE><HEADER><VERSION>1</VERSION><TALLYREQUEST>Export</TALLYREQUEST><TYPE>Data"
        "</TYPE><ID>Trial Balance</ID></HEADER><BODY><DESC><STATICVARIABLES><SVCURRENTCOMPANY>"
        "Sharma Traders</SVCURRENTCOMPANY></STATICVARIABLES></DESC></BODY></ENVELOPE>"
    )
    root = parsed(post(tally, xml))
    assert root.findtext("HEADER/STATUS") == "1"
    assert pairs(root.find("BODY/DATA"))["Current Assets"] == ("-85000.00", "")


def test_a_new_style_day_book_puts_tallymessages_under_data(tally: Client, books: Company) -> None:
    xml = (
        "<ENVELOPE><HEADER><VERSION>1</VERSION><TALLYREQUEST>Export</TALLYREQUEST><TYPE>Data"
        "</TYPE><ID>Day Book</ID></HEADER><BODY><DESC><STATICVARIABLES><SVFROMDATE>20261101"
        "</SVFROMDATE><SVTODATE>20261130</SVTODATE></STATICVARIABLES></DESC></BODY></ENVELOPE>"
    )
    root = parsed(post(tally, xml))
    assert len(root.findall("BODY/DATA/TALLYMESSAGE/VOUCHER")) == 2


# -- imports ---------------------------------------------------------------------------------


def test_a_legacy_import_answers_tallys_counters_and_a_line_error_per_refusal(
    tally: Client, company: Company, ledgers: dict[str, Ledger]
) -> None:
    unbalanced = voucher(line("Sharma Enterprises", "-10.00"), line("Sales", "9.00"), guid="g-2")
    xml = envelope(voucher(*SALE), unbalanced).decode()
    root = parsed(post(tally, xml))
    assert root.tag == "RESPONSE"
    assert (root.findtext("CREATED"), root.findtext("ERRORS")) == ("1", "1")
    assert root.findtext("LASTVCHID") == str(Voucher.objects.get(company=company).pk)
    assert "unbalanced voucher" in root.findtext("LINEERROR")
    assert Ledger.objects.get(pk=ledgers["sales"].pk).closing_balance == Decimal("-1180.00")
    posted = Voucher.objects.get(company=company)
    change = Change.objects.get(company=company, object_type="voucher", object_id=posted.pk)
    assert (change.verb, change.actor_name) == ("create", "alice")  # an ordinary save
    again = parsed(post(tally, xml))
    assert (again.findtext("CREATED"), again.findtext("IGNORED")) == ("0", "1")


def test_a_new_style_import_answers_in_importresult(
    tally: Client, company: Company, ledgers: dict[str, Ledger]
) -> None:
    xml = (
        "<ENVELOPE><HEADER><VERSION>1</VERSION><TALLYREQUEST>Import</TALLYREQUEST><TYPE>Data"
        "</TYPE><ID>Vouchers</ID></HEADER><BODY><DESC><STATICVARIABLES><SVCURRENTCOMPANY>"
        "Sharma Traders</SVCURRENTCOMPANY></STATICVARIABLES></DESC><DATA>"
        f'<TALLYMESSAGE xmlns:UDF="TallyUDF">{voucher(*SALE)}</TALLYMESSAGE>'
        "</DATA></BODY></ENVELOPE>"
    )
    root = parsed(post(tally, xml, "utf-16-le", bom=True), "utf-16-le")
    assert root.findtext("BODY/DATA/IMPORTRESULT/CREATED") == "1"
    assert Voucher.objects.filter(company=company).count() == 1


def test_a_viewer_cannot_import(charlie: User, company: Company, ledgers: Any) -> None:
    viewer = Client(headers={"Authorization": f"Token {token_issue(user=charlie)}"})
    root = parsed(post(viewer, envelope(voucher(*SALE)).decode()))
    assert root.findtext("LINEERROR") == (
        "You are viewer in Sharma Traders; this needs owner or accountant."
    )
    assert not Voucher.objects.filter(company=company).exists()


SAMPLES = Path(__file__).parent / "samples"


def test_the_shared_sample_posted_through_the_api_gives_tallys_closings(
    alice: User, company_creation_open: None
) -> None:
    """xan845's masters and Day Book, each file's bytes as the body (Tally's Import Data
    envelope): the exploded Trial Balance's ledger rows are expected_trial_balances.json's."""
    company_create(
        actor=alice,
        name="Sample 0004",
        financial_year_start=dt.date(2022, 4, 1),
        books_beginning=dt.date(2022, 4, 1),
    )
    client = Client(headers={"Authorization": f"Token {token_issue(user=alice)}"})
    for name in ("xan845_masters.xml", "xan845_vouchers.xml"):
        body = codecs.BOM_UTF16_LE + (SAMPLES / name).read_text().encode("utf-16-le")
        answer = parsed(client.post("/", body, content_type="text/xml;charset=utf-16"), "utf-16-le")
        assert answer.findtext("ERRORS") == "0", answer.findtext("LINEERROR")
    expected = json.loads((SAMPLES / "expected_trial_balances.json").read_text())
    closing = expected["xan845 masters+vouchers"]["closing"]
    xml = legacy("Trial Balance", "Sample 0004", SVTODATE="20230331", EXPLODEFLAG="Yes")
    rows = pairs(parsed(client.post("/", xml, content_type="text/xml")))
    assert {name: rows[name][0] or rows[name][1] for name in closing} == {
        name: f"{Decimal(amount):.2f}" for name, amount in closing.items()
    }
    # Openings short on the debit side by 4,55,261.00: the difference makes up the debits.
    assert rows["Difference in opening balances"] == ("-455261.00", "")


# -- who may call it -------------------------------------------------------------------------


def test_no_credentials_is_401_with_a_line_error(company: Company) -> None:
    response = post(Client(), legacy("Trial Balance"))
    assert response.status_code == 401
    assert "API token" in parsed(response).findtext("LINEERROR")


def test_a_bad_token_is_401_in_the_requests_encoding(company: Company) -> None:
    client = Client(headers={"Authorization": "Token not-a-token"})
    response = post(client, legacy("Trial Balance"), "utf-16-le", bom=True)
    assert response.status_code == 401
    assert parsed(response, "utf-16-le").findtext("LINEERROR") == "This API token is not valid."


def test_a_session_alone_does_not_authorise(alice: User, company: Company) -> None:
    """Without the CSRF token, Django's CSRF refusal; with it, still 401: a page's session
    never posts to Tally's API."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    response = post(browser, envelope(voucher(*SALE)).decode())
    assert response.status_code == 403
    assert b"CSRF" in response.content
    page = browser.get("/")
    token = page.context["csrf_token"]
    response = browser.post(
        "/", legacy("Trial Balance"), content_type="text/xml", headers={"X-CSRFToken": str(token)}
    )
    assert response.status_code == 401
    form = browser.post("/", {"csrfmiddlewaretoken": str(token), "xml": legacy("Trial Balance")})
    assert form.status_code == 401


def test_a_body_over_the_limit_is_413_before_it_is_parsed(
    tally: Client, company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tallyxml.views_api.MAX_BODY", 100)
    response = post(tally, legacy("Trial Balance"))
    assert response.status_code == 413
    assert "import_tally" in parsed(response).findtext("LINEERROR")


def test_a_caller_without_a_token_is_refused_before_its_body_is_read(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 401 costs the server the body's first four bytes, however large the body says it
    is; an over-long Content-Length is 413 before any more is read."""
    from django.core.handlers.wsgi import LimitedStream

    taken: list[int] = []
    read = LimitedStream.read

    def counted(self: Any, size: int = -1) -> bytes:
        data = read(self, size)
        taken.append(len(data))
        return data

    monkeypatch.setattr(LimitedStream, "read", counted)
    response = post(Client(), legacy("Trial Balance") + " " * 50_000)
    assert response.status_code == 401
    assert sum(taken) == 4


def test_a_charset_that_is_not_a_text_encoding_is_read_as_utf8(tally: Client, books: Company):
    """Python's codecs include hex, base64 and zlib: a request naming one is read, and
    answered, in UTF-8 rather than failing."""
    response = tally.post(
        "/", legacy("Trial Balance").encode(), content_type="text/xml;charset=hex"
    )
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert "Current Assets" in pairs(parsed(response))


def test_a_request_declaring_a_dtd_is_tallys_line_error(tally: Client, books: Company):
    xml = '<!DOCTYPE x [<!ENTITY a "aaaa">]>' + legacy("Trial Balance")
    response = post(tally, xml)
    assert response.status_code == 200
    assert "DTD" in parsed(response).findtext("LINEERROR")


def test_an_import_larger_than_djangos_upload_limit(
    tally: Client, company: Company, ledgers: dict[str, Ledger], settings: Any
) -> None:
    """DATA_UPLOAD_MAX_MEMORY_SIZE does not cap the XML API (it reads the body itself)."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    sales = [voucher(*SALE, guid=f"g-{n}", number=str(n)) for n in range(20)]
    root = parsed(post(tally, envelope(*sales).decode()))
    assert root.findtext("CREATED") == "20"


@pytest.fixture
def allow_list(alice: User) -> Any:
    ServerConfig.objects.update_or_create(
        pk=1, defaults={"xml_api_networks": "127.0.0.0/8\n10.1.2.3", "xml_api_user": alice}
    )
    config_forget()
    yield
    config_forget()


def test_the_allow_list_admits_a_tool_without_headers(allow_list: None, books: Company) -> None:
    client = Client(REMOTE_ADDR="10.1.2.3")
    assert "Current Assets" in pairs(parsed(post(client, legacy("Trial Balance"))))
    stranger = Client(REMOTE_ADDR="10.1.2.4")
    assert post(stranger, legacy("Trial Balance")).status_code == 401


def test_the_allow_list_refuses_what_a_browser_sends(allow_list: None, books: Company) -> None:
    """A page elsewhere making a browser on an allowed computer post: its Origin (or its
    cookies) give it away."""
    client = Client(REMOTE_ADDR="10.1.2.3", headers={"Origin": "https://evil.example"})
    assert post(client, legacy("Trial Balance")).status_code == 401


def test_the_allow_list_names_what_is_not_an_address(alice: User) -> None:
    config = ServerConfig(pk=1, xml_api_networks="192.168.1.0/24\n10.0.0.300, tally-pc")
    with pytest.raises(ValidationError) as refused:
        config.full_clean()
    assert refused.value.message_dict["xml_api_networks"] == [
        "Not an address or a network: 10.0.0.300, tally-pc. Write one per line, e.g. "
        "192.168.1.20 or 192.168.1.0/24."
    ]
    listed = ServerConfig(xml_api_networks="192.168.1.0/24", xml_api_user=alice)
    assert listed.xml_api_allows("192.168.1.77") and not listed.xml_api_allows("192.168.2.1")
    # A dual-stack server sees an IPv4 client as ::ffff:a.b.c.d: the same computer.
    assert listed.xml_api_allows("::ffff:192.168.1.77")
    assert not listed.xml_api_allows("::ffff:192.168.2.1")
    assert not ServerConfig(xml_api_networks="192.168.1.0/24").xml_api_allows("192.168.1.77")


def test_the_allow_list_is_off_by_default(books: Company) -> None:
    assert ServerConfig().xml_api_allows("127.0.0.1") is False
    assert post(Client(), legacy("Trial Balance")).status_code == 401


# -- over a real socket, as a Tally client ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_over_http_as_tally_database_loader_sends_it(live_server: Any, alice: User) -> None:
    """Real HTTP POSTs to the server's root as Node clients send them: UTF-16LE without a mark,
    `text/xml;charset=utf-16`, a token; a sale imported, then the Trial Balance read."""
    ServerConfig.objects.update_or_create(
        pk=1, defaults={"company_creation": CompanyCreation.EVERYONE}
    )
    config_forget()
    company_create(actor=alice, name="Sharma Traders", financial_year_start=dt.date(2026, 4, 1))
    token = token_issue(user=alice)

    def send(xml: str, headers: dict[str, str]) -> tuple[str, Element]:
        request = urllib.request.Request(
            live_server.url + "/", data=xml.encode("utf-16-le"), headers=headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.headers["Content-Type"], fromstring(response.read().decode("utf-16-le"))

    headers = {"Content-Type": "text/xml;charset=utf-16", "Authorization": f"Token {token}"}
    party = '<LEDGER NAME="Sharma Enterprises"><PARENT>Sundry Debtors</PARENT></LEDGER>'
    _, counted = send(envelope(party, voucher(*SALE)).decode(), headers)
    assert counted.findtext("CREATED") == "3"  # the party, the sale and the Sales ledger
    content_type, answer = send(legacy("Trial Balance"), headers)
    assert content_type == "text/xml; charset=utf-16"
    assert pairs(answer) == {"Current Assets": ("-1180.00", ""), "Sales Accounts": ("", "1180.00")}
    with pytest.raises(urllib.error.HTTPError) as refused:
        send(legacy("Trial Balance"), {"Content-Type": "text/xml;charset=utf-16"})
    assert refused.value.code == 401
    assert fromstring(refused.value.read().decode("utf-16-le")).findtext("LINEERROR")
