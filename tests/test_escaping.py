"""Hostile names and narrations are shown as the text they are, on every page that shows them
and in the broadcast fragments: HTML metacharacters escaped (no script runs, no attribute is
injected), and a right-to-left override (U+202E) kept inside <bdi>, where it cannot reorder the
text around it. Control characters never get in (tests/test_bad_input.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.test import Client

from books.services import company_create
from companies.models import Company, Membership
from editlog.models import Change
from editlog.selectors import entry_text
from ledgers.models import Group, Ledger
from ledgers.services import group_create, ledger_alter
from locking.services import lock_acquire
from sync.fragments import change_patch
from tests.conftest import DAY, FY_START, make_ledger
from vouchers.models import Voucher
from vouchers.services import voucher_alter, voucher_create

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
RLO = "\u202e"
REVERSED = f"Sharma {RLO}Traders"  # an override left open: it would run to the end of the line
NARRATION = f"{SCRIPT} and {IMG} for {REVERSED}"
FSI, PDI = "\u2068", "\u2069"  # an isolate in plain text, where no <bdi> can go (a <title>)
# Where a bidi override may stand without <bdi>: elements shown on their own (a form field's
# text, a list option), never beside other text. A tab title is not one: it reads
# "Alter NAME — COMPANY", so a name there is isolated with FSI … PDI.
OWN_BOX = {"textarea", "option"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Reading:
    """What a browser would make of the HTML: scripts, handler attributes, text and its tags."""

    scripts: list[str] = field(default_factory=list)
    handlers: list[str] = field(default_factory=list)
    texts: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (text, open tags)

    @property
    def text(self) -> str:
        return " ".join(text for text, _ in self.texts)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.reading = Reading()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.reading.handlers += [f"{tag} {name}" for name, _ in attrs if name.startswith("on")]
        if tag == "img":
            self.reading.handlers.append("img")  # no page of ours shows an image
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] == "script":
            self.reading.scripts.append(data)
        self.reading.texts.append((data, tuple(self.open)))


def read(html: str) -> Reading:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.reading


def _in_top_bar(tags: tuple[str, ...]) -> bool:
    """The company name in base.html's top bar: a flex item (.topbar is display: flex), so a
    block of its own that no neighbour shares."""
    return tags[-2:] == ("header", "a")


def _isolated_in_text(text: str) -> bool:
    """Every override in `text` stands between an FSI and its PDI."""
    depth = 0
    for char in text:
        depth += (char == FSI) - (char == PDI)
        if char == RLO and depth <= 0:
            return False
    return True


def assert_inert(html: str) -> Reading:
    """No injected script or handler; every bidi override inside <bdi>, an FSI … PDI isolate,
    or a box of its own."""
    reading = read(html)
    assert not [s for s in reading.scripts if "alert" in s], reading.scripts
    assert not reading.handlers, reading.handlers
    for text, tags in reading.texts:
        if RLO in text:
            assert (
                "bdi" in tags or OWN_BOX & set(tags) or _in_top_bar(tags) or _isolated_in_text(text)
            ), (text, tags)
    return reading


@dataclass
class Hostile:
    company: Company
    other: Company  # a company whose own name is hostile
    ledgers: list[Ledger]
    group: Group
    voucher: Voucher


@pytest.fixture
def hostile(company: Company, alice: User, ledgers: dict[str, Ledger]) -> Hostile:
    group = group_create(company=company, actor=alice, name=f"{IMG} group", parent="Sundry Debtors")
    named = [
        make_ledger(company, alice, SCRIPT, "Sundry Debtors"),
        make_ledger(company, alice, IMG, group.name),
        make_ledger(company, alice, f"{REVERSED} Ltd", "Sundry Debtors"),
    ]
    lines = [{"ledger": ledger.name, "debit": f"{i}00.00"} for i, ledger in enumerate(named, 1)]
    voucher = voucher_create(
        company=company,
        actor=alice,
        data={
            "type": "Sales",
            "date": DAY.isoformat(),
            "narration": NARRATION,
            "entries": [*lines, {"ledger": "Sales", "credit": "600.00"}],
        },
    )
    # Alterations, so the Edit Log shows hostile text on both sides of an arrow.
    voucher = voucher_alter(
        company=company,
        voucher=voucher,
        actor=alice,
        data={
            "narration": f"{NARRATION} (corrected)",
            "entries": [
                *[
                    {"ledger": ledger.name, "debit": f"{4 - i}00.00"}
                    for i, ledger in enumerate(named, 1)
                ],
                {"ledger": "Sales", "credit": "600.00"},
            ],
        },
        version=1,
    )
    ledger_alter(
        company=company, ledger=named[2], actor=alice, data={"name": f"{REVERSED} Pvt"}, version=1
    )
    other = company_create(actor=alice, name=f"{REVERSED} {SCRIPT}", financial_year_start=FY_START)
    return Hostile(company, other, [Ledger.objects.get(pk=n.pk) for n in named], group, voucher)


def pages(h: Hostile) -> dict[str, str]:
    cid = h.company.pk
    debtors = Group.objects.get(company=h.company, name="Sundry Debtors")
    as_of = f"as_of={DAY.isoformat()}"
    return {
        "gateway": "/",
        "ledger list": f"/c/{cid}/ledgers/",
        **{
            f"statement {i}": f"/c/{cid}/ledgers/{lg.pk}/?from=2026-04-01"
            for i, lg in enumerate(h.ledgers)
        },
        "ledger alteration": f"/c/{cid}/ledgers/{h.ledgers[2].pk}/edit/",
        "monthly summary 0": f"/c/{cid}/reports/ledger/{h.ledgers[0].pk}/monthly/?year=2026",
        "monthly summary 2": f"/c/{cid}/reports/ledger/{h.ledgers[2].pk}/monthly/?year=2026",
        "day book": f"/c/{cid}/vouchers/?date={DAY.isoformat()}",
        "voucher view": f"/c/{cid}/vouchers/{h.voucher.pk}/",
        "voucher alteration": f"/c/{cid}/vouchers/{h.voucher.pk}/edit/",
        "trial balance": f"/c/{cid}/reports/trial-balance/?{as_of}",
        "trial balance debtors": f"/c/{cid}/reports/trial-balance/?group={debtors.pk}&{as_of}",
        "trial balance hostile group": f"/c/{cid}/reports/trial-balance/?group={h.group.pk}&"
        + as_of,
        "trial balance period debtors": f"/c/{cid}/reports/trial-balance/?from=2026-04-01&"
        f"to={DAY.isoformat()}&group={debtors.pk}",
        "group summary debtors": f"/c/{cid}/reports/group-summary/?group={debtors.pk}",
        "group summary hostile group": f"/c/{cid}/reports/group-summary/?group={h.group.pk}",
        "group vouchers hostile group": f"/c/{cid}/reports/group-vouchers/?group={h.group.pk}&"
        f"to={DAY.isoformat()}",
        "group summary picker": f"/c/{cid}/reports/group-summary/",
        "sales register vouchers": f"/c/{cid}/reports/register/vouchers/?type=Sales&"
        f"to={DAY.isoformat()}",
        "profit and loss": f"/c/{cid}/reports/profit-loss/?to={DAY.isoformat()}&detailed=1",
        "balance sheet": f"/c/{cid}/reports/balance-sheet/?{as_of}&detailed=1",
        "dashboard": f"/c/{cid}/",
        "hostile company's dashboard": f"/c/{h.other.pk}/",
        "edit log": f"/c/{cid}/editlog/",
        "voucher history": f"/c/{cid}/editlog/?object=voucher:{h.voucher.pk}",
        "ledger history": f"/c/{cid}/editlog/?object=ledger:{h.ledgers[2].pk}",
    }


PAGE_NAMES = [
    "gateway", "ledger list", "statement 0", "statement 1", "statement 2", "ledger alteration",
    "monthly summary 0", "monthly summary 2",
    "day book", "voucher view", "voucher alteration", "trial balance", "trial balance debtors",
    "trial balance hostile group", "trial balance period debtors", "group summary debtors",
    "group summary hostile group", "group vouchers hostile group", "group summary picker",
    "sales register vouchers", "profit and loss", "balance sheet", "dashboard",
    "hostile company's dashboard", "edit log", "voucher history", "ledger history",
]  # fmt: skip


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_pages_show_hostile_text_as_text(hostile: Hostile, alice: User, name: str) -> None:
    client = Client()
    client.force_login(alice)
    response = client.get(pages(hostile)[name])
    assert response.status_code == 200, response.content[:300]
    reading = assert_inert(response.content.decode())
    shown = reading.text + response.content.decode()  # form fields show theirs in attributes
    # The Trial Balance's top level shows the primary groups only; no hostile name is an income
    # or expense ledger.
    if name not in ("trial balance", "profit and loss"):
        assert SCRIPT in reading.text or IMG in shown or REVERSED in shown, "nothing hostile shown"


def test_every_page_is_in_the_list(hostile: Hostile) -> None:
    assert set(PAGE_NAMES) == set(pages(hostile))


@pytest.mark.parametrize("name", ["day book", "voucher view", "edit log", "ledger list"])
def test_the_payloads_arrive_escaped(hostile: Hostile, alice: User, name: str) -> None:
    """Shown, as text: the check above is not passing on pages that omit the names."""
    client = Client()
    client.force_login(alice)
    html = client.get(pages(hostile)[name]).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_broadcast_fragments_are_escaped_and_isolated(hostile: Hostile) -> None:
    changes = list(Change.objects.filter(company=hostile.company).order_by("seq"))
    shown = ""
    for change in changes:
        html = "".join(change_patch(change).html)
        reading = assert_inert(html)
        shown += reading.text
    assert SCRIPT in shown and IMG in shown and REVERSED in shown


def test_an_override_in_a_ledger_name_cannot_reverse_its_amount() -> None:
    """In the Edit Log a line reads "NAME 300.00 Dr" as one string: the name is closed off
    (FSI … PDI) before the amount."""
    line = entry_text({"ledger": f"{REVERSED} Ltd", "debit": "300.00"})
    assert line == f"\u2068{REVERSED} Ltd\u2069 300.00 Dr"
    assert entry_text({"ledger": "Sharma Traders", "debit": "300.00"}) == "Sharma Traders 300.00 Dr"
    urdu = entry_text({"ledger": "شرما ٹریڈرز", "credit": "5.00"})
    assert urdu.startswith("\u2068") and urdu.endswith("\u2069 5.00 Cr")


def test_a_hostile_holder_name_in_the_lock_notice_is_isolated(
    hostile: Hostile, alice: User
) -> None:
    """ "🔒 In use by NAME since 10:30 — …": a holder's name (made outside /setup/ and the admin,
    which refuse it) cannot reorder the time or the rest of the sentence."""
    holder = User.objects.create_user(f"{REVERSED} {SCRIPT}")
    Membership.objects.create(user=holder, company=hostile.company, role=Membership.Role.OWNER)
    ledger = hostile.ledgers[0]
    lock_acquire(company=hostile.company, resource=f"ledger:{ledger.pk}", actor=holder)
    lock_acquire(company=hostile.company, resource=f"voucher:{hostile.voucher.pk}", actor=holder)
    client = Client()
    client.force_login(alice)
    for url in (
        f"/c/{hostile.company.pk}/ledgers/{ledger.pk}/edit/",
        f"/c/{hostile.company.pk}/vouchers/{hostile.voucher.pk}/edit/",
    ):
        html = client.get(url).content.decode()
        assert f"In use by {FSI}{REVERSED} &lt;script&gt;" in html
        assert_inert(html)


@pytest.mark.parametrize("name", ["ledger alteration", "statement 2", "monthly summary 2"])
def test_a_title_isolates_the_name_it_shows(hostile: Hostile, alice: User, name: str) -> None:
    """<title> holds text only: the name is isolated with FSI … PDI, and the company name too,
    so neither reorders "— Sharma Traders" or the page's own words."""
    client = Client()
    client.force_login(alice)
    html = client.get(pages(hostile)[name]).content.decode()
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.endswith(" — Sharma Traders"), title
    assert f"{FSI}{REVERSED} Pvt{PDI}" in title, title


def test_a_hostile_company_name_is_isolated_in_the_title(hostile: Hostile, alice: User) -> None:
    client = Client()
    client.force_login(alice)
    html = client.get(f"/c/{hostile.other.pk}/").content.decode()
    assert f"<title>Dashboard — {FSI}{REVERSED} &lt;script&gt;" in html
