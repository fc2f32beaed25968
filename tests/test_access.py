"""Who may touch what, tried the hostile way, each attempt writing nothing at all:

- IDOR: bob keeps the books of Sharma Traders only; every id of Dave & Sons' records, through
  Sharma Traders' URLs or Dave & Sons' own, is not found (404) — or, for an id in a body or
  query string, a field message (400) — and never shows or changes Dave's books.
- CSRF: every URL of the URL conf, with every state-changing method, refuses a signed-in
  browser's request that lacks the CSRF token (403). The routes are read from the URL conf, so a
  new endpoint is covered the day it is added.
- A viewer (charlie) trying every write endpoint is refused (403, or 405 for a method the
  endpoint does not take).
- API tokens: a user sees and revokes only their own; anyone else's is not found (404), and a
  signed-out visitor or a token gets nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from books.services import company_create, gst_registration_create
from companies.auth import token_issue
from companies.models import ApiToken, Company, GstRegistration, Membership
from inventory.models import StockItem
from inventory.services import godown_create, stock_group_create, stock_item_create, unit_create
from ledgers.models import ClosingStock, Group, Ledger
from ledgers.services import closing_stock_set
from locking.models import EditLock
from locking.services import lock_acquire
from tests.conftest import client_for, make_ledger, sale
from tests.test_bad_input import amount_body, books_snapshot, cr, dr, voucher_body
from vouchers.models import Voucher, VoucherType
from vouchers.services import voucher_create

UNSAFE = ("post", "put", "patch", "delete")
SECRET = "Dave Secret Traders"
GSTIN = "27AAPFU0939F1ZV"


@dataclass
class Books:
    """Sharma Traders (alice owns, bob keeps accounts, charlie views) beside Dave & Sons."""

    mine: Company
    ledger: Ledger
    voucher: Voucher
    theirs: Company
    their_ledger: Ledger
    their_voucher: Voucher
    their_group: Group
    their_type: VoucherType
    closing_stock: ClosingStock
    registration: GstRegistration
    their_registration: GstRegistration
    masters: dict[str, int]  # Sharma Traders' inventory masters' ids, by URL segment
    their_item: StockItem


@pytest.fixture
def books(
    company: Company, ledgers: dict[str, Ledger], voucher: Voucher, bob: User, dave: User
) -> Books:
    theirs = company_create(
        actor=dave, name="Dave & Sons", financial_year_start=company.books_beginning
    )
    their_ledger = make_ledger(theirs, dave, SECRET, "Sundry Debtors")
    make_ledger(theirs, dave, "Sales", "Sales Accounts")
    their_voucher = voucher_create(
        company=theirs, actor=dave, data=sale(party=SECRET, narration="Dave's secret sale")
    )
    # Records being altered: locks someone could try to take, steal or break.
    lock_acquire(company=theirs, resource=f"voucher:{their_voucher.pk}", actor=dave)
    lock_acquire(company=theirs, resource=f"ledger:{their_ledger.pk}", actor=dave)
    lock_acquire(company=company, resource=f"voucher:{voucher.pk}", actor=bob)
    lock_acquire(company=company, resource=f"ledger:{ledgers['party'].pk}", actor=bob)
    stock = make_ledger(company, bob, "Stock", "Stock-in-Hand")
    value = {"date": "2026-11-30", "amount": "5000"}
    closing_stock = closing_stock_set(company=company, actor=bob, ledger=stock, data=value)
    owner = Membership.objects.get(company=company, role="owner").user
    registration = gst_registration_create(
        company=company, actor=owner, data={"gstin": GSTIN, "valid_from": "2017-07-01"}
    )
    their_registration = gst_registration_create(
        company=theirs, actor=dave, data={"gstin": "29AAPFU0939F1ZR", "valid_from": "2017-07-01"}
    )
    return Books(
        masters=_masters(company, bob),
        their_item=_masters(theirs, dave)["items"],
        mine=company,
        ledger=ledgers["party"],
        voucher=voucher,
        theirs=theirs,
        their_ledger=their_ledger,
        their_voucher=their_voucher,
        their_group=Group.objects.get(company=theirs, name="Sundry Debtors"),
        their_type=VoucherType.objects.get(company=theirs, name="Sales"),
        closing_stock=closing_stock,
        registration=registration,
        their_registration=their_registration,
    )


def _masters(company: Company, actor: User) -> dict[str, Any]:
    """A unit, stock group, godown and stock item (the item itself under "items")."""
    unit = unit_create(company=company, actor=actor, data={"symbol": "Nos"})
    group = stock_group_create(company=company, actor=actor, data={"name": "Utensils"})
    godown = godown_create(company=company, actor=actor, data={"name": "Pune"})
    name = "Dave Secret Bowl" if company.name.startswith("Dave") else "Steel Bowl"
    item = stock_item_create(company=company, actor=actor, data={"name": name, "unit": "Nos"})
    if company.name.startswith("Dave"):
        return {"items": item}
    return {"units": unit.pk, "stock-groups": group.pk, "godowns": godown.pk, "items": item.pk}


def everything() -> dict[str, Any]:
    """The books of every company, plus locks, memberships and tokens."""
    return {
        **books_snapshot(),
        "locks": list(
            EditLock.objects.order_by("pk").values_list(
                "company_id", "resource", "holder_id", "connection_id", "heartbeat_at"
            )
        ),
        "members": list(
            Membership.objects.order_by("pk").values_list("company_id", "user_id", "role")
        ),
        "tokens": ApiToken.objects.count(),
    }


def browser(user: User, **options: Any) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def call(client: Client, method: str, url: str, body: Any = None) -> Any:
    """`method` on `url`, a JSON body for writes."""
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, json.dumps(body or {}), content_type="application/json")


# -- IDOR ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PathCase:
    id: str
    method: str
    path: Callable[[Books], str]  # under /c/<cid>/, naming Dave's records
    body: Any = None


PATH_CASES = [
    PathCase("voucher-numbering", "get", lambda b: f"vouchers/types/{b.their_type.pk}/numbering/"),
    PathCase(
        "voucher-numbering-alter",
        "post",
        lambda b: f"vouchers/types/{b.their_type.pk}/numbering/",
        {"prefix": "X/"},
    ),
    PathCase("gst-registration", "get", lambda b: f"gst/registrations/{b.their_registration.pk}/"),
    PathCase(
        "gst-registration-alter",
        "post",
        lambda b: f"gst/registrations/{b.their_registration.pk}/",
        {"valid_from": "2018-04-01", "version": 1},
    ),
    PathCase("ledger-json", "get", lambda b: f"ledgers/{b.their_ledger.pk}/"),
    PathCase("ledger-statement", "get", lambda b: f"ledgers/{b.their_ledger.pk}/?from=2026-04-01"),
    PathCase(
        "ledger-alter",
        "post",
        lambda b: f"ledgers/{b.their_ledger.pk}/",
        {"state": "Goa", "version": 1},
    ),
    PathCase(
        "ledger-patch",
        "patch",
        lambda b: f"ledgers/{b.their_ledger.pk}/",
        {"state": "Goa", "version": 1},
    ),
    PathCase("ledger-delete", "delete", lambda b: f"ledgers/{b.their_ledger.pk}/?version=1"),
    PathCase("ledger-edit-screen", "get", lambda b: f"ledgers/{b.their_ledger.pk}/edit/"),
    PathCase("ledger-statement-json", "get", lambda b: f"reports/ledger/{b.their_ledger.pk}/"),
    PathCase("ledger-monthly", "get", lambda b: f"reports/ledger/{b.their_ledger.pk}/monthly/"),
    PathCase("cash-bank-book", "get", lambda b: f"reports/cash-bank-books/{b.their_ledger.pk}/"),
    PathCase("ledger-lock", "post", lambda b: f"ledgers/{b.their_ledger.pk}/lock/"),
    PathCase("ledger-unlock", "delete", lambda b: f"ledgers/{b.their_ledger.pk}/lock/"),
    PathCase("ledger-lock-break", "post", lambda b: f"ledgers/{b.their_ledger.pk}/lock/break/"),
    PathCase("voucher-json", "get", lambda b: f"vouchers/{b.their_voucher.pk}/"),
    PathCase(
        "voucher-alter",
        "post",
        lambda b: f"vouchers/{b.their_voucher.pk}/",
        {**amount_body("1.00"), "version": 1},
    ),
    PathCase(
        "voucher-put",
        "put",
        lambda b: f"vouchers/{b.their_voucher.pk}/",
        {"narration": "x", "version": 1},
    ),
    PathCase("voucher-delete", "delete", lambda b: f"vouchers/{b.their_voucher.pk}/?version=1"),
    PathCase("voucher-edit-screen", "get", lambda b: f"vouchers/{b.their_voucher.pk}/edit/"),
    PathCase(
        "voucher-cancel", "post", lambda b: f"vouchers/{b.their_voucher.pk}/cancel/", {"version": 1}
    ),
    PathCase("voucher-lock", "post", lambda b: f"vouchers/{b.their_voucher.pk}/lock/"),
    PathCase("voucher-unlock", "delete", lambda b: f"vouchers/{b.their_voucher.pk}/lock/"),
    PathCase("voucher-lock-break", "post", lambda b: f"vouchers/{b.their_voucher.pk}/lock/break/"),
    PathCase("stock-item-json", "get", lambda b: f"inventory/items/{b.their_item.pk}/"),
    PathCase(
        "stock-item-patch",
        "patch",
        lambda b: f"inventory/items/{b.their_item.pk}/",
        {"name": "Mine now", "version": 1},
    ),
    PathCase(
        "stock-item-delete", "delete", lambda b: f"inventory/items/{b.their_item.pk}/?version=1"
    ),
    PathCase("stock-item-edit-screen", "get", lambda b: f"inventory/items/{b.their_item.pk}/edit/"),
    PathCase("stock-item-lock", "post", lambda b: f"inventory/items/{b.their_item.pk}/lock/"),
]


def _path_params() -> Iterator[Any]:
    for case in PATH_CASES:
        for where in ("my-company-url", "their-company-url"):
            for how in ("api", "browser"):
                yield pytest.param(case, where, how, id=f"{case.id}-{where}-{how}")


@pytest.mark.parametrize(("case", "where", "how"), list(_path_params()))
def test_another_companys_record_is_not_found(
    books: Books, bob: User, case: PathCase, where: str, how: str
) -> None:
    cid = books.mine.pk if where == "my-company-url" else books.theirs.pk
    client = client_for(bob) if how == "api" else browser(bob)
    before = everything()
    response = call(client, case.method, f"/c/{cid}/{case.path(books)}", case.body)
    assert response.status_code == 404, response.content[:300]
    if how == "api":
        assert response.json() == {"detail": "Not found."}
    assert "Dave" not in response.content.decode()
    assert everything() == before


@pytest.mark.parametrize("how", ["api", "browser"])
@pytest.mark.parametrize(
    "path", ["", "ledgers/", "vouchers/?date=2026-11-26", "editlog/", "members/", "ledgers/groups/"]
)
def test_another_companys_pages_are_not_found(books: Books, bob: User, path: str, how: str) -> None:
    client = client_for(bob) if how == "api" else browser(bob)
    response = client.get(f"/c/{books.theirs.pk}/{path}")
    assert response.status_code == 404
    assert "Dave" not in response.content.decode()


@dataclass(frozen=True)
class BodyCase:
    id: str
    path: Callable[[Books], str]  # under my company's URL
    body: Callable[[Books], dict[str, Any]]  # naming one of Dave's records by id
    field: str


BODY_CASES = [
    BodyCase(
        "voucher-line-ledger",
        lambda b: "vouchers/",
        lambda b: voucher_body(dr(b.their_ledger.pk, "100"), cr("Sales", "100")),
        "entries.0.ledger",
    ),
    BodyCase(
        "voucher-line-ledger-as-text",
        lambda b: "vouchers/",
        lambda b: voucher_body(dr(str(b.their_ledger.pk), "100"), cr("Sales", "100")),
        "entries.0.ledger",
    ),
    BodyCase(
        "voucher-type",
        lambda b: "vouchers/",
        lambda b: {**amount_body("100"), "type": b.their_type.pk},
        "type",
    ),
    BodyCase(
        "voucher-alter-line-ledger",
        lambda b: f"vouchers/{b.voucher.pk}/",
        lambda b: {**voucher_body(dr(b.their_ledger.pk, "100"), cr("Sales", "100")), "version": 1},
        "entries.0.ledger",
    ),
    BodyCase(
        "ledger-group",
        lambda b: "ledgers/",
        lambda b: {"name": "Verma Traders", "group": b.their_group.pk},
        "group",
    ),
    BodyCase(
        "ledger-alter-group",
        lambda b: f"ledgers/{b.ledger.pk}/",
        lambda b: {"group": b.their_group.pk, "version": 1},
        "group",
    ),
    BodyCase(
        "group-parent",
        lambda b: "ledgers/groups/",
        lambda b: {"name": "Branch Debtors", "parent": b.their_group.pk},
        "parent",
    ),
]


@pytest.mark.parametrize("case", BODY_CASES, ids=[c.id for c in BODY_CASES])
def test_another_companys_id_in_a_body_is_a_field_error(
    books: Books, bob: User, case: BodyCase
) -> None:
    client = client_for(bob)
    before = everything()
    url = f"/c/{books.mine.pk}/{case.path(books)}"
    response = call(client, "post", url, case.body(books))
    assert response.status_code == 400, response.content[:300]
    assert case.field in response.json()["errors"]
    assert "Dave" not in response.content.decode()
    assert everything() == before


def test_another_companys_group_in_the_trial_balance_is_a_field_error(
    books: Books, bob: User
) -> None:
    url = f"/c/{books.mine.pk}/reports/trial-balance/?group={books.their_group.pk}"
    response = browser(bob).get(url)
    assert response.status_code == 400
    assert "No such group in this company." in response.content.decode()


@pytest.mark.parametrize("how", ["api", "browser"])
@pytest.mark.parametrize("kind", ["voucher", "ledger"])
def test_the_edit_log_of_another_companys_record_is_empty(
    books: Books, bob: User, kind: str, how: str
) -> None:
    """The per-object Edit Log filters by this company: Dave's record has no history here."""
    pk = books.their_voucher.pk if kind == "voucher" else books.their_ledger.pk
    client = client_for(bob) if how == "api" else browser(bob)
    response = client.get(f"/c/{books.mine.pk}/editlog/?object={kind}:{pk}")
    assert response.status_code == 200
    if how == "api":
        assert response.json() == []
    else:
        assert "No changes match." in response.content.decode()
    assert "Dave" not in response.content.decode()


def test_the_ledger_search_finds_only_this_companys_ledgers(books: Books, bob: User) -> None:
    response = browser(bob).get(f"/c/{books.mine.pk}/ledgers/search/?q=Dave")
    assert "Dave" not in response.content.decode()
    assert (
        "Sharma" in browser(bob).get(f"/c/{books.mine.pk}/ledgers/search/?q=Shar").content.decode()
    )


def test_only_staff_create_companies_by_default(alice: User, dave: User) -> None:
    """Whoever creates a company may add anyone to it, even as owner (the review made a
    look-alike "Sharma Traders" appear in alice's Gateway): by default only staff create one."""
    body = {"name": "Sharma Traders"}
    answer = client_for(dave).post("/c/", body, content_type="application/json")
    assert answer.status_code == 403
    assert answer.json()["detail"].startswith("Only the server's administrators")
    assert browser(dave).post("/c/", body).status_code == 403
    assert not Company.objects.exists()
    User.objects.filter(pk=dave.pk).update(is_staff=True)
    assert client_for(dave).post("/c/", body, content_type="application/json").status_code == 201


def test_the_gateway_offers_company_creation_only_to_whoever_may_create(dave: User) -> None:
    """A user who may not create a company is not shown a form that would only refuse them."""
    page = browser(dave).get("/").content.decode()
    assert "Create company" not in page
    assert "Ask the server's administrator, or a company's owner, to add you." in page
    User.objects.filter(pk=dave.pk).update(is_staff=True)
    assert "Create company" in browser(dave).get("/").content.decode()


def test_the_server_configuration_lets_everyone_create_companies(
    dave: User, company_creation_open: None
) -> None:
    answer = client_for(dave).post("/c/", {"name": "Gupta & Sons"}, content_type="application/json")
    assert answer.status_code == 201


def test_adding_a_member_says_the_same_for_a_missing_and_an_inactive_name(
    books: Books, alice: User, dave: User
) -> None:
    """An owner probing names learns only that a name cannot be added, not whether it exists."""
    User.objects.filter(pk=dave.pk).update(is_active=False)
    client = client_for(alice)
    before = everything()
    answers = {
        name: client.post(
            f"/c/{books.mine.pk}/members/",
            {"username": name, "role": "owner"},
            content_type="application/json",
        )
        for name in ("dave", "nobody")
    }
    assert {a.status_code for a in answers.values()} == {400}
    said = {name: a.json()["errors"]["username"][0] for name, a in answers.items()}
    assert said["dave"].replace("dave", "nobody") == said["nobody"]
    assert said["nobody"].startswith("No user 'nobody' can be added")
    assert everything() == before


def test_an_owner_cannot_remove_another_companys_member(books: Books, alice: User) -> None:
    """alice owns Sharma Traders; dave belongs to Dave & Sons only."""
    client = client_for(alice)
    before = everything()
    response = client.delete(f"/c/{books.mine.pk}/members/dave/")
    assert response.status_code == 400
    assert response.json()["errors"]["username"] == ["dave is not a member of Sharma Traders."]
    response = client.delete(f"/c/{books.theirs.pk}/members/dave/")
    assert response.status_code == 404
    assert everything() == before


# -- API tokens ------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["page", "json"])
def test_another_users_token_cannot_be_revoked_or_seen(
    books: Books, alice: User, dave: User, how: str
) -> None:
    """dave signs in and names alice's token: the same 404 as a token that never was."""
    token_issue(user=alice)
    alices = ApiToken.objects.get(user=alice)
    client = browser(dave)
    headers = {"Accept": "application/json"} if how == "json" else {}
    before = everything()
    for pk in (alices.pk, alices.pk + 1000):
        response = client.post(f"/auth/tokens/{pk}/revoke/", headers=headers)
        assert response.status_code == 404
        assert alices.fingerprint not in response.content.decode()
    assert client.post("/auth/tokens/revoke/", headers=headers).status_code in {200, 302}
    listed = client.get("/auth/tokens/", headers=headers).content.decode()
    assert alices.fingerprint not in listed
    assert everything() == before


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/auth/tokens/"),
        ("post", "/auth/tokens/revoke/"),
        ("post", "/auth/tokens/1/revoke/"),
    ],
)
def test_a_signed_out_visitor_sees_and_revokes_no_token(
    books: Books, alice: User, method: str, url: str
) -> None:
    token_issue(user=alice)
    before = everything()
    page = getattr(Client(), method)(url)
    assert (page.status_code, page.url) == (302, f"/login/?next={url}")
    script = getattr(Client(), method)(url, headers={"Accept": "application/json"})
    assert script.status_code == 401
    assert everything() == before


# -- every route of the URL conf -------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    route: str  # as written in the URL conf, e.g. c/<id:cid>/vouchers/<id:pk>/

    def url(self, books: Books) -> str:
        """The route with real ids of Sharma Traders' records in place of its parameters."""
        values = {
            "<id:cid>": books.mine.pk,
            "<str:username>": "charlie",
            "<str:group>": "Sundry Debtors",  # a group by id or name (Group Outstandings)
            "<id:pk>": VoucherType.objects.get(company=books.mine, name="Sales").pk
            if "/vouchers/types/" in self.route
            else books.registration.pk
            if "/gst/registrations/" in self.route
            else books.voucher.pk
            if "/vouchers/" in self.route
            else books.mine.pk  # the company's own lock: /c/<cid>/company/<cid>/lock/
            if "/company/<id:pk>" in self.route
            else books.closing_stock.pk
            if "/closing-stock/<id:pk>" in self.route
            else books.masters[self.route.split("/")[3]]
            if "/inventory/" in self.route
            else books.ledger.pk,
        }
        url = "/" + self.route
        for parameter, value in values.items():
            url = url.replace(parameter, str(value))
        assert "<" not in url, f"tests/test_access.py: say what to put in {self.route}"
        return url


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if prefix + str(pattern.pattern) != "admin/":  # Django's own, CSRF-protected views
                yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield Route(name=pattern.name or "", route=prefix + str(pattern.pattern))


ROUTES = list(_walk(get_resolver().url_patterns))
# Views that take no session, so no CSRF token: each with the reason, each tested below.
CSRF_EXEMPT = {"auth-token": "the credentials are in the body; it never reads the session"}


def test_the_url_conf_was_read() -> None:
    names = {route.name for route in ROUTES}
    assert {
        "vouchers",
        "voucher",
        "voucher-cancel",
        "ledger",
        "members",
        "member",
        "login",
        "api-token-revoke",
    } <= names


def test_the_exemptions_name_real_routes() -> None:
    names = {route.name for route in ROUTES}
    assert set(CSRF_EXEMPT) <= names and set(NOT_BOOKS) <= names


CSRF_ROUTES = [r for r in ROUTES if r.name not in CSRF_EXEMPT]


@pytest.mark.parametrize("method", UNSAFE)
@pytest.mark.parametrize("route", CSRF_ROUTES, ids=[r.name or r.route for r in CSRF_ROUTES])
def test_a_session_write_without_the_csrf_token_is_refused(
    books: Books, alice: User, route: Route, method: str
) -> None:
    """alice (the owner, who may do anything) is signed in; a foreign page posts for her."""
    client = browser(alice, enforce_csrf_checks=True)
    before = everything()
    response = call(client, method, route.url(books), {"username": "dave", "role": "owner"})
    assert response.status_code == 403, (route.route, method, response.status_code)
    assert b"CSRF" in response.content
    assert everything() == before
    assert client.get("/").status_code == 200  # still signed in: not even logout went through


def test_the_csrf_exempt_token_endpoint_ignores_the_session(books: Books, alice: User) -> None:
    client = browser(alice, enforce_csrf_checks=True)
    response = client.post("/auth/token/", {}, content_type="application/json")
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_with_the_token_the_same_session_write_goes_through(books: Books, alice: User) -> None:
    """The refusals above are about the missing token, not a broken endpoint."""
    client = browser(alice, enforce_csrf_checks=True)
    page = client.get(f"/c/{books.mine.pk}/ledgers/new/")
    token = page.context["csrf_token"]
    body = {"name": "Verma Traders", "group": "Sundry Debtors"}
    url = f"/c/{books.mine.pk}/ledgers/"
    response = client.post(
        url, body, content_type="application/json", headers={"X-CSRFToken": str(token)}
    )
    assert response.status_code == 201


# -- a viewer tries every write --------------------------------------------------------------

# Writes that are not the company's books, open to every signed-in user by design.
NOT_BOOKS = {
    "login": "signing in",
    "logout": "signing oneself out",
    "auth-token": "a token for oneself",
    "companies": "not a company's books: staff only by default (test_only_staff_create_…)",
    "setup": "first run only: after it, a redirect to the Gateway",
    "api-tokens": "one's own tokens, signed in with the password (a token gets 403)",
    "api-tokens-revoke": "one's own tokens, signed in with the password (a token gets 403)",
    "api-token-revoke": "one's own tokens, signed in with the password (a token gets 403)",
}
WRITE_PAGES = ["ledger-new", "voucher-new", "ledger-edit", "voucher-edit"]
WRITE_PAGES += [
    f"{m}-{page}"
    for m in ("unit", "stock-group", "godown", "stock-item")
    for page in ("new", "edit")
]


def viewer_body(route: Route) -> dict[str, Any]:
    """A body the endpoint would accept from a writer, so only the role can refuse it."""
    return {
        "vouchers": amount_body("100"),
        "voucher": {"narration": "charlie was here", "version": 1},
        "voucher-cancel": {"version": 1},
        "ledgers": {"name": "Verma Traders", "group": "Sundry Debtors"},
        "ledger": {"state": "Goa", "version": 1},
        "groups": {"name": "Branch Debtors", "parent": "Sundry Debtors"},
        "members": {"username": "charlie", "role": "owner"},
        "voucher-numbering": {"prefix": "INV/{fy}/", "width": 4},
        "gst-registrations": {"gstin": "29AAPFU0939F1ZR", "valid_from": "2017-07-01"},
        "gst-registration": {"valid_from": "2018-04-01", "version": 1},
        "units": {"symbol": "Box"},
        "unit": {"formal_name": "Numbers", "version": 1},
        "stock-groups": {"name": "Metals"},
        "stock-group": {"name": "Steel", "version": 1},
        "godowns": {"name": "Nashik"},
        "godown": {"name": "Shop", "version": 1},
        "stock-items": {"name": "Tumbler", "unit": "Nos"},
        "stock-item": {"hsn_sac": "7323", "version": 1},
    }.get(route.name, {})


VIEWER_ROUTES = [r for r in ROUTES if r.name not in NOT_BOOKS]


@pytest.mark.parametrize("method", UNSAFE)
@pytest.mark.parametrize("route", VIEWER_ROUTES, ids=[r.name or r.route for r in VIEWER_ROUTES])
def test_a_viewer_cannot_write(books: Books, charlie: User, route: Route, method: str) -> None:
    client = client_for(charlie)
    before = everything()
    url = route.url(books)
    if method == "delete" and route.name == "voucher":
        url += "?version=1"
    response = call(client, method, url, viewer_body(route))
    assert everything() == before
    if not route.route.startswith("c/<id:cid>/"):
        return  # not a company's: refused somehow (405, staff only), and nothing written
    allowed = {403, 405}
    if method == "delete" and route.name.endswith("-lock"):
        allowed.add(204)  # letting go of locks one holds: a viewer holds none, so nothing goes
    assert response.status_code in allowed, (route.route, method, response.content[:300])
    if response.status_code == 403:
        assert "viewer" in response.json()["detail"]


@pytest.mark.parametrize("name", WRITE_PAGES)
def test_a_viewer_gets_no_editor(books: Books, charlie: User, name: str) -> None:
    """The entry and alteration screens refuse a viewer, and take no edit lock for them."""
    route = next(r for r in ROUTES if r.name == name)
    before = everything()
    response = browser(charlie).get(route.url(books))
    assert response.status_code == 403
    assert "viewer" in response.content.decode()
    assert everything() == before


def test_every_answer_carries_a_content_security_policy_without_inline_code(client, company):
    """Scripts, styles and connections from this server only: no inline script or style."""
    policy = client.get("/login/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


def test_pages_showing_the_books_are_not_kept_by_the_browser(alice, company):
    """The back button on a shared office computer shows no books after sign-out."""
    browser = Client()
    browser.force_login(alice)
    for url in (f"/c/{company.pk}/", f"/c/{company.pk}/ledgers/", f"/c/{company.pk}/vouchers/"):
        assert "no-store" in browser.get(url)["Cache-Control"], url


def test_no_template_has_an_inline_script_or_style():
    """The CSP would block them: behaviour lives in static/*.js, looks in static/app.css."""
    templates = Path(settings.BASE_DIR, "templates")
    offenders = [
        f"{path.relative_to(templates)}: {pattern}"
        for path in templates.rglob("*.html")
        for pattern in ("<script>", " style=", " onclick=", " onload=", " onsubmit=")
        if pattern in path.read_text()
    ]
    assert offenders == []
