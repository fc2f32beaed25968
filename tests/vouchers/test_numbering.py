"""Voucher numbering (issue 19): numbers handed out by the server in entry order and never
given twice, kept when the date moves within the year, given back when a voucher returns to a
year; prefix and suffix carrying the year; manual numbering with duplicates refused; the
numbering setting itself (owners, an Edit Log entry, JSON and the page)."""

from __future__ import annotations

import pytest

from core.errors import Invalid, NotAllowed, StaleVersion
from editlog.models import Change
from editlog.write import company_write
from tests.conftest import sale
from vouchers.drafts import VoucherDraft
from vouchers.forms import voucher_draft
from vouchers.live import voucher_recorded
from vouchers.models import Voucher, VoucherNumbering, VoucherType
from vouchers.numbering import year_label
from vouchers.services import (
    voucher_alter,
    voucher_create,
    voucher_delete,
    voucher_numbering_alter,
    vouchers_post_many,
)


@pytest.fixture
def sales(company) -> VoucherType:
    return VoucherType.objects.get(company=company, name="Sales")


def numbering(company, alice, sales, **data):
    """Set the numbering at the version it stands at."""
    current = VoucherNumbering.objects.filter(voucher_type=sales).first()
    return voucher_numbering_alter(
        company=company,
        actor=alice,
        voucher_type=sales,
        data=data,
        version=current.version if current else None,
    )


def create(company, alice, **extra) -> Voucher:
    return voucher_create(company=company, actor=alice, data=sale(**extra))


def alter(company, alice, voucher, **data) -> Voucher:
    voucher = Voucher.objects.get(pk=voucher.pk)
    return voucher_alter(
        company=company, actor=alice, voucher=voucher, data=data, version=voucher.version
    )


def test_deleting_sales_no_5_leaves_a_gap_the_next_invoice_is_no_6(company, alice, ledgers):
    """The issue's first defect: the next number came from the vouchers, so No. 5 came back."""
    made = [create(company, alice) for _ in range(5)]
    assert made[-1].number == 5
    voucher_delete(company=company, voucher=made[-1], actor=alice, version=1)
    assert create(company, alice).number == 6


def test_a_date_moved_within_the_year_keeps_its_number(company, alice, ledgers):
    first, second = create(company, alice), create(company, alice)
    moved = alter(company, alice, first, date="2027-03-31")
    assert (moved.number, second.number) == (1, 2)
    assert alter(company, alice, moved, date="2026-04-01").number == 1


def test_a_voucher_moved_into_another_year_and_back_gets_its_own_number_back(
    company, alice, ledgers
):
    """The issue's second defect: 2 → 1 → 9. Into 2027-28 it takes that year's next number;
    back in 2026-27 it is No. 2 again (nobody else was given 2), not the year's next."""
    made = [create(company, alice) for _ in range(8)]
    moved = alter(company, alice, made[1], date="2027-05-01")
    assert (moved.financial_year, moved.number) == (2027, 1)
    back = alter(company, alice, moved, date="2026-12-01")
    assert (back.financial_year, back.number) == (2026, 2)
    assert create(company, alice).number == 9  # the counter never went back
    # 2027-28's No. 1 is a gap now: it is never given again either.
    assert create(company, alice, date="2027-04-02").number == 2


def test_numbers_restart_each_financial_year(company, alice, ledgers):
    assert [create(company, alice).number for _ in range(2)] == [1, 2]
    assert create(company, alice, date="2027-04-01").number == 1


def test_a_prefix_and_suffix_carry_the_financial_year(company, alice, ledgers, sales):
    numbering(company, alice, sales, prefix="INV/{fy}/", width=4)
    voucher = create(company, alice)
    assert (voucher.number, voucher.voucher_no) == (1, "INV/26-27/0001")
    assert str(voucher) == "Sales No. INV/26-27/0001"
    assert voucher.change.after["voucher_no"] == "INV/26-27/0001"
    assert create(company, alice, date="2027-04-01").voucher_no == "INV/27-28/0001"
    numbering(company, alice, sales, suffix="-S")
    later = create(company, alice)
    assert later.voucher_no == "INV/26-27/0002-S"
    # An invoice given out keeps the number it was given.
    assert Voucher.objects.get(pk=voucher.pk).voucher_no == "INV/26-27/0001"


def test_the_live_day_book_row_shows_the_voucher_no(company, alice, ledgers, sales):
    """The row a screen gets is drawn from the Change, as the page draws it from the voucher."""
    numbering(company, alice, sales, prefix="INV/{fy}/", width=4)
    voucher = create(company, alice)
    assert voucher_recorded(voucher.change).voucher_no == "INV/26-27/0001"


def test_a_prefixed_invoice_is_its_bill_and_keeps_its_number_moved_within_the_year(
    company, alice, ledgers, sales
):
    numbering(company, alice, sales, prefix="S/", width=3)
    voucher = create(company, alice)
    assert voucher.change.after["entries"][0]["bills"][0]["name"] == "S/001"
    moved = alter(company, alice, voucher, date="2026-05-01")
    assert moved.voucher_no == "S/001"
    away = alter(company, alice, moved, date="2027-05-01")
    assert away.voucher_no == "S/001"  # 2027-28's first
    assert alter(company, alice, away, date="2026-05-02").voucher_no == "S/001"
    assert create(company, alice).voucher_no == "S/002"


def test_manual_numbering_takes_the_number_typed(company, alice, ledgers, sales):
    numbering(company, alice, sales, method="manual")
    voucher = create(company, alice, number="A-17")
    assert (voucher.voucher_no, voucher.change.after["voucher_no"]) == ("A-17", "A-17")
    assert create(company, alice, number=18).voucher_no == "18"


def test_manual_numbering_needs_a_number(company, alice, ledgers, sales):
    numbering(company, alice, sales, method="manual")
    with pytest.raises(Invalid) as caught:
        create(company, alice)
    assert caught.value.errors == {"number": ["Sales is numbered by hand: enter the Voucher No."]}
    assert not Voucher.objects.filter(company=company).exists()


def test_manual_numbering_refuses_a_number_used_in_the_year(company, alice, ledgers, sales):
    numbering(company, alice, sales, method="manual")
    create(company, alice, number="A-17")
    with pytest.raises(Invalid) as caught:
        create(company, alice, number="a-17")
    assert caught.value.errors == {
        "number": ["Sales No. A-17 already exists in 26-27: a Voucher No. is used once a year."]
    }
    assert Voucher.objects.filter(company=company).count() == 1
    # Another year is another series.
    assert create(company, alice, number="A-17", date="2027-04-01").voucher_no == "A-17"


def test_manual_numbering_an_alteration_may_retype_but_not_to_a_number_in_use(
    company, alice, ledgers, sales
):
    numbering(company, alice, sales, method="manual")
    first = create(company, alice, number="A-1")
    create(company, alice, number="A-2")
    assert alter(company, alice, first, number="A-3").voucher_no == "A-3"
    with pytest.raises(Invalid) as caught:
        alter(company, alice, first, number="A-2")
    assert "Sales No. A-2 already exists" in caught.value.errors["number"][0]
    assert alter(company, alice, first, narration="kept").voucher_no == "A-3"


def test_a_manual_voucher_moved_to_another_year_keeps_its_number_sent_back(
    company, alice, ledgers, sales
):
    """The entry screen sends the Voucher No. it shows with every alteration: moved into a year
    where it held no number, a manual voucher keeps it there (if free), and comes back to it."""
    numbering(company, alice, sales, method="manual")
    moved = create(company, alice, number="S-1")
    moved = alter(company, alice, moved, date="2027-05-01", number="S-1")
    assert (moved.financial_year, moved.voucher_no) == (2027, "S-1")
    back = alter(company, alice, moved, date="2026-11-26", number="S-1")
    assert (back.financial_year, back.voucher_no) == (2026, "S-1")


def test_switching_between_automatic_and_manual_never_gives_a_voucher_no_twice(
    company, alice, ledgers, sales
):
    """Sales No. 1 given automatically cannot be typed again once the type is manual; manual
    "3" and "4", typed while the counter stood at 2 and 3, are passed over when the type is
    automatic again: the counter moves past every Voucher No. the year holds."""
    first = create(company, alice)
    assert first.voucher_no == "1"
    numbering(company, alice, sales, method="manual")
    with pytest.raises(Invalid) as caught:
        create(company, alice, number="1")
    assert "Sales No. 1 already exists in 26-27" in caught.value.errors["number"][0]
    create(company, alice, number="3")  # the counter stands at 2
    create(company, alice, number="4")  # and at 3
    numbering(company, alice, sales, method="automatic")
    assert create(company, alice).voucher_no == "5"
    numbers = Voucher.objects.filter(company=company).values_list("number", "number_text")
    shown = [text or str(number) for number, text in numbers]
    assert sorted(shown) == ["1", "3", "4", "5"]


def test_a_number_typed_for_an_automatic_type_is_only_a_hint(company, alice, ledgers):
    assert create(company, alice, number="99").voucher_no == "1"


def test_a_typed_number_that_cannot_be_one_is_refused_by_the_form(company, ledgers):
    with pytest.raises(Invalid) as caught:
        voucher_draft(company=company, data=sale(number="x" * 41))
    assert caught.value.errors == {"number": ["A Voucher No. has at most 40 characters."]}


def _drafts(company, *numbers) -> list[VoucherDraft]:
    return [voucher_draft(company=company, data=sale(number=n)) for n in numbers]


def test_a_batch_is_numbered_as_one_by_one(company, alice, ledgers, sales):
    numbering(company, alice, sales, prefix="INV/{fy}/", width=4)
    create(company, alice)
    with company_write(company=company, actor=alice) as work:
        posted = vouchers_post_many(work, _drafts(company, None, None))
    assert [v.voucher_no for v in posted] == ["INV/26-27/0002", "INV/26-27/0003"]
    assert [v.voucher_no for v in Voucher.objects.order_by("number")] == [
        "INV/26-27/0001",
        "INV/26-27/0002",
        "INV/26-27/0003",
    ]
    assert create(company, alice).voucher_no == "INV/26-27/0004"


def test_a_manual_batch_refuses_a_number_twice_or_in_use(company, alice, ledgers, sales):
    numbering(company, alice, sales, method="manual")
    create(company, alice, number="B-1")
    for numbers, message in (
        (("B-2", "b-2"), "Voucher No. B-2 is given twice."),
        (
            ("B-3", "B-1"),
            "Sales No. B-1 already exists in 26-27: a Voucher No. is used once a year.",
        ),
        (("B-4", None), "Sales is numbered by hand: enter the Voucher No."),
    ):
        with pytest.raises(Invalid) as caught, company_write(company=company, actor=alice) as work:
            vouchers_post_many(work, _drafts(company, *numbers))
        assert caught.value.errors == {"drafts.0.number": [message]}
    with company_write(company=company, actor=alice) as work:
        posted = vouchers_post_many(work, _drafts(company, "B-2", "B-3"))
    assert [v.voucher_no for v in posted] == ["B-2", "B-3"]


# -- the setting ------------------------------------------------------------------------------


def test_the_numbering_is_recorded_in_the_edit_log(company, alice, sales):
    made = numbering(company, alice, sales, prefix="INV/{fy}/", width=4)
    assert made.change.verb == "create"
    assert made.change.after == {
        "id": sales.pk,
        "type": "Sales",
        "method": "automatic",
        "prefix": "INV/{fy}/",
        "suffix": "",
        "width": 4,
        "version": 1,
    }
    altered = voucher_numbering_alter(
        company=company, actor=alice, voucher_type=sales, data={"width": 5}, version=1
    )
    assert (altered.change.verb, altered.change.before["width"], altered.change.after["width"]) == (
        "alter",
        4,
        5,
    )
    assert altered.prefix == "INV/{fy}/"  # not sent: kept


def test_a_stale_numbering_is_refused(company, alice, sales):
    numbering(company, alice, sales, width=2)
    numbering_v2 = voucher_numbering_alter(
        company=company, actor=alice, voucher_type=sales, data={"width": 3}, version=1
    )
    assert numbering_v2.version == 2
    with pytest.raises(StaleVersion):
        voucher_numbering_alter(
            company=company, actor=alice, voucher_type=sales, data={"width": 4}, version=1
        )


def test_only_owners_set_the_numbering(company, bob, sales):
    with pytest.raises(NotAllowed):
        voucher_numbering_alter(company=company, actor=bob, voucher_type=sales, data={"width": 4})


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"prefix": "INV 1"},
            {
                "prefix": [
                    "Use letters, digits, / and - (and {fy} for the year, 26-27): "
                    "an invoice number holds no other characters."
                ]
            },
        ),
        ({"suffix": "x" * 16}, {"suffix": ["At most 15 characters (this has 16)."]}),
        ({"width": 10}, {"width": ["The width is at most 9."]}),
        ({"width": "four"}, {"width": ["Enter the width as a whole number (4 gives 0001)."]}),
        ({"method": "sometimes"}, {"method": ["Numbering is automatic or manual."]}),
        ({"prefix": "/INV"}, {"prefix": ["A Voucher No. begins with a letter or a digit."]}),
        (
            {"prefix": "SALES/{fy}/", "width": 6},
            {
                "prefix": [
                    "This series' first number, SALES/26-27/000001, has 18 characters: "
                    "an invoice number has at most 16."
                ]
            },
        ),
    ],
)
def test_a_bad_numbering_is_refused_with_its_rule(company, alice, sales, data, errors):
    with pytest.raises(Invalid) as caught:
        numbering(company, alice, sales, **data)
    assert caught.value.errors == errors
    assert not Change.objects.filter(object_type="voucher_numbering").exists()


def test_year_label():
    assert (year_label(2026), year_label(2099)) == ("26-27", "99-00")


# -- HTTP -------------------------------------------------------------------------------------


def test_numbering_json_get_and_post(company, api, sales):
    url = f"/c/{company.pk}/vouchers/types/{sales.pk}/numbering/"
    assert api.get(url, headers={"Accept": "application/json"}).json() == {
        "id": sales.pk,
        "type": "Sales",
        "method": "automatic",
        "prefix": "",
        "suffix": "",
        "width": 0,
        "version": None,
    }
    saved = api.post(url, {"prefix": "INV/{fy}/", "width": 4}, content_type="application/json")
    assert saved.status_code == 200, saved.content
    assert saved.json()["prefix"] == "INV/{fy}/"
    refused = api.post(url, {"width": 40, "version": 1}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"width": ["The width is at most 9."]}
    listed = api.get(f"/c/{company.pk}/vouchers/types/", headers={"Accept": "application/json"})
    assert [row["type"] for row in listed.json()["types"]][:2] == ["Contra", "Payment"]


def test_numbering_page_saves_and_shows_the_example(company, alice, client, sales):
    client.force_login(alice)
    url = f"/c/{company.pk}/vouchers/types/{sales.pk}/numbering/"
    assert client.get(url).status_code == 200
    saved = client.post(url, {"method": "automatic", "prefix": "INV/{fy}/", "width": "4"})
    assert saved.status_code == 302
    page = client.get(url).content.decode()
    assert "INV/26-27/0001" in page
    refused = client.post(url, {"method": "automatic", "prefix": "INV 1", "version": "1"})
    assert refused.status_code == 422
    assert "an invoice number holds no other characters" in refused.content.decode()


def test_the_entry_screen_shows_the_next_voucher_no(company, alice, client, ledgers, sales):
    numbering(company, alice, sales, prefix="INV/{fy}/", width=4)
    client.force_login(alice)
    page = client.get(f"/c/{company.pk}/vouchers/new/?type=sales&date=2026-11-26")
    assert "No. INV/26-27/0001" in page.content.decode()
    numbering(company, alice, sales, method="manual")
    page = client.get(f"/c/{company.pk}/vouchers/new/?type=sales&date=2026-11-26")
    assert 'name="number"' in page.content.decode()


def test_a_numbering_set_refreshes_the_open_voucher_types_lists(company, alice, sales):
    from sync.fragments import change_patch

    saved = numbering(company, alice, sales, prefix="INV/{fy}/")
    assert "voucher-types-list" in change_patch(saved.change).refresh
