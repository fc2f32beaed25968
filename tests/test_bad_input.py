"""Bad input through the real HTTP path, as JSON and as form posts (urlencoded and multipart).

Every case is refused with 400, names the field at fault with a message a person can act on,
and writes nothing at all: no voucher, entry, ledger, day total or Edit Log change, no version
bump, no change to any ledger's totals. Then the refusals that are not about the input:
a viewer (403), a stranger (404), nobody signed in (401), a stale version (409) and a browser
session without its CSRF token (403) — each writing nothing either.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.test import Client

from books.services import company_create
from companies.models import Company, Membership
from editlog.models import Change
from ledgers.models import Group, Ledger, LedgerDay
from tests.conftest import DAY, client_for, make_ledger, sale
from vouchers.models import Entry, Voucher, VoucherType
from vouchers.services import voucher_alter, voucher_create

ENCODINGS = ("json", "urlencoded", "multipart")
JSON_ONLY = ("json",)
FORM_ONLY = ("urlencoded", "multipart")
VALID_GSTIN = "27AAPFU0939F1ZV"
OTHER_LEDGER = "Dave Secret Traders"


# -- the world every case runs in ------------------------------------------------------------


@dataclass
class World:
    company: Company
    ledgers: dict[str, Ledger]
    voucher: Voucher  # alice's sale, version 1
    other_company: Company  # dave's; alice is not a member
    other_ledger: Ledger
    other_voucher: Voucher
    other_group: Group
    other_type: VoucherType

    def url(self, target: str) -> str:
        cid = self.company.pk
        return {
            "vouchers": f"/c/{cid}/vouchers/",
            "voucher": f"/c/{cid}/vouchers/{self.voucher.pk}/",
            "cancel": f"/c/{cid}/vouchers/{self.voucher.pk}/cancel/",
            "ledgers": f"/c/{cid}/ledgers/",
            "ledger": f"/c/{cid}/ledgers/{self.ledgers['party'].pk}/",
            "groups": f"/c/{cid}/ledgers/groups/",
            "companies": "/c/",
        }[target]


@pytest.fixture
def world(
    company: Company, ledgers: dict[str, Ledger], voucher: Voucher, alice: User, dave: User
) -> World:
    other = company_create(
        actor=dave, name="Dave & Sons", financial_year_start=company.books_beginning
    )
    other_ledger = make_ledger(other, dave, OTHER_LEDGER, "Sundry Debtors")
    make_ledger(other, dave, "Sales", "Sales Accounts")
    other_voucher = voucher_create(
        company=other, actor=dave, data=sale(party=OTHER_LEDGER, narration="Dave's secret sale")
    )
    return World(
        company=company,
        ledgers=ledgers,
        voucher=voucher,
        other_company=other,
        other_ledger=other_ledger,
        other_voucher=other_voucher,
        other_group=Group.objects.get(company=other, name="Sundry Debtors"),
        other_type=VoucherType.objects.get(company=other, name="Sales"),
    )


def books_snapshot() -> dict[str, Any]:
    """Everything a save could touch, in every company."""
    return {
        "counts": {
            model.__name__: model.objects.count()
            for model in (Voucher, Entry, Ledger, LedgerDay, Change, Group, Company, Membership)
        },
        "ledgers": list(
            Ledger.objects.order_by("pk").values_list(
                "pk",
                "name",
                "group_id",
                "opening_balance",
                "total_debit",
                "total_credit",
                "version",
                "gstin",
                "state",
            )
        ),
        "vouchers": list(
            Voucher.objects.order_by("pk").values_list(
                "pk", "voucher_type_id", "number", "date", "narration", "is_cancelled", "version"
            )
        ),
        "entries": list(Entry.objects.order_by("pk").values_list("ledger_id", "amount", "date")),
        "days": list(
            LedgerDay.objects.order_by("pk").values_list("ledger_id", "date", "debit", "credit")
        ),
        "last_seqs": list(Company.objects.order_by("pk").values_list("pk", "last_seq")),
    }


# -- sending a body --------------------------------------------------------------------------


def as_form(body: dict[str, Any]) -> dict[str, str]:
    """The JSON shape as the voucher and ledger forms post it: entries-0-ledger, …"""
    form: dict[str, str] = {}
    for key, value in body.items():
        if key == "entries" and isinstance(value, list):
            for i, row in enumerate(value):
                for name, cell in row.items():
                    form[f"entries-{i}-{name}"] = str(cell)
        else:
            assert isinstance(value, str), f"{key}={value!r} cannot be sent as a form field"
            form[key] = value
    return form


def send(client: Client, url: str, body: Any, encoding: str, method: str = "post") -> Any:
    call = getattr(client, method)
    if encoding == "json":
        raw = body if isinstance(body, str | bytes) else json.dumps(body)
        return call(url, raw, content_type="application/json")
    if encoding == "urlencoded":
        return call(url, urlencode(as_form(body)), content_type="application/x-www-form-urlencoded")
    assert method == "post"
    return client.post(url, as_form(body))  # multipart/form-data, the test client's default


def dr(ledger: Any, amount: Any) -> dict[str, Any]:
    return {"ledger": ledger, "debit": amount}


def cr(ledger: Any, amount: Any) -> dict[str, Any]:
    return {"ledger": ledger, "credit": amount}


def voucher_body(*entries: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "type": "Sales",
        "date": DAY.isoformat(),
        "narration": "Invoice 17",
        "entries": list(entries),
        **fields,
    }


def amount_body(amount: Any) -> dict[str, Any]:
    """A sale whose both lines carry `amount` (so only the amount itself can be wrong)."""
    return voucher_body(dr("Sharma Enterprises", amount), cr("Sales", amount))


# -- the cases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    body: Any  # the JSON shape, raw JSON text, or a function of the World giving either
    field: str  # the key expected in errors
    phrases: tuple[str, ...]  # each must appear in that field's messages
    target: str = "vouchers"
    encodings: tuple[str, ...] = ENCODINGS
    bug: str = ""  # a known app bug: the case is expected to fail until it is fixed


def case(
    id: str,
    body: Any,
    field: str,
    *phrases: str,
    target: str = "vouchers",
    encodings: tuple[str, ...] = ENCODINGS,
    bug: str = "",
) -> Case:
    return Case(id, body, field, phrases, target, encodings, bug)


MAX = "9999999999999999.99"


def alter(body: dict[str, Any]) -> dict[str, Any]:
    """An alteration of the fixture voucher, sent with the version it was read at."""
    return {**body, "version": "1"}


SHARMA, SALES = "Sharma Enterprises", "Sales"

CASES = [
    # -- amounts --
    case(  # was stored as 123.00
        "amount-commas-out-of-place",
        voucher_body(dr(SHARMA, "1,23"), cr(SALES, "123")),
        "entries.0.debit",
        "The commas are out of place",
        "1,23,456.78",
    ),
    case(
        "unbalanced",
        voucher_body(dr(SHARMA, "100.00"), cr(SALES, "90.00")),
        "entries",
        "≠",
        "difference 10.00",
    ),
    case(
        "unbalanced-many-lines",
        voucher_body(dr(SHARMA, "1,00,000"), cr(SALES, "60,000"), cr(SALES, "39,999.99")),
        "entries",
        "Debit 1,00,000.00 ≠ Credit 99,999.99",
        "difference 0.01",
    ),
    case("one-line", voucher_body(dr(SHARMA, "100")), "entries", "at least two lines"),
    case("no-lines", voucher_body(), "entries", "at least two lines"),
    case("zero", amount_body("0"), "entries.0.debit", "more than zero"),
    case("zero-paise", amount_body("0.00"), "entries.0.debit", "more than zero"),
    case("negative", amount_body("-100.00"), "entries.0.debit", "digits"),
    case("negative-credit", amount_body("-100"), "entries.1.credit", "digits"),
    case("three-decimals", amount_body("100.005"), "entries.0.debit", "two decimals"),
    case("exponent-text", amount_body("1e5"), "entries.0.debit", "no exponents"),
    case("exponent-upper", amount_body("1E+5"), "entries.0.debit", "no exponents"),
    case("nan-text", amount_body("NaN"), "entries.0.debit", "in digits"),
    case("infinity-text", amount_body("Infinity"), "entries.0.debit", "in digits"),
    case("minus-infinity-text", amount_body("-Infinity"), "entries.1.credit", "in digits"),
    case("words", amount_body("one lakh"), "entries.0.debit", "in digits"),
    case("bad-grouping", amount_body("1,0,0"), "entries.0.debit", "The commas are out of place"),
    case("too-large", amount_body("1" + "0" * 16), "entries.0.debit", "too large"),
    case(
        "too-large-grouped",
        amount_body("10,00,00,00,00,00,00,000.00"),
        "entries.0.debit",
        "too large",
    ),
    case(
        "json-nan-literal",
        '{"type": "Sales", "date": "2026-11-26", "entries": '
        '[{"ledger": "Sharma Enterprises", "debit": NaN}, {"ledger": "Sales", "credit": NaN}]}',
        "__all__",
        "not valid JSON",
        "NaN",
        encodings=JSON_ONLY,
    ),
    case(
        "json-infinity-literal",
        '{"type": "Sales", "date": "2026-11-26", "entries": '
        '[{"ledger": "Sales", "debit": Infinity}, {"ledger": "Sales", "credit": Infinity}]}',
        "__all__",
        "not valid JSON",
        encodings=JSON_ONLY,
    ),
    case(
        "json-exponent-number",
        '{"type": "Sales", "date": "2026-11-26", "entries": '
        '[{"ledger": "Sharma Enterprises", "debit": 1e5}, {"ledger": "Sales", "credit": 1e5}]}',
        "entries.0.debit",
        "no exponents",
        encodings=JSON_ONLY,
    ),
    case(
        "json-float-three-decimals",
        '{"type": "Sales", "date": "2026-11-26", "entries": '
        '[{"ledger": "Sharma Enterprises", "debit": 100.555}, '
        '{"ledger": "Sales", "credit": 100.555}]}',
        "entries.0.debit",
        "two decimals",
        encodings=JSON_ONLY,
    ),
    case(
        "json-int-too-large",
        amount_body(10**16),
        "entries.0.debit",
        "too large",
        encodings=JSON_ONLY,
    ),
    case("json-negative-int", amount_body(-5), "entries.0.debit", "digits", encodings=JSON_ONLY),
    case("json-true", amount_body(True), "entries.0.debit", "Enter an amount", encodings=JSON_ONLY),
    case(
        "json-object",
        amount_body({"rs": 1}),
        "entries.0.debit",
        "Enter an amount",
        encodings=JSON_ONLY,
    ),
    case(
        "json-list", amount_body(["100"]), "entries.0.debit", "Enter an amount", encodings=JSON_ONLY
    ),
    # -- lines --
    case(
        "debit-and-credit",
        voucher_body({"ledger": SHARMA, "debit": "100", "credit": "100"}, cr(SALES, "100")),
        "entries.0.debit",
        "either a debit or a credit",
    ),
    case(
        "neither",
        voucher_body({"ledger": SHARMA}, cr(SALES, "100")),
        "entries.0.debit",
        "either a debit or a credit",
    ),
    case(
        "unknown-ledger",
        voucher_body(dr("Nobody & Co", "100"), cr(SALES, "100")),
        "entries.0.ledger",
        "No ledger 'Nobody & Co' in this company",
    ),
    case(
        "no-ledger",
        voucher_body({"debit": "100"}, cr(SALES, "100")),
        "entries.0.ledger",
        "Choose a ledger",
    ),
    case(
        "unknown-ledger-id",
        voucher_body(dr("999999", "100"), cr(SALES, "100")),
        "entries.0.ledger",
        "No ledger",
    ),
    case(
        "other-companys-ledger-id",
        lambda w: voucher_body(dr(w.other_ledger.pk, "100"), cr(SALES, "100")),
        "entries.0.ledger",
        "No ledger",
        "in this company",
        encodings=JSON_ONLY,
    ),
    case(
        "other-companys-ledger-id-text",
        lambda w: voucher_body(dr(str(w.other_ledger.pk), "100"), cr(SALES, "100")),
        "entries.0.ledger",
        "No ledger",
    ),
    case(
        "ledger-id-out-of-range",
        voucher_body(dr(10**30, "100"), cr(SALES, "100")),
        "entries.0.ledger",
        "No ledger",
        encodings=JSON_ONLY,
    ),
    case(
        "ledger-id-text-out-of-range",
        voucher_body(dr("9" * 30, "100"), cr(SALES, "100")),
        "entries.0.ledger",
        "No ledger",
    ),
    case(
        "ledger-superscript-digit",
        voucher_body(dr("²", "100"), cr(SALES, "100")),
        "entries.0.ledger",
        "No ledger",
    ),
    case(
        "voucher-total-too-large",
        voucher_body(*[dr(SHARMA, MAX)] * 10, *[cr(SALES, MAX)] * 10),
        "entries",
        "too large",
        encodings=JSON_ONLY,
    ),
    case(
        "other-companys-ledger-name",
        voucher_body(dr(OTHER_LEDGER, "100"), cr(SALES, "100")),
        "entries.0.ledger",
        "No ledger",
    ),
    case(
        "json-line-not-object",
        voucher_body("Sharma Enterprises 100", "Sales 100"),
        "entries.0",
        "needs a ledger and a debit or credit",
        encodings=JSON_ONLY,
    ),
    case(
        "entries-not-a-list",
        voucher_body(entries="Sharma Dr 100, Sales Cr 100"),
        "entries",
        "at least two lines",
    ),
    case(
        "json-entries-object",
        voucher_body(entries={"0": dr(SHARMA, "100"), "1": cr(SALES, "100")}),
        "entries",
        "at least two lines",
        encodings=JSON_ONLY,
    ),
    case(
        "too-many-lines",
        voucher_body(*[dr(SHARMA, "1")] * 250, *[cr(SALES, "1")] * 251),
        "entries",
        "at most 500 lines",
        encodings=JSON_ONLY,
    ),
    # -- form rows as the voucher screen posts them: side and amount --
    case(
        "form-side-unbalanced",
        {
            "type": "Sales",
            "date": "26-Nov-2026",
            "entries-0-ledger": SHARMA,
            "entries-0-side": "Dr",
            "entries-0-amount": "100",
            "entries-1-ledger": SALES,
            "entries-1-side": "Cr",
            "entries-1-amount": "99",
        },
        "entries",
        "≠",
        "difference 1.00",
        encodings=FORM_ONLY,
    ),
    case(
        "form-side-nan",
        {
            "type": "Sales",
            "date": "26-Nov-2026",
            "entries-0-ledger": SHARMA,
            "entries-0-side": "Dr",
            "entries-0-amount": "NaN",
            "entries-1-ledger": SALES,
            "entries-1-side": "Cr",
            "entries-1-amount": "NaN",
        },
        "entries.0.debit",
        "in digits",
        encodings=FORM_ONLY,
    ),
    case(
        "form-side-unknown",
        {
            "type": "Sales",
            "date": "26-Nov-2026",
            "entries-0-ledger": SHARMA,
            "entries-0-side": "Up",
            "entries-0-amount": "100",
            "entries-1-ledger": SALES,
            "entries-1-side": "Cr",
            "entries-1-amount": "100",
        },
        "entries.0.debit",
        "either a debit or a credit",
        encodings=FORM_ONLY,
    ),
    # -- date, type, narration --
    case(
        "before-books-begin",
        amount_body("100") | {"date": "2026-03-31"},
        "date",
        "The books begin on 01-Apr-2026",
    ),
    case("bad-date", amount_body("100") | {"date": "2026-02-30"}, "date", "Enter a date"),
    case("words-date", amount_body("100") | {"date": "next Tuesday"}, "date", "Enter a date"),
    case(
        "no-date",
        {k: v for k, v in amount_body("100").items() if k != "date"},
        "date",
        "Enter a date",
    ),
    case(  # was a 500: OverflowError
        "date-year-9999",
        amount_body("100") | {"date": "9999-12-31"},
        "date",
        "Enter a date between 1900 and 2999.",
    ),
    case(
        "alter-date-year-1",
        alter({"date": "01-01-0001"}),
        "date",
        "Enter a date between 1900 and 2999.",
        target="voucher",
    ),
    case(
        "json-datetime-number",
        amount_body("100") | {"date": 20261126},
        "date",
        "Enter a date",
        encodings=JSON_ONLY,
    ),
    case("unknown-type", amount_body("100") | {"type": "Bogus"}, "type", "Choose a voucher type"),
    case("no-type", amount_body("100") | {"type": ""}, "type", "Choose a voucher type"),
    case(
        "other-companys-type-id",
        lambda w: amount_body("100") | {"type": w.other_type.pk},
        "type",
        "Choose a voucher type",
        encodings=JSON_ONLY,
    ),
    case(
        "narration-too-long",
        amount_body("100") | {"narration": "x" * 2001},
        "narration",
        "At most 2000 characters",
    ),
    case(
        "narration-control-character",
        amount_body("100") | {"narration": "Invoice\x07 17"},
        "narration",
        "control characters",
    ),
    case(
        "narration-nul",
        amount_body("100") | {"narration": "Invoice\x00 17"},
        "narration",
        "control characters",
    ),
    case(
        "narration-backspaces",
        amount_body("100") | {"narration": "Paid\x08\x08\x08\x08Unpaid"},
        "narration",
        "control characters",
    ),
    case(
        "narration-c1-control",
        amount_body("100") | {"narration": "Invoice\x85 17"},
        "narration",
        "control characters",
    ),
    case(
        "narration-line-separator",
        amount_body("100") | {"narration": "Invoice\u2028 17"},
        "narration",
        "control characters",
    ),
    case(
        "json-lone-surrogate",  # was a 500: SQLite cannot encode it
        '{"type": "Sales", "date": "2026-11-26", "narration": "Invoice \\ud800", "entries": '
        '[{"ledger": "Sharma Enterprises", "debit": "1"}, {"ledger": "Sales", "credit": "1"}]}',
        "__all__",
        "lone",
        encodings=JSON_ONLY,
    ),
    case(
        "json-lone-surrogate-in-a-ledger-name",
        '{"type": "Sales", "date": "2026-11-26", "entries": '
        '[{"ledger": "Sharma \\udfff", "debit": "1"}, {"ledger": "Sales", "credit": "1"}]}',
        "__all__",
        "lone",
        encodings=JSON_ONLY,
    ),
    # -- Tally's voucher type rules: each line that breaks one, on its own field --
    case(
        "contra-non-cash",
        voucher_body(dr("Cash", "100"), cr(SALES, "100"), type="Contra"),
        "entries.1.credit",
        "Contra: Sales is not a Cash or Bank ledger",
        "a Contra moves money between Cash and Bank ledgers only",
    ),
    case(
        "payment-not-crediting-cash",
        voucher_body(dr("Rent", "100"), cr(SHARMA, "100"), type="Payment"),
        "entries.1.credit",
        "Payment: Sharma Enterprises is not a Cash or Bank ledger",
        "a Payment credits only Cash or Bank (use a Journal)",
    ),
    case(
        "payment-debiting-cash",
        voucher_body(dr("Cash", "100"), cr(SHARMA, "100"), type="Payment"),
        "entries.0.debit",
        "Payment: Cash is a Cash or Bank ledger",
        "a Payment debits no Cash or Bank ledger (cash into a bank is a Contra)",
    ),
    case(
        "payment-depositing-cash-into-the-bank",
        voucher_body(dr("HDFC Bank", "100"), cr("Cash", "100"), type="Payment"),
        "entries.0.debit",
        "Payment: HDFC Bank is a Cash or Bank ledger",
        "cash into a bank is a Contra",
    ),
    case(
        "receipt-not-debiting-bank",
        voucher_body(dr(SHARMA, "100"), cr(SALES, "100"), type="Receipt"),
        "entries.0.debit",
        "Receipt: Sharma Enterprises is not a Cash or Bank ledger",
        "a Receipt debits only Cash or Bank (use a Journal)",
    ),
    case(
        "receipt-crediting-bank",
        voucher_body(dr("Cash", "100"), cr("HDFC Bank", "100"), type="Receipt"),
        "entries.1.credit",
        "Receipt: HDFC Bank is a Cash or Bank ledger",
        "a Receipt credits no Cash or Bank ledger (cash out of a bank is a Contra)",
    ),
    case(
        "journal-with-cash",
        voucher_body(dr("Rent", "100"), cr("Cash", "100"), type="Journal"),
        "entries.1.credit",
        "Journal: Cash is a Cash or Bank ledger",
        "a Journal uses no Cash or Bank ledger",
    ),
    case(
        "journal-with-bank",
        voucher_body(dr("HDFC Bank", "100"), cr(SHARMA, "100"), type="Journal"),
        "entries.0.debit",
        "Journal: HDFC Bank is a Cash or Bank ledger",
        "use Payment, Receipt or Contra",
    ),
    # -- the body itself --
    case(
        "body-not-json",
        "type=Sales&date=2026-11-26",
        "__all__",
        "not valid JSON",
        encodings=JSON_ONLY,
    ),
    case(
        "body-json-array",
        json.dumps([amount_body("100")]),
        "__all__",
        "Send a JSON object",
        encodings=JSON_ONLY,
    ),
    case("body-json-string", '"a voucher"', "__all__", "Send a JSON object", encodings=JSON_ONLY),
    case(
        "body-bad-utf8", b'{"narration": "\xff"}', "__all__", "not valid JSON", encodings=JSON_ONLY
    ),
    case(  # was a 500: RecursionError
        "body-nested-too-deeply",
        '{"type": "Sales", "narration": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "__all__",
        "The body is not valid JSON",
        "too deeply",
        encodings=JSON_ONLY,
    ),
    case(
        "body-too-large",
        json.dumps(amount_body("100") | {"narration": "x" * 1_000_001}),
        "__all__",
        "too large",
        encodings=JSON_ONLY,
    ),
    # -- altering the fixture voucher: the same rules, and the version bump must roll back --
    case(
        "alter-unbalanced",
        alter(voucher_body(dr(SHARMA, "100.00"), cr(SALES, "90.00"))),
        "entries",
        "≠",
        target="voucher",
    ),
    case(
        "alter-zero", alter(amount_body("0")), "entries.0.debit", "more than zero", target="voucher"
    ),
    case(
        "alter-three-decimals",
        alter(amount_body("1.001")),
        "entries.0.debit",
        "two decimals",
        target="voucher",
    ),
    case(
        "alter-date-before-books",
        alter({"date": "31-03-2026"}),
        "date",
        "The books begin on",
        target="voucher",
    ),
    case(
        "alter-type-breaks-rules",  # the kept entries (Sharma Dr, Sales Cr) are no Contra
        alter({"type": "Contra"}),
        "entries.0.debit",
        "Contra: Sharma Enterprises is not a Cash or Bank ledger",
        target="voucher",
    ),
    case(
        "alter-other-companys-ledger",
        lambda w: alter(voucher_body(dr(str(w.other_ledger.pk), "100"), cr(SALES, "100"))),
        "entries.0.ledger",
        "No ledger",
        target="voucher",
    ),
    case(
        "alter-no-version",
        amount_body("100"),
        "version",
        "Send the version you read",
        target="voucher",
    ),
    case(
        "alter-version-not-a-number",
        amount_body("100") | {"version": "one"},
        "version",
        "Send the version you read",
        target="voucher",
    ),
    case(
        "alter-version-superscript",
        amount_body("100") | {"version": "²"},
        "version",
        "Send the version you read",
        target="voucher",
    ),
    case("cancel-no-version", {}, "version", "Send the version you read", target="cancel"),
    # -- ledgers --
    case(
        "ledger-duplicate-name",
        {"name": "sales", "group": "Sales Accounts"},
        "name",
        "already exists",
        target="ledgers",
    ),
    case(
        "ledger-duplicate-name-spaced",
        {"name": "  SHARMA enterprises ", "group": "Sundry Debtors"},
        "name",
        "already exists",
        target="ledgers",
    ),
    case(
        "ledger-duplicate-predefined",
        {"name": "CASH", "group": "Cash-in-Hand"},
        "name",
        "already exists",
        target="ledgers",
    ),
    case(
        "ledger-no-name",
        {"name": " ", "group": "Sundry Debtors"},
        "name",
        "cannot be empty",
        target="ledgers",
    ),
    case(
        "ledger-name-too-long",
        {"name": "x" * 201, "group": "Sundry Debtors"},
        "name",
        "At most 200 characters",
        target="ledgers",
    ),
    case(
        "ledger-name-newline",
        {"name": "Verma\nTraders", "group": "Sundry Debtors"},
        "name",
        "control characters",
        target="ledgers",
    ),
    case(
        "ledger-name-control-character",
        {"name": "Verma\x1bTraders", "group": "Sundry Debtors"},
        "name",
        "control characters",
        target="ledgers",
    ),
    case(
        "ledger-name-nul",
        {"name": "Verma\x00", "group": "Sundry Debtors"},
        "name",
        "control characters",
        target="ledgers",
    ),
    case(
        "ledger-alter-name-control-character",
        {"name": "Sharma\x7f", "version": "1"},
        "name",
        "control characters",
        target="ledger",
    ),
    case(  # was a 503: SQLite's "LIKE pattern too complex", under the company lock
        "ledger-name-60000-characters",
        {"name": "x" * 60_000, "group": "Sundry Debtors"},
        "name",
        "At most 200 characters (this has 60000)",
        target="ledgers",
    ),
    case(
        "ledger-alter-name-60000-characters",
        {"name": "x" * 60_000, "version": "1"},
        "name",
        "At most 200 characters",
        target="ledger",
    ),
    case(
        "group-name-60000-characters",
        {"name": "x" * 60_000, "parent": "Sundry Debtors"},
        "name",
        "At most 200 characters",
        target="groups",
        encodings=JSON_ONLY,
    ),
    case(
        "ledger-unknown-group",
        {"name": "Verma Traders", "group": "Sundry Friends"},
        "group",
        "Choose a group",
        target="ledgers",
    ),
    case("ledger-no-group", {"name": "Verma Traders"}, "group", "Choose a group", target="ledgers"),
    case(
        "ledger-other-companys-group",
        lambda w: {"name": "Verma Traders", "group": str(w.other_group.pk)},
        "group",
        "Choose a group",
        target="ledgers",
    ),
    case(
        "ledger-group-superscript-digit",
        {"name": "Verma Traders", "group": "²"},
        "group",
        "Choose a group",
        target="ledgers",
    ),
    case(
        "ledger-opening-both-sides",
        {
            "name": "Verma Traders",
            "group": "Sundry Debtors",
            "opening_debit": "100",
            "opening_credit": "100",
        },
        "opening_credit",
        "either Dr or Cr, not both",
        target="ledgers",
    ),
    case(
        "ledger-opening-exponent",
        {"name": "Verma Traders", "group": "Sundry Debtors", "opening_debit": "1e5"},
        "opening_debit",
        "no exponents",
        target="ledgers",
    ),
    case(
        "ledger-opening-negative",
        {"name": "Verma Traders", "group": "Sundry Debtors", "opening_credit": "-100"},
        "opening_credit",
        "digits",
        target="ledgers",
    ),
    case(
        "ledger-opening-too-large",
        {"name": "Verma Traders", "group": "Sundry Debtors", "opening_debit": "1" + "0" * 16},
        "opening_debit",
        "too large",
        target="ledgers",
    ),
    case(
        "ledger-gstin-format",
        {"name": "Verma Traders", "group": "Sundry Debtors", "gstin": VALID_GSTIN[:-1]},
        "gstin",
        "A GSTIN has 15 characters",
        target="ledgers",
    ),
    case(
        "ledger-gstin-letters-for-digits",
        {"name": "Verma Traders", "group": "Sundry Debtors", "gstin": "ABAPFU0939F1ZV1"},
        "gstin",
        "begins with its state's code",
        target="ledgers",
    ),
    case(
        "ledger-gstin-check-character",
        {"name": "Verma Traders", "group": "Sundry Debtors", "gstin": VALID_GSTIN[:-1] + "W"},
        "gstin",
        "check character is wrong",
        target="ledgers",
    ),
    case(
        "ledger-gstin-typo",  # one digit changed: the check character catches it
        {"name": "Verma Traders", "group": "Sundry Debtors", "gstin": "27AAPFU0938F1ZV"},
        "gstin",
        "check character is wrong",
        target="ledgers",
    ),
    case(
        "ledger-alter-duplicate-name",
        {"name": "SALES", "version": "1"},
        "name",
        "already exists",
        target="ledger",
    ),
    case(
        "ledger-alter-opening-both-sides",
        {"opening_debit": "5", "opening_credit": "5", "version": "1"},
        "opening_credit",
        "not both",
        target="ledger",
    ),
    case(
        "ledger-alter-gstin",
        {"gstin": VALID_GSTIN[:-1] + "A", "version": "1"},
        "gstin",
        "check character",
        target="ledger",
    ),
    case(
        "ledger-alter-no-version", {"state": "Goa"}, "version", "Send the version", target="ledger"
    ),
    # -- companies (a form post answers the Gateway page; the API, these) --
    *[
        case(
            f"company-{name}-{kind}",
            {"name": "Verma Traders", name: value},
            name,
            phrase,
            target="companies",
            encodings=JSON_ONLY,
        )
        for name in ("address", "state")
        for kind, value, phrase in [  # the first three were 500s, the rest were stored
            ("number", 12, "Enter text."),
            ("list", ["12 MG Road"], "Enter text."),
            ("object", {"line": "12 MG Road"}, "Enter text."),
            ("nul", "12 MG Road\x00", "control characters"),
            ("line-separator", "12 MG Road\u2028Pune", "control characters"),
            ("escape", "12 MG \x1b[2JRoad", "control characters"),
            ("100000-characters", "x" * 100_000, "At most"),
        ]
    ],
    case(
        "company-state-newline",
        {"name": "Verma Traders", "state": "Maha\nrashtra"},
        "state",
        "control characters",
        target="companies",
        encodings=JSON_ONLY,
    ),
    case(
        "company-books-beginning-year-1",
        {"name": "Verma Traders", "books_beginning": "0001-01-01"},
        "books_beginning",
        "Enter a date between 1900 and 2999.",
        target="companies",
        encodings=JSON_ONLY,
    ),
    case(
        "company-financial-year-year-9999",
        {"name": "Verma Traders", "financial_year_start": "9999-04-01"},
        "financial_year_start",
        "Enter a date between 1900 and 2999.",
        target="companies",
        encodings=JSON_ONLY,
    ),
]

PARAMS = [
    pytest.param(
        c,
        encoding,
        id=f"{c.id}-{encoding}",
        marks=[pytest.mark.xfail(strict=True, reason=c.bug)] if c.bug else [],
    )
    for c in CASES
    for encoding in c.encodings
]


@pytest.mark.parametrize(("bad", "encoding"), PARAMS)
def test_bad_input_is_refused_and_writes_nothing(
    world: World, alice: User, bad: Case, encoding: str
) -> None:
    client = client_for(alice)
    body = bad.body(world) if callable(bad.body) else bad.body
    before = books_snapshot()

    response = send(client, world.url(bad.target), body, encoding)

    assert response.status_code == 400, response.content[:500]
    answer = response.json()
    assert bad.field in answer["errors"], answer
    messages = " ".join(answer["errors"][bad.field])
    for phrase in bad.phrases:
        assert phrase in messages, (phrase, answer["errors"])
    assert books_snapshot() == before
    # Another company's ledger, voucher type or group is "unknown", never named (unless the
    # caller typed that name).
    if "Dave" not in str(body):
        assert "Dave" not in response.content.decode()


def test_every_case_id_is_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


# -- the same bodies, corrected, are accepted: the cases fail for the reason they name -----


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_good_voucher_is_accepted(world: World, alice: User, encoding: str) -> None:
    response = send(client_for(alice), world.url("vouchers"), amount_body("1,00,000.00"), encoding)
    assert response.status_code == 201, response.content
    assert Voucher.objects.filter(company=world.company).count() == 2


def test_a_json_float_is_read_as_its_digits(world: World, alice: User) -> None:
    """JSON numbers are parsed as text (parse_float=str), so 100.5 is exactly ₹100.50."""
    raw = (
        '{"type": "Sales", "date": "2026-11-26", "entries": '
        '[{"ledger": "Sharma Enterprises", "debit": 100.5}, {"ledger": "Sales", "credit": 100.5}]}'
    )
    response = client_for(alice).post(world.url("vouchers"), raw, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["entries"][0]["debit"] == "100.50"


def test_the_largest_amount_is_accepted(world: World, alice: User) -> None:
    body = amount_body("99,99,99,99,99,99,999.99")
    response = send(client_for(alice), world.url("vouchers"), body, "json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_good_ledger_is_accepted(world: World, alice: User, encoding: str) -> None:
    body = {
        "name": "Verma Traders",
        "group": "Sundry Debtors",
        "opening_debit": "1,000",
        "gstin": VALID_GSTIN.lower(),
    }
    response = send(client_for(alice), world.url("ledgers"), body, encoding)
    assert response.status_code == 201, response.content
    assert Ledger.objects.get(company=world.company, name="Verma Traders").gstin == VALID_GSTIN


def test_a_good_company_is_accepted(world: World, alice: User) -> None:
    """A postal address keeps its lines; the rules above refuse only what they name."""
    body = {
        "name": "Verma Traders",
        "address": "12 MG Road\nCamp, Pune",
        "state": " Maharashtra ",
        "books_beginning": "2026-04-01",
        "financial_year_start": "2026-04-01",
    }
    response = send(client_for(alice), world.url("companies"), body, "json")
    assert response.status_code == 201, response.content
    company = Company.objects.get(name="Verma Traders")
    assert (company.address, company.state) == ("12 MG Road\nCamp, Pune", "Maharashtra")


# -- query strings: the same rules, answered 400 naming the parameter --------------------------

OUT_OF_RANGE = [
    ("day book", "/c/{cid}/vouchers/?date={day}", "date"),
    ("day book from", "/c/{cid}/vouchers/?from={day}&to=2026-11-26", "from"),
    ("day book to", "/c/{cid}/vouchers/?from=2026-11-26&to={day}", "to"),
    ("edit log from", "/c/{cid}/editlog/?from={day}", "from"),
    ("edit log to", "/c/{cid}/editlog/?to={day}", "to"),
    ("trial balance", "/c/{cid}/reports/trial-balance/?as_of={day}", "as_of"),
]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "31-12-1899", "01/01/3000"])
@pytest.mark.parametrize(("where", "url", "name"), OUT_OF_RANGE, ids=[u[0] for u in OUT_OF_RANGE])
def test_a_date_outside_1900_to_2999_in_a_query_is_refused(
    world: World, alice: User, where: str, url: str, name: str, day: str
) -> None:
    """Was a 500 (OverflowError) for the first two."""
    client = client_for(alice)
    response = client.get(url.format(cid=world.company.pk, day=day))
    assert response.status_code == 400, response.content[:300]
    assert response.json()["errors"] == {name: ["Enter a date between 1900 and 2999."]}


@pytest.mark.parametrize("day", ["1900-01-01", "2999-12-31"])
def test_the_first_and_last_days_of_the_range_are_taken(
    world: World, alice: User, day: str
) -> None:
    response = client_for(alice).get(f"/c/{world.company.pk}/vouchers/?date={day}")
    assert response.status_code == 200, response.content[:300]


@pytest.mark.parametrize("length", [200, 60_000])
def test_a_long_ledger_search_is_answered(world: World, alice: User, length: int) -> None:
    """Was a 503 at 60,000 characters (SQLite refuses a LIKE pattern over 50,000): only a
    ledger name's length is looked for."""
    client = Client()
    client.force_login(alice)
    response = client.get(f"/c/{world.company.pk}/ledgers/search/", {"q": "x" * length})
    assert response.status_code == 200
    response = client.get(f"/c/{world.company.pk}/ledgers/search/", {"q": "Sharma" + " " * length})
    assert "Sharma Enterprises" in response.content.decode()


# -- first run ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username",
    ["<b>alice</b>", "alice\u202eecila", "alice smith", "alice\u2066", "<script>x</script>"],
)
def test_setup_refuses_a_user_name_the_admin_would_refuse(
    db: None, setup_code: str, username: str
) -> None:
    body = {
        "setup_code": setup_code,
        "username": username,
        "password": "a long passphrase 2026",
        "company_name": "Sharma Traders",
    }
    response = Client().post("/setup/", body)
    assert response.status_code == 422
    assert "This value may contain only letters, numbers, and @/./+/-/_" in (
        response.content.decode().replace("&#x27;", "'")
    )
    assert not User.objects.exists() and not Company.objects.exists()


def test_setup_takes_a_user_name_the_admin_would_take(db: None, setup_code: str) -> None:
    body = {
        "setup_code": setup_code,
        "username": "meena.iyer@sharma",
        "password": "a long passphrase 2026",
        "company_name": "Sharma Traders",
    }
    response = Client().post("/setup/", body)
    assert response.status_code == 302, response.content[:500]
    assert User.objects.get().username == "meena.iyer@sharma"


# -- refusals that are not about the input ---------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("target", ["vouchers", "voucher", "cancel", "ledgers", "ledger"])
def test_a_viewer_cannot_write(world: World, charlie: User, encoding: str, target: str) -> None:
    bodies = {
        "vouchers": amount_body("100"),
        "voucher": alter(amount_body("200")),
        "cancel": {"version": "1"},
        "ledgers": {"name": "Verma Traders", "group": "Sundry Debtors"},
        "ledger": {"state": "Goa", "version": "1"},
    }
    before = books_snapshot()
    response = send(client_for(charlie), world.url(target), bodies[target], encoding)
    assert response.status_code == 403, response.content
    assert "viewer" in response.json()["detail"]
    assert books_snapshot() == before


def test_a_viewer_cannot_delete(world: World, charlie: User) -> None:
    before = books_snapshot()
    response = client_for(charlie).delete(f"{world.url('voucher')}?version=1")
    assert response.status_code == 403, response.content
    assert books_snapshot() == before


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("target", ["vouchers", "voucher", "cancel", "ledgers", "ledger"])
def test_a_stranger_gets_not_found(world: World, dave: User, encoding: str, target: str) -> None:
    """dave owns a company of his own, but alice's is not his to see — or to know of."""
    bodies = {
        "vouchers": amount_body("100"),
        "voucher": alter(amount_body("200")),
        "cancel": {"version": "1"},
        "ledgers": {"name": "Verma Traders", "group": "Sundry Debtors"},
        "ledger": {"state": "Goa", "version": "1"},
    }
    before = books_snapshot()
    response = send(client_for(dave), world.url(target), bodies[target], encoding)
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "Not found."}
    assert books_snapshot() == before


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_another_companys_voucher_is_not_found(world: World, alice: User, encoding: str) -> None:
    """alice's own company URL with dave's voucher id: not found, not altered, not named."""
    url = f"/c/{world.company.pk}/vouchers/{world.other_voucher.pk}/"
    before = books_snapshot()
    response = send(client_for(alice), url, alter(amount_body("100")), encoding)
    assert response.status_code == 404
    assert "secret" not in response.content.decode()
    response = client_for(alice).delete(f"{url}?version=1")
    assert response.status_code == 404
    assert books_snapshot() == before


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_nobody_signed_in_is_refused(world: World, encoding: str) -> None:
    before = books_snapshot()
    client = Client(headers={"Accept": "application/json"})
    response = send(client, world.url("vouchers"), amount_body("100"), encoding)
    assert response.status_code == 401, response.content
    assert books_snapshot() == before


@pytest.mark.parametrize("header", ["Token not-a-token", "Bearer abc", "Token "])
def test_a_bad_token_is_refused(world: World, header: str) -> None:
    before = books_snapshot()
    client = Client(headers={"Authorization": header})
    response = send(client, world.url("vouchers"), amount_body("100"), "json")
    assert response.status_code == 401, response.content
    assert books_snapshot() == before


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_stale_alter_is_a_conflict(world: World, alice: User, bob: User, encoding: str) -> None:
    """bob saves first; alice's save from version 1 is refused with who altered it."""
    voucher_alter(
        company=world.company,
        voucher=world.voucher,
        actor=bob,
        data={"narration": "Corrected by bob"},
        version=1,
    )
    before = books_snapshot()
    response = send(client_for(alice), world.url("voucher"), alter(amount_body("500")), encoding)
    assert response.status_code == 409, response.content
    answer = response.json()
    assert answer["current_version"] == 2
    assert answer["altered_by"] == "bob"
    assert books_snapshot() == before


def test_a_stale_cancel_or_delete_is_a_conflict(world: World, alice: User, bob: User) -> None:
    voucher_alter(
        company=world.company,
        voucher=world.voucher,
        actor=bob,
        data={"narration": "Corrected by bob"},
        version=1,
    )
    before = books_snapshot()
    client = client_for(alice)
    response = send(client, world.url("cancel"), {"version": 1}, "json")
    assert (response.status_code, response.json()["current_version"]) == (409, 2)
    response = client.delete(f"{world.url('voucher')}?version=1")
    assert (response.status_code, response.json()["current_version"]) == (409, 2)
    assert books_snapshot() == before


def test_a_stale_ledger_alter_is_a_conflict(world: World, alice: User) -> None:
    before = books_snapshot()
    response = send(client_for(alice), world.url("ledger"), {"state": "Goa", "version": 7}, "json")
    assert response.status_code == 409, response.content
    assert response.json()["current_version"] == 1
    assert books_snapshot() == before


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("target", ["vouchers", "voucher", "ledgers"])
def test_a_session_post_without_csrf_token_is_forbidden(
    world: World, alice: User, encoding: str, target: str
) -> None:
    """A browser's session cookie is ambient: without the CSRF token nothing is saved."""
    bodies = {
        "vouchers": amount_body("100"),
        "voucher": alter(amount_body("200")),
        "ledgers": {"name": "Verma Traders", "group": "Sundry Debtors"},
    }
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    before = books_snapshot()
    response = send(client, world.url(target), bodies[target], encoding)
    assert response.status_code == 403, response.content[:300]
    assert b"CSRF" in response.content
    assert books_snapshot() == before


def test_a_company_id_out_of_range_is_not_found(world: World, alice: User) -> None:
    before = books_snapshot()
    response = send(client_for(alice), f"/c/{10**30}/vouchers/", amount_body("100"), "json")
    assert response.status_code == 404
    assert books_snapshot() == before
