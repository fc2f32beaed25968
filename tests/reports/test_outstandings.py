"""Outstandings: Bills Receivable and Payable, a ledger's and a group's outstandings, ageing by
slabs — their JSON, pages and files, and that a party's pending bills and On Account always add
up to its balance."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from books.services import company_create
from editlog.models import Change
from reports.outstandings import ledger_outstanding_get, slabs_parse
from reports.selectors import trial_balance_get
from sync.fragments import change_patch
from tests.conftest import FY_START, client_for, make_ledger
from tests.reports.test_final_accounts_properties import RANDOM_BOOKS
from vouchers.bills import bills_pending
from vouchers.models import BillAllocation
from vouchers.services import voucher_create

pytestmark = pytest.mark.django_db

D = Decimal


def invoice(name: str, amount: str, day: str, party: str = "Sharma Enterprises", **bill) -> dict:
    return {
        "type": "Sales",
        "date": day,
        "entries": [
            {
                "ledger": party,
                "debit": amount,
                "bills": [{"type": "New Ref", "name": name, "amount": amount, **bill}],
            },
            {"ledger": "Sales", "credit": amount},
        ],
    }


def receipt(day: str, bills: list[tuple[str, str, str]], party: str = "Sharma Enterprises") -> dict:
    """A receipt into Cash allocated to (type, name, amount) bills."""
    total = sum((D(amount) for _kind, _name, amount in bills), D(0))
    return {
        "type": "Receipt",
        "date": day,
        "entries": [
            {"ledger": "Cash", "debit": str(total)},
            {
                "ledger": party,
                "credit": str(total),
                "bills": [{"type": k, "name": n, "amount": a} for k, n, a in bills],
            },
        ],
    }


@pytest.fixture
def billed(company, alice, ledgers):
    """Sharma owes INV-1 (1,000 on 1-Oct, 30 days' credit) part-settled by 400 and INV-2
    (5,000 on 1-Nov); 250 received On Account. Gupta's bill P-1 (2,000 Cr, 15-Sep)."""
    post = lambda data: voucher_create(company=company, actor=alice, data=data)  # noqa: E731
    post(invoice("INV-1", "1000.00", "2026-10-01", credit_days=30))
    post(invoice("INV-2", "5000.00", "2026-11-01"))
    post(receipt("2026-11-10", [("Agst Ref", "INV-1", "400.00"), ("On Account", "", "250.00")]))
    post(
        {
            "type": "Purchase",
            "date": "2026-09-15",
            "entries": [
                {"ledger": "Purchase", "debit": "2000"},
                {
                    "ledger": "Gupta Suppliers",
                    "credit": "2000",
                    "bills": [{"type": "New Ref", "name": "P-1", "amount": "2000"}],
                },
            ],
        }
    )
    return ledgers


def test_bills_receivable_json_answers_the_issue_shape(billed, api, company):
    url = f"/c/{company.pk}/reports/bills-receivable/?as_of=2026-11-30"
    answer = api.get(url).json()
    assert [
        {k: b[k] for k in ("party", "name", "date", "due_date", "pending", "overdue_days")}
        for b in answer["bills"]
    ] == [
        {
            "party": "Sharma Enterprises",
            "name": "INV-1",
            "date": "2026-10-01",
            "due_date": "2026-10-31",
            "pending": "600.00",
            "overdue_days": 30,
        },
        {
            "party": "Sharma Enterprises",
            "name": "INV-2",
            "date": "2026-11-01",
            "due_date": "2026-11-01",
            "pending": "5000.00",
            "overdue_days": 29,
        },
    ]
    assert answer["total"] == "5600.00"


def test_bills_payable_are_signed_as_the_partys_balance(billed, api, company):
    answer = api.get(f"/c/{company.pk}/reports/bills-payable/?as_of=2026-11-30").json()
    assert [(b["party"], b["name"], b["pending"]) for b in answer["bills"]] == [
        ("Gupta Suppliers", "P-1", "-2000.00")
    ]


def test_as_of_before_a_settlement_shows_the_bill_whole(billed, api, company):
    answer = api.get(f"/c/{company.pk}/reports/bills-receivable/?as_of=2026-11-05").json()
    assert [(b["name"], b["pending"]) for b in answer["bills"]] == [
        ("INV-1", "1000.00"),
        ("INV-2", "5000.00"),
    ]
    before = api.get(f"/c/{company.pk}/reports/bills-receivable/?as_of=2026-10-15").json()
    assert [(b["name"], b["overdue_days"]) for b in before["bills"]] == [("INV-1", 0)]


def test_a_bill_settled_whole_is_not_pending(billed, company, alice, api):
    voucher_create(
        company=company, actor=alice, data=receipt("2026-11-20", [("Agst Ref", "INV-1", "600")])
    )
    answer = api.get(f"/c/{company.pk}/reports/bills-receivable/?as_of=2026-11-30").json()
    assert [b["name"] for b in answer["bills"]] == ["INV-2"]


def test_ledger_outstanding_has_an_on_account_row_and_totals_to_the_balance(billed, api, company):
    party = billed["party"]
    answer = api.get(
        f"/c/{company.pk}/reports/outstanding/ledger/{party.pk}/?as_of=2026-11-30"
    ).json()
    assert [(b["name"], b["pending"]) for b in answer["bills"]] == [
        ("INV-1", "600.00"),
        ("INV-2", "5000.00"),
    ]
    assert (answer["pending"], answer["on_account"], answer["balance"]) == (
        "5600.00",
        "-250.00",
        "5350.00",
    )


def test_ledger_outstanding_page_shows_on_account_and_closing_balance(billed, company, alice):
    from django.test import Client

    browser = Client()
    browser.force_login(alice)
    party = billed["party"]
    html = browser.get(
        f"/c/{company.pk}/reports/outstanding/ledger/{party.pk}/?as_of=2026-11-30"
    ).content.decode()
    assert "On Account" in html and "250.00 Cr" in html
    assert "5,350.00 Dr" in html and "600.00 Dr" in html


def test_group_outstanding_by_name_and_by_id(billed, api, company, alice):
    make_ledger(company, alice, "Verma Stores", "Sundry Debtors", opening_debit="700")
    url = f"/c/{company.pk}/reports/outstanding/group/Sundry Debtors/?as_of=2026-11-30"
    answer = api.get(url).json()
    assert [
        (p["party"], p["pending"], p["on_account"], p["balance"]) for p in answer["parties"]
    ] == [
        ("Sharma Enterprises", "5600.00", "-250.00", "5350.00"),
        # Bill-wise without opening bills: its balance is all On Account.
        ("Verma Stores", "0.00", "700.00", "700.00"),
    ]
    assert answer["balance"] == "6050.00"
    by_id = api.get(
        f"/c/{company.pk}/reports/outstanding/group/{answer['group']['id']}/?as_of=2026-11-30"
    ).json()
    assert by_id == answer
    # Current Assets holds Sundry Debtors (and Cash).
    wider = api.get(f"/c/{company.pk}/reports/outstanding/group/current assets/?as_of=2026-11-30")
    assert {p["party"] for p in wider.json()["parties"]} >= {"Sharma Enterprises", "Verma Stores"}


def test_group_outstanding_of_no_such_group_names_the_field(billed, api, company):
    answer = api.get(f"/c/{company.pk}/reports/outstanding/group/Nobody/")
    assert answer.status_code == 400
    assert "group" in answer.json()["errors"]


def ageing(api, company, query: str) -> dict:
    answer = api.get(f"/c/{company.pk}/reports/ageing/?{query}")
    assert answer.status_code == 200, answer.content
    return answer.json()


@pytest.fixture
def aged(company, alice, ledgers):
    """Bills of 100, 200, 300, 400 and 500 dated 10, 40, 70, 100 and 0 days before 30-Nov, the
    first four due on their date, the last in 45 days."""
    as_of = dt.date(2026, 11, 30)
    for i, days in enumerate((10, 40, 70, 100)):
        day = (as_of - dt.timedelta(days=days)).isoformat()
        voucher_create(
            company=company, actor=alice, data=invoice(f"A-{i}", f"{(i + 1) * 100}", day)
        )
    voucher_create(
        company=company, actor=alice, data=invoice("A-4", "500", "2026-11-30", credit_days=45)
    )


def test_ageing_by_bill_date_in_the_default_slabs(aged, api, company):
    answer = ageing(api, company, "as_of=2026-11-30&by=bill")
    assert [s["label"] for s in answer["slabs"]] == [
        "0–30 days",
        "31–60 days",
        "61–90 days",
        "> 90 days",
    ]
    assert answer["parties"][0]["amounts"] == ["600.00", "200.00", "300.00", "400.00"]
    assert answer["total"] == "1500.00"


def test_ageing_by_due_date_keeps_bills_not_due_apart(aged, api, company):
    answer = ageing(api, company, "as_of=2026-11-30&by=due")
    assert answer["slabs"][0]["label"] == "Not due"
    # A-4 is due on 14-Jan; A-0 is 10 days overdue.
    assert answer["parties"][0]["amounts"] == ["500.00", "100.00", "200.00", "300.00", "400.00"]


def test_ageing_in_slabs_of_ones_own(aged, api, company):
    answer = ageing(api, company, "as_of=2026-11-30&by=bill&slabs=45,120")
    assert [s["label"] for s in answer["slabs"]] == ["0–45 days", "46–120 days", "> 120 days"]
    assert answer["parties"][0]["amounts"] == ["800.00", "700.00", "0.00"]
    assert answer["totals"] == ["800.00", "700.00", "0.00"]


@pytest.mark.parametrize("slabs", ["60,30", "0,30", "a,b", ",", "30,,60"])
def test_slabs_that_do_not_increase_are_refused_naming_the_field(slabs, api, company):
    answer = api.get(f"/c/{company.pk}/reports/ageing/?slabs={slabs}")
    assert answer.status_code == 400
    assert "slabs" in answer.json()["errors"]


def test_slabs_parse_default():
    assert slabs_parse(None) == (30, 60, 90)
    assert slabs_parse(" 15, 45 ") == (15, 45)


def test_ageing_by_is_checked(api, company):
    answer = api.get(f"/c/{company.pk}/reports/ageing/?by=week")
    assert answer.status_code == 400
    assert "by" in answer.json()["errors"]


PAGES = [
    "bills-receivable/",
    "bills-payable/",
    "ageing/?by=bill",
    "outstanding/group/Sundry Debtors/",
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_show_the_region_and_files_download(billed, company, alice, path):
    from django.test import Client

    browser = Client()
    browser.force_login(alice)
    url = f"/c/{company.pk}/reports/{path}"
    page = browser.get(url)
    assert page.status_code == 200
    # Group Outstandings is its group's own region (every balance under it refreshes it).
    region = "group-" if "group" in path else "outstandings"
    assert re.search(rf'id="{region}(\d+-outstanding)?" data-sync-region', page.content.decode())
    joiner = "&" if "?" in path else "?"
    for fmt in ("csv", "xlsx"):
        answer = browser.get(f"{url}{joiner}format={fmt}")
        assert answer.status_code == 200
        body = b"".join(answer.streaming_content)
        assert body
    csv_text = b"".join(browser.get(f"{url}{joiner}format=csv").streaming_content).decode()
    if "receivable" in path or "group" in path:
        assert "Sharma Enterprises" in csv_text


def test_a_viewer_may_read_and_a_stranger_may_not(billed, company, charlie, dave):
    url = f"/c/{company.pk}/reports/bills-receivable/"
    assert client_for(charlie).get(url).status_code == 200
    assert client_for(dave).get(url).status_code in (403, 404)


# -- live ------------------------------------------------------------------------------------


def _refresh(company) -> list[str]:
    change = Change.objects.filter(company=company).select_related("company").last()
    return change_patch(change).refresh


def test_a_receipt_agst_ref_refreshes_the_outstandings_and_a_cash_sale_does_not(
    billed, company, alice
):
    voucher_create(
        company=company, actor=alice, data=receipt("2026-11-20", [("Agst Ref", "INV-2", "100")])
    )
    assert "outstandings" in _refresh(company)
    voucher_create(
        company=company,
        actor=alice,
        data={
            "type": "Sales",
            "date": "2026-11-20",
            "entries": [{"ledger": "Cash", "debit": "10"}, {"ledger": "Sales", "credit": "10"}],
        },
    )
    assert "outstandings" not in _refresh(company)


def test_a_bill_wise_ledgers_change_refreshes_the_outstandings(company, alice, ledgers):
    make_ledger(
        company,
        alice,
        "Verma Stores",
        "Sundry Debtors",
        opening_debit="700",
        opening_bills=[{"name": "OB-1", "date": "2026-03-31", "amount": "700", "side": "Dr"}],
    )
    assert "outstandings" in _refresh(company)
    make_ledger(company, alice, "Office Rent", "Indirect Expenses")
    assert "outstandings" not in _refresh(company)


def test_the_refreshed_region_is_what_a_fresh_get_shows(billed, company, alice, bob):
    from django.test import Client

    from tests.sync.html import by_id, squash

    browser = Client()
    browser.force_login(bob)
    url = f"/c/{company.pk}/reports/bills-receivable/?as_of=2026-11-30"
    before = squash(by_id(browser.get(url).content.decode(), "outstandings").outer)
    voucher_create(
        company=company, actor=alice, data=receipt("2026-11-20", [("Agst Ref", "INV-2", "1000")])
    )
    assert "outstandings" in _refresh(company)
    headers = {"HX-Request": "true", "HX-Target": "outstandings"}
    partial = browser.get(url, headers=headers).content.decode()
    assert "<html" not in partial
    fresh = squash(by_id(browser.get(url).content.decode(), "outstandings").outer)
    assert squash(by_id(partial, "outstandings").outer) == fresh != before
    assert "4,000.00 Dr" in fresh


# -- the property: Σ pending bills + On Account allocations = the party's balance --------------


def _on_account(party_id: int, as_of: dt.date) -> Decimal:
    rows = BillAllocation.objects.filter(
        ledger_id=party_id, kind=BillAllocation.Kind.ON_ACCOUNT, date__lte=as_of
    )
    return rows.aggregate(s=Sum("amount"))["s"] or D(0)


class Draw:
    """Hypothesis's choices, drawn as the books are written (a receipt settles at most what is
    pending when it is drawn)."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def paise(self, most: int) -> Decimal:
        return D(self.data.draw(st.integers(min_value=1, max_value=most))) / 100

    def pick(self, choices: list) -> object:
        return self.data.draw(st.sampled_from(choices))

    def chance(self, percent: int) -> bool:
        return self.data.draw(st.integers(min_value=0, max_value=99)) < percent


def _random_books(post, draw: Draw, days: list[dt.date]) -> None:
    """Sales (New Ref) and receipts (Agst Ref part or whole, On Account, or both) of one party
    on random days, in any order of days."""
    open_bills: dict[str, Decimal] = {}
    for n in range(draw.data.draw(st.integers(min_value=1, max_value=8))):
        day = draw.pick(days).isoformat()
        if not open_bills or draw.chance(45):
            amount = draw.paise(500_00)
            post(invoice(f"S-{n}", str(amount), day))
            open_bills[f"S-{n}"] = amount
            continue
        allocations = []
        if draw.chance(80):
            name = draw.pick(sorted(open_bills))
            whole = draw.chance(40)
            settle = open_bills[name] if whole else draw.paise(int(open_bills[name] * 100))
            allocations.append(("Agst Ref", name, str(settle)))
            open_bills[name] -= settle
            if not open_bills[name]:
                del open_bills[name]
        if not allocations or draw.chance(40):
            allocations.append(("On Account", "", str(draw.paise(100_00))))
        post(receipt(day, allocations))


START = dt.date(2026, 10, 1)
DAYS = [START + dt.timedelta(days=i) for i in range(0, 40, 4)]


class PendingBillsProperties(TestCase):
    """Σ pending bills + On Account allocations = the party's balance (the Trial Balance's), on
    every date, whatever sales and receipts were posted in whatever order of days; and the
    Ledger Outstandings report shows exactly these three figures."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.alice = User.objects.create_user("alice", is_staff=True)
        cls.company = company_create(
            actor=cls.alice, name="Sharma Traders", financial_year_start=FY_START
        )
        cls.party = make_ledger(cls.company, cls.alice, "Sharma Enterprises", "Sundry Debtors")
        make_ledger(cls.company, cls.alice, "Sales", "Sales Accounts")

    @RANDOM_BOOKS
    @given(data=st.data())
    def test_pending_bills_and_on_account_add_up_to_the_balance_on_every_date(self, data):
        company, party = self.company, self.party

        def post(body: dict) -> None:
            voucher_create(company=company, actor=self.alice, data=body)

        _random_books(post, Draw(data), DAYS)
        for as_of in [START - dt.timedelta(days=1), *DAYS, DAYS[-1] + dt.timedelta(days=1)]:
            bills = bills_pending(company_id=company.pk, as_of=as_of, ledger_ids=[party.pk])
            pending = sum((bill.pending for bill in bills), D(0))
            rows = trial_balance_get(company=company, as_of=as_of).rows
            balance = next((row.balance for row in rows if row.ledger.pk == party.pk), D(0))
            on_account = _on_account(party.pk, as_of)
            assert pending + on_account == balance, as_of
            report = ledger_outstanding_get(company=company, ledger=party, as_of=as_of)
            assert (report.pending, report.on_account, report.balance) == (
                pending,
                on_account,
                balance,
            )


# -- reads: a fixed number of queries however many bills and parties ---------------------------

URLS = [
    "bills-receivable/",
    "ageing/",
    "outstanding/group/Sundry Debtors/",
    "outstanding/ledger/{party}/",
]


@pytest.mark.parametrize("path", URLS)
def test_a_report_reads_as_much_for_many_bills_as_for_one(company, alice, ledgers, api, path):
    url = f"/c/{company.pk}/reports/{path.format(party=ledgers['party'].pk)}"

    def counted() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(url).status_code == 200
        return len(queries)

    voucher_create(company=company, actor=alice, data=invoice("ONE", "100", "2026-11-01"))
    counted()  # the first request reads the token's and the server's settings once more
    one = counted()
    make_ledger(company, alice, "Verma Stores", "Sundry Debtors")
    for i in range(6):
        party = "Verma Stores" if i % 2 else "Sharma Enterprises"
        data = invoice(f"MANY-{i}", "100", "2026-11-02", party=party)
        voucher_create(company=company, actor=alice, data=data)
    voucher_create(
        company=company,
        actor=alice,
        data=receipt("2026-11-03", [("Agst Ref", "MANY-0", "50"), ("On Account", "", "5")]),
    )
    assert counted() == one


def test_a_cash_sale_refreshes_an_open_group_outstanding_of_its_cash_ledger(
    billed, company, alice, bob
):
    """Group Outstandings show every ledger's closing balance, bill-wise or not: Cash's sale
    refreshes the region of Current Assets (its group's chain), and what it re-fetches is what
    a fresh page shows."""
    from django.test import Client

    from ledgers.models import Group
    from tests.sync.html import by_id, squash

    group = Group.objects.get(company=company, name="Current Assets")
    region = f"group-{group.pk}-outstanding"
    browser = Client()
    browser.force_login(bob)
    url = f"/c/{company.pk}/reports/outstanding/group/{group.pk}/?as_of=2026-11-30"
    before = squash(by_id(browser.get(url).content.decode(), region).outer)
    voucher_create(
        company=company,
        actor=alice,
        data={
            "type": "Sales",
            "date": "2026-11-20",
            "entries": [{"ledger": "Cash", "debit": "10"}, {"ledger": "Sales", "credit": "10"}],
        },
    )
    assert region in _refresh(company)
    partial = browser.get(url, headers={"HX-Request": "true", "HX-Target": region})
    fresh = squash(by_id(browser.get(url).content.decode(), region).outer)
    assert squash(by_id(partial.content.decode(), region).outer) == fresh != before
