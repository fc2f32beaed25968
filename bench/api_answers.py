"""The JSON API's answers to the README's examples, as one JSON document on stdout: run it in
two checkouts and compare the outputs to show a refactor answers byte-for-byte as before.

    .venv/bin/python bench/api_answers.py > /tmp/after.json
    (cd ../old-checkout && .venv/bin/python bench/api_answers.py) > /tmp/before.json
    cmp /tmp/before.json /tmp/after.json

It migrates a fresh SQLite file in a temp folder, creates a user, signs in for a token and
drives the API with Django's test client (no server): companies, ledgers, groups, vouchers
(create, read, alter, cancel, delete), the Day Book, the Trial Balance and the Edit Log, and
refusals (400 per field, 403, 404, 409, 422); then Tally's XML API (`POST /`: the Trial
Balance in UTF-8 and UTF-16, a ledger collection, the Day Book, an import and refusals). Each
answer is kept as its status and its body's text. Values that depend on the clock or on
secrets (times, hashes, tokens) are replaced by their key's name (a time of day in a message by
HH:MM, a voucher's Tally GUID by GUID), so equal output means equal answers.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VOLATILE = re.compile(
    r'"(at|hash|prev_hash|since|heartbeat_at|altered_at|created_at|last_used_at|token)": '
    r'("[^"]*"|null)'
)

CLOCK = re.compile(r" [0-2][0-9]:[0-5][0-9]\b")
# A voucher's GUID written for Tally holds the company's random chain id.
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-[0-9a-f]{8}")


def _setup() -> None:
    folder = tempfile.mkdtemp(prefix="api-answers-")
    os.environ.update(
        TALLYSYNC_VAR_DIR=folder,
        DATABASE_URL=f"sqlite:///{folder}/db.sqlite3",
        SECRET_KEY="api-answers",
        TALLYSYNC_EDITLOG_KEY="api-answers-editlog",
        ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="tallysync.settings",
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _answers() -> list[dict[str, Any]]:
    from django.contrib.auth.models import User
    from django.test import Client

    User.objects.create_user("ravi", password="Ledger-2026-x", is_staff=True)  # creates companies
    User.objects.create_user("meena", password="Ledger-2026-y")
    anonymous = Client()
    token = anonymous.post(
        "/auth/token/", {"username": "ravi", "password": "Ledger-2026-x"}, "application/json"
    ).json()["token"]
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    out: list[dict[str, Any]] = []

    def call(method: str, url: str, body: Any = None, key: str = "", client: Any = None) -> Any:
        kwargs = {"content_type": "application/json"} if body is not None else {}
        headers = {"Idempotency-Key": key} if key else {}
        response = getattr(client or api, method)(url, body, **kwargs, headers=headers)
        text = VOLATILE.sub(lambda m: f'"{m[1]}": "{m[1]}"', response.content.decode())
        text = CLOCK.sub(" HH:MM", text)  # "altered by ravi at 13:38", "since 10:02"
        out.append(
            {"call": f"{method.upper()} {url}", "status": response.status_code, "body": text}
        )
        return response.json() if response.content and response.status_code != 204 else None

    company = call(
        "post",
        "/c/",
        {"name": "Sharma Traders", "financial_year_start": "2026-04-01", "state": "Maharashtra"},
    )
    cid = company["id"]
    call("get", "/c/")
    call("get", f"/c/{cid}/")
    call("post", f"/c/{cid}/members/", {"username": "meena", "role": "viewer"})
    call("get", f"/c/{cid}/members/")
    call("get", f"/c/{cid}/ledgers/groups/")
    call(
        "post", f"/c/{cid}/ledgers/groups/", {"name": "Mumbai Parties", "parent": "Sundry Debtors"}
    )
    party = call(
        "post",
        f"/c/{cid}/ledgers/",
        {"name": "Sharma Enterprises", "group": "Sundry Debtors", "opening_debit": "5,000.00"},
    )
    call("post", f"/c/{cid}/ledgers/", {"name": "Sales", "group": "Sales Accounts"})
    call("post", f"/c/{cid}/ledgers/", {"name": "", "group": "Nowhere", "opening_debit": "1e5"})
    call("post", f"/c/{cid}/ledgers/", {"name": "Sales", "group": "Sales Accounts"})
    call("post", f"/c/{cid}/ledgers/{party['id']}/", {"state": "Goa", "version": 1})
    call("post", f"/c/{cid}/ledgers/{party['id']}/", {"state": "Kerala", "version": 1})
    call("get", f"/c/{cid}/ledgers/")
    sale = {
        "type": "Sales",
        "date": "2026-11-26",
        "narration": "Invoice 17",
        "entries": [
            {"ledger": "Sharma Enterprises", "debit": "100000.00"},
            {"ledger": "Sales", "credit": "100000.00"},
        ],
    }
    voucher = call("post", f"/c/{cid}/vouchers/", sale, key="k-1")
    call("post", f"/c/{cid}/vouchers/", sale, key="k-1")
    call("post", f"/c/{cid}/vouchers/", {**sale, "narration": "other"}, key="k-1")
    vid = voucher["id"]
    call("get", f"/c/{cid}/vouchers/{vid}/")
    call(
        "post",
        f"/c/{cid}/vouchers/",
        {**sale, "entries": [{"ledger": "Nobody", "debit": "1"}, {"ledger": 7, "credit": "x"}]},
    )
    call("post", f"/c/{cid}/vouchers/", {**sale, "entries": sale["entries"][:1]})
    call(
        "post",
        f"/c/{cid}/vouchers/",
        {**sale, "entries": [{**sale["entries"][0], "debit": "99"}, sale["entries"][1]]},
    )
    call("post", f"/c/{cid}/vouchers/", {**sale, "type": "Journal", "date": "2025-01-01"})
    call("patch", f"/c/{cid}/vouchers/{vid}/", {"narration": "Invoice 17A", "version": 1})
    call("patch", f"/c/{cid}/vouchers/{vid}/", {"narration": "late", "version": 1})
    call("post", f"/c/{cid}/vouchers/{vid}/lock/", {})
    call("delete", f"/c/{cid}/vouchers/{vid}/lock/")
    second = call("post", f"/c/{cid}/vouchers/", {**sale, "narration": "Invoice 18"})
    call("post", f"/c/{cid}/vouchers/{second['id']}/cancel/", {"version": 1})
    call("get", f"/c/{cid}/vouchers/?date=2026-11-26")
    call("get", f"/c/{cid}/vouchers/?from=2026-11-01&to=2026-11-30")
    call("get", f"/c/{cid}/reports/trial-balance/?as_of=2026-11-30")
    call("delete", f"/c/{cid}/vouchers/{second['id']}/?version=2")
    call("get", f"/c/{cid}/editlog/?since=0")
    call("get", f"/c/{cid}/editlog/?object=voucher:{vid}")
    call("get", f"/c/{cid}/editlog/?type=nothing")
    viewer_token = anonymous.post(
        "/auth/token/", {"username": "meena", "password": "Ledger-2026-y"}, "application/json"
    ).json()["token"]
    viewer = Client(HTTP_AUTHORIZATION=f"Token {viewer_token}")
    call("post", f"/c/{cid}/vouchers/", sale, client=viewer)
    call("get", f"/c/{cid}/vouchers/{vid}/", client=viewer)
    call("get", f"/c/{cid + 1}/")
    out.extend(_xml_answers(api, anonymous))
    return out


def _tally(report: str, statics: str = "") -> str:
    return (
        "<ENVELOPE><HEADER><TALLYREQUEST>Export Data</TALLYREQUEST></HEADER><BODY><EXPORTDATA>"
        f"<REQUESTDESC><REPORTNAME>{report}</REPORTNAME><STATICVARIABLES><SVCURRENTCOMPANY>"
        f"Sharma Traders</SVCURRENTCOMPANY>{statics}</STATICVARIABLES></REQUESTDESC>"
        "</EXPORTDATA></BODY></ENVELOPE>"
    )


def _xml_answers(api: Any, anonymous: Any) -> list[dict[str, Any]]:
    """Tally's XML API's answers to the README's requests, each body decoded by its charset."""
    november = "<SVFROMDATE>20261101</SVFROMDATE><SVTODATE>20261130</SVTODATE>"
    collection = (
        "<ENVELOPE><HEADER><VERSION>1</VERSION><TALLYREQUEST>Export</TALLYREQUEST><TYPE>"
        "Collection</TYPE><ID>Ledgers</ID></HEADER><BODY><DESC><TDL><TDLMESSAGE><COLLECTION "
        'NAME="Ledgers"><TYPE>Ledger</TYPE><FETCH>Name, Parent, ClosingBalance</FETCH>'
        "</COLLECTION></TDLMESSAGE></TDL></DESC></BODY></ENVELOPE>"
    )
    sale = (
        '<VOUCHER VCHTYPE="Sales" ACTION="Create"><DATE>20261128</DATE><GUID>bench-1</GUID>'
        "<VOUCHERTYPENAME>Sales</VOUCHERTYPENAME><ALLLEDGERENTRIES.LIST><LEDGERNAME>Sales"
        "</LEDGERNAME><AMOUNT>500.00</AMOUNT></ALLLEDGERENTRIES.LIST><ALLLEDGERENTRIES.LIST>"
        "<LEDGERNAME>Cash</LEDGERNAME><AMOUNT>-500.00</AMOUNT></ALLLEDGERENTRIES.LIST></VOUCHER>"
    )
    imported = (
        "<ENVELOPE><HEADER><TALLYREQUEST>Import Data</TALLYREQUEST></HEADER><BODY><IMPORTDATA>"
        f"<REQUESTDATA><TALLYMESSAGE>{sale}</TALLYMESSAGE><TALLYMESSAGE>"
        f"{sale.replace('bench-1', 'bench-2').replace('-500.00', '-400.00')}</TALLYMESSAGE>"
        "</REQUESTDATA></IMPORTDATA></BODY></ENVELOPE>"
    )
    requests = [
        (api, _tally("Trial Balance", "<EXPLODEFLAG>Yes</EXPLODEFLAG>"), "utf-8"),
        (api, _tally("Trial Balance"), "utf-16"),
        (api, collection, "utf-8"),
        (api, _tally("Day Book", november), "utf-8"),
        (api, imported, "utf-8"),
        (api, _tally("Stock Magic"), "utf-8"),
        (anonymous, _tally("Trial Balance"), "utf-8"),
    ]
    out = []
    for client, xml, charset in requests:
        body = (
            codecs.BOM_UTF16_LE + xml.encode("utf-16-le") if charset == "utf-16" else xml.encode()
        )
        response = client.post("/", body, content_type=f"text/xml;charset={charset}")
        # As Tally's clients send it (";charset", which the test client leaves as it is).
        content = b"".join(response.streaming_content) if response.streaming else response.content
        text = content.decode(charset)
        out.append(
            {
                "call": "POST / (Tally XML)",
                "status": response.status_code,
                "body": GUID.sub("GUID", text),
            }
        )
    return out


if __name__ == "__main__":
    _setup()
    print(json.dumps(_answers(), indent=1, ensure_ascii=False))
