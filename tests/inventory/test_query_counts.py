"""The queries a stock item's save costs, counted exactly as ledgers' and vouchers' are (see
tests/ledgers/test_query_counts.py): a change that adds one fails here and must say why."""

from __future__ import annotations

import pytest

from inventory.models import StockItem
from inventory.services import (
    stock_item_alter,
    stock_item_create,
    stock_item_delete,
    unit_create,
)

pytestmark = pytest.mark.django_db

NEW = {
    "name": "Steel Bowl",
    "unit": "Nos",
    "opening": [{"godown": "Main Location", "quantity": "200", "rate": "56"}],
}

# create: the unit, name taken?, the opening's godown (the draft, before the lock), savepoint,
# the membership (SQLite's write lock is the company lock), name taken? again, item, its
# opening rows (one insert), the snapshot's opening rows, Change, last_seq/last_hash, release.
# alter and delete: savepoint, membership, the edit lock, the item re-read with its unit and
# group, its opening rows (snapshot), the version bump; then alter: the item's fields, the
# snapshot's rows, Change, the edit lock let go, last_seq/last_hash, release; delete: Change,
# the edit lock let go, the opening rows, the item's Tally identity (tallyxml's TallyKey: the
# key goes with its record, so importing the item again creates it again) and the item
# deleted, last_seq/last_hash, release; and before it, whether a voucher's stock line names the
# item (then it is refused).
SERVICE = {"create": 12, "alter": 12, "delete": 14}


@pytest.fixture
def nos(company, alice):
    return unit_create(company=company, actor=alice, data={"symbol": "Nos"})


def test_a_stock_items_saves_cost_what_they_cost(
    company, alice, nos, config_cached, django_assert_num_queries
):
    with django_assert_num_queries(SERVICE["create"]):
        item = stock_item_create(company=company, actor=alice, data=NEW)
    with django_assert_num_queries(SERVICE["alter"]):
        item = stock_item_alter(
            company=company, item=item, actor=alice, data={"hsn_sac": "7323"}, version=1
        )
    with django_assert_num_queries(SERVICE["delete"]):
        stock_item_delete(company=company, item=item, actor=alice, version=2)
    assert not StockItem.objects.exists()


def test_a_json_creation_adds_the_token_the_membership_and_the_answer(
    company, alice, nos, api, config_cached, save_counted
):
    api.get(f"/c/{company.pk}/inventory/units/")  # the token's use noted (once a minute)
    # + token, membership (member_view), the answer's item, its opening rows
    with save_counted(request=SERVICE["create"] + 4):
        answer = api.post(f"/c/{company.pk}/inventory/items/", NEW, content_type="application/json")
    assert answer.status_code == 201
