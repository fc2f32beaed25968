"""The queries an item invoice's save costs, counted exactly (as tests/vouchers/test_query_counts
.py counts a voucher's): a change that adds one fails here and must say why."""

from __future__ import annotations

import pytest

from companies.models import Company
from inventory.services import stock_item_create, unit_create
from inventory.voucher_services import stock_voucher_alter, stock_voucher_create

pytestmark = pytest.mark.django_db

LINE = {"item": "Steel Bowl", "quantity": "10", "rate": "80", "ledger": "Sales"}
SALE = {"type": "Sales", "date": "2026-04-10", "party": "Cash", "items": [LINE]}

# Before the lock, the draft: the items, the godowns (with Main Location) and the ledgers the
# body names (3). Under it: savepoint, membership, the number (upsert), voucher, entries, the
# ledger totals (UPDATE) and day rows (one upsert), the stock lines (one INSERT), negative
# stock (the items' openings and lines: 2), the voucher's part names, Change,
# last_seq/last_hash, release = 17, however many lines.
CREATE = 17
# An alteration reads the voucher's lines and party (2) and the draft's (3) before the lock;
# under it: savepoint, membership, edit lock, the voucher re-read and its version bumped, the
# lines it replaces (as moves, and its part for the Change's `before`: 2), its entries, the
# entries deleted, the voucher saved, the new entries, totals (UPDATE, day upsert, zero days
# deleted), the stock lines deleted and inserted, negative stock (2), Change, the edit lock
# let go, last_seq/last_hash, release = 27.
ALTER = 27


@pytest.fixture
def bowl(company, alice, ledgers):
    unit_create(company=company, actor=alice, data={"symbol": "Nos"})
    opening = [{"godown": "Main Location", "quantity": "100", "rate": "50"}]
    data = {"name": "Steel Bowl", "unit": "Nos", "opening": opening}
    return stock_item_create(company=company, actor=alice, data=data)


def fresh(company):
    """The company as a request reads it (its Edit Log's last seq as it is)."""
    return Company.objects.get(pk=company.pk)


def test_an_item_invoices_save_costs_what_it_costs(
    company, alice, bowl, config_cached, django_assert_num_queries
):
    stock_voucher_create(company=fresh(company), actor=alice, data=SALE)  # types kept
    read = fresh(company)
    with django_assert_num_queries(CREATE):
        voucher = stock_voucher_create(company=read, actor=alice, data=SALE)
    read = fresh(company)
    with django_assert_num_queries(CREATE):
        stock_voucher_create(company=read, actor=alice, data={**SALE, "items": [LINE] * 20})
    read = fresh(company)
    with django_assert_num_queries(ALTER):
        stock_voucher_alter(
            company=read,
            voucher=voucher,
            actor=alice,
            data={"items": [LINE, LINE]},
            version=1,
        )


def test_a_stale_draft_is_made_again_under_the_lock(
    company, alice, bowl, config_cached, django_assert_num_queries
):
    """The Edit Log moved between the draft's reads and the lock (the fixture's company is as
    it was before the item was made): the draft's items, godowns and ledgers are read again
    (3), and the lines' ledgers for the posting (1)."""
    stock_voucher_create(company=fresh(company), actor=alice, data=SALE)
    with django_assert_num_queries(CREATE + 4):
        stock_voucher_create(company=company, actor=alice, data=SALE)
