"""Item invoices, Stock Journals and Physical Stock (issue 20): the services, the accounting
entries made from the lines (to the paisa), godown splits, refusals naming the field, negative
stock warned or refused, alterations and the Edit Log, the JSON API; NOTES A1–A4's vouchers."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client

from books.services import company_features_set
from core.errors import Invalid
from editlog.models import Change
from editlog.selectors import change_diff_of
from inventory.models import Godown, StockItem, StockLine
from inventory.moves import MoveKind, moves_read
from inventory.services import (
    godown_create,
    godown_delete,
    stock_item_create,
    stock_item_delete,
    unit_create,
)
from inventory.voucher_services import stock_voucher_alter, stock_voucher_create
from tests.conftest import make_ledger
from vouchers.models import Entry, Voucher
from vouchers.services import voucher_cancel, voucher_delete

pytestmark = pytest.mark.django_db

D = Decimal
APR = {day: dt.date(2026, 4, day).isoformat() for day in range(1, 31)}


@pytest.fixture
def stock(company, alice, ledgers):
    """NOTES A.4's Steel Bowl (Nos; 100 @ 50 opening in Main Location), a godown WH-B, and
    Flour and Sugar (kg, 3 decimals) and Biscuits (pkt) for A4's manufacture."""
    unit_create(company=company, actor=alice, data={"symbol": "Nos"})
    unit_create(company=company, actor=alice, data={"symbol": "kg", "decimal_places": 3})
    unit_create(company=company, actor=alice, data={"symbol": "pkt"})
    godown_create(company=company, actor=alice, data={"name": "WH-B"})
    opening = [{"godown": "Main Location", "quantity": "100", "rate": "50"}]
    items = {
        "bowl": stock_item_create(
            company=company,
            actor=alice,
            data={"name": "Steel Bowl", "unit": "Nos", "opening": opening},
        )
    }
    for key, name, unit, quantity, rate in (
        ("flour", "Flour", "kg", "100", "40"),
        ("sugar", "Sugar", "kg", "50", "50"),
        ("biscuits", "Biscuits", "pkt", None, None),
    ):
        data = {"name": name, "unit": unit}
        if quantity:
            data["opening"] = [{"godown": "Main Location", "quantity": quantity, "rate": rate}]
        items[key] = stock_item_create(company=company, actor=alice, data=data)
    return items


def post(company, actor, **data):
    return stock_voucher_create(company=company, actor=actor, data=data)


def refused(company, actor, **data) -> dict[str, list[str]]:
    before = (Voucher.objects.count(), StockLine.objects.count(), Change.objects.count())
    with pytest.raises(Invalid) as refusal:
        post(company, actor, **data)
    after = (Voucher.objects.count(), StockLine.objects.count(), Change.objects.count())
    assert after == before  # nothing written
    return refusal.value.errors


def entries(voucher) -> list[tuple[str, Decimal]]:
    rows = Entry.objects.filter(voucher=voucher).order_by("position")
    return [(e.ledger.name, e.amount) for e in rows.select_related("ledger")]


def quantities(company) -> dict[tuple[str, str], Decimal]:
    """Each item's quantity per godown as of all dates, replaying the moves."""
    names = dict(StockItem.objects.values_list("pk", "name"))
    godowns = dict(Godown.objects.values_list("pk", "name"))
    held: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for move in moves_read(company):
        key = (names[move.item_id], godowns[move.godown_id])
        held[key] = move.quantity if move.kind == MoveKind.PHYSICAL else held[key] + move.quantity
    return dict(held)


def sale(**extra):
    line = {"item": "Steel Bowl", "quantity": "150", "rate": "80", "ledger": "Sales"}
    return {
        "type": "Sales",
        "date": APR[10],
        "party": "Sharma Enterprises",
        "items": [line],
        **extra,
    }


# -- NOTES A.4: the worked example's vouchers -----------------------------------------------


def test_the_steel_bowl_vouchers_post_their_entries_and_move_the_stock(
    company, alice, ledgers, stock
):
    p1 = post(
        company, alice, type="Purchase", date=APR[5], party="Gupta Suppliers",
        items=[{"item": "Steel Bowl", "quantity": "200", "rate": "56", "ledger": "Purchase"}],
    )  # fmt: skip
    s1 = post(company, alice, **sale())
    p2 = post(
        company, alice, type="Purchase", date=APR[20], party="Cash",
        items=[{"item": "Steel Bowl", "godown": "WH-B", "quantity": "100", "rate": "62",
                "ledger": "Purchase"}],
    )  # fmt: skip
    s2 = post(
        company, alice, type="Sales", date=APR[25], party="Cash",
        items=[{"item": "Steel Bowl", "quantity": "50", "rate": "85", "ledger": "Sales"}],
    )  # fmt: skip
    sj1 = post(
        company, alice, type="Stock Journal", date=APR[28],
        source=[{"item": "Steel Bowl", "godown": "WH-B", "quantity": "40"}],
        destination=[{"item": "Steel Bowl", "godown": "Main Location", "quantity": "40"}],
    )  # fmt: skip
    assert entries(p1) == [("Gupta Suppliers", D("-11200")), ("Purchase", D("11200"))]
    assert entries(s1) == [("Sharma Enterprises", D("12000")), ("Sales", D("-12000"))]
    assert entries(p2) == [("Cash", D("-6200")), ("Purchase", D("6200"))]
    assert entries(s2) == [("Cash", D("4250")), ("Sales", D("-4250"))]
    assert entries(sj1) == []  # an inventory voucher posts no ledger entries
    # Godowns on 30-Apr (A2): Main 100 + 200 − 150 − 50 + 40 = 140; WH-B 100 − 40 = 60.
    held = quantities(company)
    assert held[("Steel Bowl", "Main Location")] == D("140")
    assert held[("Steel Bowl", "WH-B")] == D("60")
    kinds = [m.kind for m in moves_read(company, item_ids=[stock["bowl"].pk])]
    assert kinds == [
        MoveKind.OPENING,
        MoveKind.PURCHASE,
        MoveKind.SALE,
        MoveKind.PURCHASE,
        MoveKind.SALE,
        MoveKind.TRANSFER,
        MoveKind.TRANSFER,
    ]
    # Outwards at sale value (Stock Summary: 16,250), inwards at cost (17,400).
    values = [m.value for m in moves_read(company, item_ids=[stock["bowl"].pk])]
    assert values == [D("5000"), D("11200"), D("12000"), D("6200"), D("4250"), 0, 0]
    # A3: Main Location counted 137 on 30-Apr.
    post(
        company, alice, type="Physical Stock", date=APR[30],
        items=[{"item": "Steel Bowl", "godown": "Main Location", "quantity": "137"}],
    )  # fmt: skip
    assert quantities(company)[("Steel Bowl", "Main Location")] == D("137")


def test_a_manufacture_consumes_and_produces_with_its_additional_cost(
    company, alice, ledgers, stock
):
    """A4: 10 kg Flour and 2 kg Sugar into 20 pkt Biscuits, additional cost 100."""
    voucher = post(
        company, alice, type="Stock Journal", date=APR[12],
        source=[{"item": "Flour", "quantity": "10"}, {"item": "Sugar", "quantity": "2"}],
        destination=[{"item": "Biscuits", "quantity": "20", "additional_cost": "100"}],
    )  # fmt: skip
    moves = [m for m in moves_read(company) if m.voucher_id == voucher.pk]
    assert [(m.kind, m.quantity, m.value) for m in moves] == [
        (MoveKind.CONSUME, D("-10"), 0),
        (MoveKind.CONSUME, D("-2"), 0),
        (MoveKind.PRODUCE, D("20"), D("100")),
    ]
    shown = voucher.change.after["items"]
    assert shown[2] == {
        "role": "destination", "line": 0, "item": "Biscuits", "godown": "Main Location",
        "quantity": "20", "unit": "pkt", "additional_cost": "100.00",
    }  # fmt: skip


def test_a_transfer_carries_no_additional_cost(company, alice, ledgers, stock):
    errors = refused(
        company, alice, type="Stock Journal", date=APR[12],
        source=[{"item": "Steel Bowl", "quantity": "10"}],
        destination=[{"item": "Steel Bowl", "godown": "WH-B", "quantity": "10",
                      "additional_cost": "5"}],
    )  # fmt: skip
    assert errors == {
        "destination.0.additional_cost": [
            "A transfer (the same quantity of Steel Bowl on both sides) carries no additional cost."
        ]
    }


# -- amounts, ledgers, godowns ----------------------------------------------------------------


def test_amount_is_quantity_times_rate_less_discount_to_the_paisa(company, alice, ledgers, stock):
    voucher = post(
        company, alice, type="Sales", date=APR[10], party="Sharma Enterprises",
        items=[
            {"item": "Flour", "quantity": "2.125", "rate": "33.33", "discount": "0.01",
             "ledger": "Sales"},
            {"item": "Sugar", "quantity": "0.333", "rate": "10.05", "ledger": "Sales"},
        ],
    )  # fmt: skip
    # 2.125 × 33.33 = 70.82625 − 0.01 = 70.81625 → 70.82; 0.333 × 10.05 = 3.34665 → 3.35.
    amounts = [line["amount"] for line in voucher.change.after["items"]]
    assert amounts == ["70.82", "3.35"]
    assert entries(voucher) == [("Sharma Enterprises", D("74.17")), ("Sales", D("-74.17"))]


def test_each_ledger_takes_the_sum_of_its_lines(company, alice, ledgers, stock):
    make_ledger(company, alice, "Export Sales", "Sales Accounts")
    voucher = post(
        company, alice, type="Sales", date=APR[10], party="Sharma Enterprises",
        items=[
            {"item": "Steel Bowl", "quantity": "10", "rate": "80", "ledger": "Sales"},
            {"item": "Flour", "quantity": "5", "rate": "45", "ledger": "Export Sales"},
            {"item": "Sugar", "quantity": "1.5", "rate": "60", "ledger": "Sales"},
        ],
    )  # fmt: skip
    assert entries(voucher) == [
        ("Sharma Enterprises", D("1115")),
        ("Sales", D("-890")),
        ("Export Sales", D("-225")),
    ]


def test_returns_take_the_other_side(company, alice, ledgers, stock):
    credit = post(
        company, alice, type="Credit Note", date=APR[12], party="Sharma Enterprises",
        items=[{"item": "Steel Bowl", "quantity": "5", "rate": "80", "ledger": "Sales"}],
    )  # fmt: skip
    debit = post(
        company, alice, type="Debit Note", date=APR[12], party="Gupta Suppliers",
        items=[{"item": "Steel Bowl", "quantity": "3", "rate": "50", "ledger": "Purchase"}],
    )  # fmt: skip
    assert entries(credit) == [("Sharma Enterprises", D("-400")), ("Sales", D("400"))]
    assert entries(debit) == [("Gupta Suppliers", D("150")), ("Purchase", D("-150"))]
    moves = {m.kind: m.quantity for m in moves_read(company) if m.voucher_id}
    assert moves == {MoveKind.SALE_RETURN: D("5"), MoveKind.PURCHASE_RETURN: D("-3")}


def test_one_purchase_line_split_across_godowns(company, alice, ledgers, stock):
    voucher = post(
        company, alice, type="Purchase", date=APR[5], party="Gupta Suppliers",
        items=[{"item": "Flour", "quantity": "1000", "rate": "33.33", "ledger": "Purchase",
                "godowns": [{"godown": "Main Location", "quantity": "300"},
                            {"godown": "WH-B", "quantity": "700"}]}],
    )  # fmt: skip
    rows = StockLine.objects.filter(voucher=voucher).order_by("position")
    assert [(r.line, r.godown.name, r.quantity, r.amount) for r in rows] == [
        (0, "Main Location", D("300"), D("9999.00")),
        (0, "WH-B", D("700"), D("23331.00")),
    ]
    assert entries(voucher) == [("Gupta Suppliers", D("-33330")), ("Purchase", D("33330"))]
    held = quantities(company)
    assert (held[("Flour", "Main Location")], held[("Flour", "WH-B")]) == (D("400"), D("700"))


def test_a_split_must_add_up_to_the_line(company, alice, ledgers, stock):
    errors = refused(
        company, alice, type="Purchase", date=APR[5], party="Gupta Suppliers",
        items=[{"item": "Flour", "quantity": "1000", "rate": "30", "ledger": "Purchase",
                "godowns": [{"godown": "Main Location", "quantity": "300"},
                            {"godown": "WH-C", "quantity": "600"}]}],
    )  # fmt: skip
    assert errors == {"items.0.godowns.1.godown": ["No godown 'WH-C'."]}
    errors = refused(
        company, alice, type="Purchase", date=APR[5], party="Gupta Suppliers",
        items=[{"item": "Flour", "quantity": "1000", "rate": "30", "ledger": "Purchase",
                "godowns": [{"godown": "Main Location", "quantity": "300"},
                            {"godown": "WH-B", "quantity": "600"}]}],
    )  # fmt: skip
    assert errors == {
        "items.0.godowns": ["The godowns' quantities add up to 900, not the line's 1000."]
    }


# -- refusals -----------------------------------------------------------------------------------


def test_refusals_name_the_field_and_write_nothing(company, alice, ledgers, stock):
    line = {"item": "Steel Bowl", "quantity": "1", "rate": "80", "ledger": "Sales"}
    errors = refused(
        company, alice, type="Sales", date=APR[10], party="Nobody",
        items=[line, {**line, "item": "Teapot"}, {**line, "quantity": "2.5"},
               {**line, "rate": "1", "discount": "5"}, {**line, "ledger": ""}],
    )  # fmt: skip
    assert errors == {
        "party": ["No party ledger 'Nobody'."],
        "items.1.item": ["No stock item 'Teapot'."],
        "items.2.quantity": ["Nos takes whole numbers: 2.5 has 1."],
        "items.3.discount": [
            "The line's amount (quantity × rate − discount) must be more than zero."
        ],
        "items.4.ledger": ["Choose a ledger."],
    }


def test_what_a_voucher_type_takes(company, alice, ledgers, stock):
    assert refused(company, alice, **sale(type="Receipt")) == {
        "type": [
            "Stock lines go on a Sales, Purchase, Credit Note, Debit Note, Stock Journal or "
            "Physical Stock, not a Receipt."
        ]
    }
    assert refused(company, alice, **sale(items=[])) == {
        "items": ["Enter at least one stock item."]
    }
    assert refused(company, alice, **sale(entries=[{"ledger": "Cash", "debit": "1"}])) == {
        "entries": ["The entries are made from the stock lines: send the lines only."]
    }
    assert refused(company, alice, **sale(date=None)) == {"date": ["Enter the date."]}
    assert refused(company, alice, **sale(date="2026-03-31"))["date"]  # before the books begin


def test_an_inventory_voucher_takes_no_ledger_entries(company, alice, ledgers, stock):
    from vouchers.services import voucher_create

    entries_sent = [
        {"ledger": "Cash", "debit": "10"},
        {"ledger": "Sharma Enterprises", "credit": "10"},
    ]
    with pytest.raises(Invalid) as refusal:
        voucher_create(
            company=company,
            actor=alice,
            data={"type": "Stock Journal", "date": APR[12], "entries": entries_sent},
        )
    assert refusal.value.errors == {
        "entries": ["A Stock Journal moves stock and posts no ledger entries."]
    }


def test_a_physical_count_of_nothing_is_a_count(company, alice, ledgers, stock):
    post(
        company, alice, type="Physical Stock", date=APR[30],
        items=[{"item": "Sugar", "quantity": "0"}],
    )  # fmt: skip
    assert quantities(company)[("Sugar", "Main Location")] == 0


# -- negative stock ---------------------------------------------------------------------------


def test_negative_stock_is_warned_of(company, alice, ledgers, stock, api):
    voucher = post(company, alice, **sale())  # 100 in Main Location, 150 sold
    assert voucher.change.warnings == [
        "Steel Bowl in Main Location will be -50 Nos after this voucher"
    ]
    # A purchase into it warns of nothing, though the stock is still below zero.
    bought = post(
        company, alice, type="Purchase", date=APR[11], party="Gupta Suppliers",
        items=[{"item": "Steel Bowl", "quantity": "10", "rate": "56", "ledger": "Purchase"}],
    )  # fmt: skip
    assert bought.change.warnings == []
    answer = api.post(
        f"/c/{company.pk}/vouchers/",
        sale(items=[{"item": "Steel Bowl", "quantity": "1", "rate": "80", "ledger": "Sales"}]),
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["warnings"] == [
        "Steel Bowl in Main Location will be -41 Nos after this voucher"
    ]


def test_negative_stock_is_refused_when_the_company_says_so(company, alice, ledgers, stock):
    company_features_set(company=company, actor=alice, data={"refuse_negative_stock": True})
    errors = refused(
        company, alice, type="Sales", date=APR[10], party="Sharma Enterprises",
        items=[{"item": "Flour", "quantity": "1", "rate": "45", "ledger": "Sales"},
               {"item": "Steel Bowl", "quantity": "101", "rate": "80", "ledger": "Sales"}],
    )  # fmt: skip
    assert errors == {
        "items.1.quantity": [
            "Steel Bowl in Main Location will be -1 Nos after this voucher: the company "
            "refuses negative stock."
        ]
    }
    # A later sale counts against every date: a back-dated sale sees it too.
    post(company, alice, **sale(date=APR[20], items=[
        {"item": "Steel Bowl", "quantity": "100", "rate": "80", "ledger": "Sales"}]))  # fmt: skip
    assert "items.0.quantity" in refused(
        company, alice,
        **sale(date=APR[5], items=[{"item": "Steel Bowl", "quantity": "1", "rate": "80",
                                    "ledger": "Sales"}]),
    )  # fmt: skip
    # A transfer out of a godown with none is refused on its source line.
    errors = refused(
        company, alice, type="Stock Journal", date=APR[28],
        source=[{"item": "Flour", "godown": "WH-B", "quantity": "1"}],
        destination=[{"item": "Flour", "quantity": "1"}],
    )  # fmt: skip
    assert list(errors) == ["source.0.quantity"]


# -- alteration, cancellation, deletion, the Edit Log ------------------------------------------


def test_an_alteration_replaces_the_lines_and_the_edit_log_shows_them(
    company, alice, ledgers, stock
):
    voucher = post(company, alice, **sale())
    altered = stock_voucher_alter(
        company=company, voucher=voucher, actor=alice, version=1,
        data={"items": [{"item": "Steel Bowl", "quantity": "60", "rate": "80", "ledger": "Sales"}]},
    )  # fmt: skip
    assert entries(altered) == [("Sharma Enterprises", D("4800")), ("Sales", D("-4800"))]
    assert altered.change.warnings == []  # 100 − 60 stays above zero
    assert quantities(company)[("Steel Bowl", "Main Location")] == D("40")
    diff = {row.label: row for row in change_diff_of(altered.change)}
    assert '"quantity": "150"' in diff["Items"].before
    assert '"quantity": "60"' in diff["Items"].after
    # A narration alone keeps the lines, and its Change shows no change of items.
    again = stock_voucher_alter(
        company=company, voucher=altered, actor=alice, version=2, data={"narration": "Rush"}
    )
    assert StockLine.objects.get(voucher=again).quantity == D("-60")
    assert [row.label for row in change_diff_of(again.change)] == ["Narration"]


def test_a_split_line_comes_back_whole_in_an_alteration(company, alice, ledgers, stock):
    voucher = post(
        company, alice, type="Purchase", date=APR[5], party="Gupta Suppliers",
        items=[{"item": "Flour", "quantity": "10", "rate": "40", "discount": "3",
                "ledger": "Purchase",
                "godowns": [{"godown": "Main Location", "quantity": "4"},
                            {"godown": "WH-B", "quantity": "6"}]}],
    )  # fmt: skip
    again = stock_voucher_alter(
        company=company, voucher=voucher, actor=alice, version=1, data={"date": APR[6]}
    )
    assert again.change.after["items"] == voucher.change.after["items"]
    assert (
        entries(again)
        == entries(voucher)
        == [
            ("Gupta Suppliers", D("-397")),
            ("Purchase", D("397")),
        ]
    )


def test_cancelled_and_deleted_vouchers_move_nothing(company, alice, ledgers, stock):
    first = post(company, alice, **sale())
    second = post(company, alice, **sale(date=APR[11]))
    voucher_cancel(company=company, voucher=first, actor=alice, version=1)
    voucher_delete(company=company, voucher=second, actor=alice, version=1)
    assert [m.kind for m in moves_read(company, item_ids=[stock["bowl"].pk])] == [MoveKind.OPENING]
    assert not StockLine.objects.filter(voucher_id=second.pk).exists()


def test_an_item_or_godown_in_a_voucher_is_not_deleted(company, alice, ledgers, stock):
    post(
        company, alice, type="Stock Journal", date=APR[12],
        source=[{"item": "Biscuits", "godown": "WH-B", "quantity": "1"}],
    )  # fmt: skip
    with pytest.raises(Invalid) as refusal:
        stock_item_delete(company=company, item=stock["biscuits"], actor=alice, version=1)
    assert refusal.value.errors == {"__all__": ["Biscuits is used in 1 voucher."]}
    wh_b = Godown.objects.get(company=company, name="WH-B")
    with pytest.raises(Invalid) as refusal:
        godown_delete(company=company, godown=wh_b, actor=alice, version=1)
    assert refusal.value.errors == {"__all__": ["WH-B is used in vouchers."]}


# -- the JSON API on the vouchers' own URLs -----------------------------------------------------


def test_the_json_api_posts_reads_and_alters_an_item_invoice(company, ledgers, stock, api):
    url = f"/c/{company.pk}/vouchers/"
    made = api.post(url, sale(), content_type="application/json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["items"][0]["amount"] == "12000.00"
    assert body["entries"][0]["debit"] == "12000.00"
    read = api.get(f"{url}{body['id']}/")
    assert read.json()["items"] == body["items"]
    bad = api.patch(
        f"{url}{body['id']}/",
        {"version": 1, "items": [{"item": "Steel Bowl", "quantity": "-3", "rate": "80",
                                  "ledger": "Sales"}]},
        content_type="application/json",
    )  # fmt: skip
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["items.0.quantity"]
    # The accounting Alteration screen's rows do not alter an item invoice's entries.
    page = Client()
    page.force_login(User.objects.get(username="alice"))
    typed = {"version": "1", "entries-0-ledger": "Cash", "entries-0-side": "dr",
             "entries-0-amount": "5", "entries-1-ledger": "Sales", "entries-1-side": "cr",
             "entries-1-amount": "5"}  # fmt: skip
    refused_page = page.post(f"{url}{body['id']}/", typed)
    assert refused_page.status_code == 422
    assert "The entries are made from the stock lines" in refused_page.content.decode()
    assert Voucher.objects.get(pk=body["id"]).version == 1


# -- live screens ---------------------------------------------------------------------------


def test_a_voucher_with_items_makes_the_stock_reports_stale(company, alice, ledgers, stock):
    from sync.fragments import change_patch
    from vouchers.services import voucher_create

    stale = {"stock-summary", "stock-item-vouchers", "profit-loss", "balance-sheet"}
    voucher = post(company, alice, **sale())
    change = Change.objects.select_related("company").get(seq=voucher.change.seq, company=company)
    patch = change_patch(change)
    assert stale <= set(patch.refresh)
    assert f"voucher-{voucher.pk}-view" in patch.refresh
    voucher_cancel(company=company, voucher=voucher, actor=alice, version=1)
    cancelled = Change.objects.select_related("company").filter(company=company).last()
    assert stale <= set(change_patch(cancelled).refresh)  # its stock went back
    plain = voucher_create(
        company=company,
        actor=alice,
        data={
            "type": "Receipt",
            "date": APR[10],
            "entries": [
                {"ledger": "Cash", "debit": "10"},
                {"ledger": "Sharma Enterprises", "credit": "10"},
            ],
        },
    )
    change = Change.objects.select_related("company").get(seq=plain.change.seq, company=company)
    assert not {"stock-summary", "stock-item-vouchers"} & set(change_patch(change).refresh)


# -- the entry screen (Item Invoice mode) -------------------------------------------------------


def test_the_item_invoice_screen_saves_its_lines_and_shows_refusals_on_them(
    company, alice, charlie, ledgers, stock
):
    from django.test import Client

    browser = Client()
    browser.force_login(alice)
    url = f"/c/{company.pk}/inventory/vouchers/new/"
    page = browser.get(url)
    assert page.status_code == 200
    assert b"Voucher Creation" in page.content and b'<option value="Steel Bowl">' in page.content
    typed = {
        "type": "Sales", "date": "10-4-2026", "party": "Sharma Enterprises",
        "items-0-item": "Steel Bowl", "items-0-quantity": "150", "items-0-rate": "80",
        "items-0-ledger": "Sales",
        "items-1-item": "Flour", "items-1-godown": "Main Location", "items-1-quantity": "2.5",
        "items-1-rate": "45", "items-1-ledger": "Sales",
    }  # fmt: skip
    saved = browser.post(url, typed, follow=True)
    assert saved.status_code == 200
    shown = saved.content.decode()
    assert "Sales No. 1 saved." in shown
    assert "Steel Bowl in Main Location will be -50 Nos after this voucher" in shown
    (voucher,) = Voucher.objects.filter(company=company)
    assert entries(voucher) == [("Sharma Enterprises", D("12112.50")), ("Sales", D("-12112.50"))]
    refused_page = browser.post(url, {**typed, "items-1-quantity": "2.50001"})
    assert refused_page.status_code == 400
    assert "A quantity has at most 4 decimals." in refused_page.content.decode()
    assert Voucher.objects.filter(company=company).count() == 1
    viewer = Client()
    viewer.force_login(charlie)
    assert viewer.get(url).status_code == 403
