"""A voucher's parts (`vouchers.parts`): an app above vouchers writes its rows in the voucher's
own save and registers how they are read; the Change, the API and a re-read show them."""

from __future__ import annotations

from typing import Any

import pytest

from editlog.models import Change
from editlog.write import company_write
from tests.conftest import sale
from vouchers.drafts import Line, VoucherDraft
from vouchers.models import Voucher, VoucherType
from vouchers.parts import VoucherPart, _parts, voucher_part_register, voucher_parts_read
from vouchers.selectors import voucher_json
from vouchers.services import voucher_cancel, voucher_post, voucher_repost
from vouchers.snapshots import voucher_snapshot

# The part's rows: a stand-in for an app's table (voucher id → its part).
ROWS: dict[int, Any] = {}


@pytest.fixture
def stamp_part():
    """A part named "stamp"."""
    ROWS.clear()
    voucher_part_register(
        VoucherPart(name="stamp", read=lambda ids: {i: ROWS[i] for i in ids if i in ROWS})
    )
    yield
    _parts.pop("stamp")


def _stamped(text: str):
    def write(voucher: Voucher) -> dict[str, Any]:
        ROWS[voucher.pk] = {"text": text}
        return {"stamp": ROWS[voucher.pk]}

    return write


def _sale_draft(company, ledgers, amount: str = "500.00") -> VoucherDraft:
    from decimal import Decimal

    return VoucherDraft(
        voucher_type=VoucherType.objects.get(company=company, name="Sales"),
        date=company.books_beginning,
        narration="",
        lines=[
            Line(ledger=ledgers["party"], amount=Decimal(amount)),
            Line(ledger=ledgers["sales"], amount=-Decimal(amount)),
        ],
    )


def test_a_part_goes_into_the_change_the_api_and_a_reread(company, alice, ledgers, stamp_part):
    with company_write(company=company, actor=alice) as work:
        voucher = voucher_post(work, _sale_draft(company, ledgers), part=_stamped("first"))
    change = Change.objects.get(seq=voucher.change.seq, company=company)
    assert change.after["stamp"] == {"text": "first"}
    voucher = Voucher.objects.select_related("voucher_type").get(pk=voucher.pk)
    assert voucher.parts_kept == ["stamp"]
    assert voucher_snapshot(voucher)["stamp"] == {"text": "first"}
    assert voucher_json(voucher)["stamp"] == {"text": "first"}


def test_an_alteration_shows_the_part_before_and_after(company, alice, ledgers, stamp_part):
    with company_write(company=company, actor=alice) as work:
        voucher = voucher_post(work, _sale_draft(company, ledgers), part=_stamped("first"))
    with company_write(company=company, actor=alice) as work:
        voucher = Voucher.objects.select_related("voucher_type").get(pk=voucher.pk)
        work.bump(voucher, voucher.version)
        voucher = voucher_repost(
            work, voucher, VoucherDraft(narration="again"), part=_stamped("second")
        )
    change = Change.objects.get(seq=voucher.change.seq, company=company)
    assert change.before["stamp"] == {"text": "first"}
    assert change.after["stamp"] == {"text": "second"}


def test_a_cancelled_voucher_shows_no_part(company, alice, ledgers, stamp_part):
    with company_write(company=company, actor=alice) as work:
        voucher = voucher_post(work, _sale_draft(company, ledgers), part=_stamped("first"))
    voucher = voucher_cancel(company=company, voucher=voucher, actor=alice, version=1)
    change = Change.objects.get(seq=voucher.change.seq, company=company)
    assert change.before["stamp"] == {"text": "first"}
    assert "stamp" not in change.after
    assert voucher_parts_read([voucher]) == {}


def test_a_voucher_whose_save_wrote_no_part_is_never_read_for_one(
    company, alice, ledgers, stamp_part, django_assert_num_queries
):
    from vouchers.services import voucher_create

    receipt = voucher_create(
        company=company,
        actor=alice,
        data={
            **sale(),
            "type": "Receipt",
            "entries": [
                {"ledger": "Cash", "debit": "10.00"},
                {"ledger": "Sharma Enterprises", "credit": "10.00"},
            ],
        },
    )
    ROWS[receipt.pk] = {"text": "never read"}
    assert receipt.part_names == ""
    with django_assert_num_queries(0):
        assert voucher_parts_read([receipt]) == {}


@pytest.fixture
def stamp_body(stamp_part):
    """A body "stamp" posted on the vouchers' own endpoint: a sale with its stamp."""
    from vouchers.parts import VoucherBody, _bodies, voucher_body_register
    from vouchers.services import voucher_alter

    def create(*, company, actor, data, request_key=None):
        plain = {k: v for k, v in data.items() if k != "stamp"}
        with company_write(company=company, actor=actor) as work:
            from vouchers.forms import voucher_draft

            draft = voucher_draft(company=company, data=plain)
            return voucher_post(work, draft, part=_stamped(data["stamp"]))

    def alter(*, company, voucher, actor, data, version, request_key=None):
        ROWS[voucher.pk] = {"text": data.get("stamp", "altered by the app")}
        return voucher_alter(
            company=company,
            voucher=voucher,
            actor=actor,
            data={k: v for k, v in data.items() if k != "stamp"},
            version=version,
        )

    voucher_body_register(VoucherBody(key="stamp", part="stamp", create=create, alter=alter))
    yield
    _bodies.pop("stamp")


def test_a_body_is_posted_by_its_app_and_its_voucher_altered_by_it(
    company, ledgers, api, stamp_body
):
    url = f"/c/{company.pk}/vouchers/"
    made = api.post(url, {**sale(), "stamp": "by the app"}, content_type="application/json")
    assert made.status_code == 201, made.content
    voucher_id = made.json()["id"]
    assert made.json()["stamp"] == {"text": "by the app"}
    # A plain body on a voucher the app made still goes to the app.
    altered = api.patch(
        f"{url}{voucher_id}/",
        {"narration": "changed", "version": 1},
        content_type="application/json",
    )
    assert altered.status_code == 200, altered.content
    assert ROWS[voucher_id] == {"text": "altered by the app"}
    plain = api.post(url, sale(), content_type="application/json")
    assert "stamp" not in plain.json()
