"""Property: the group totals a hub keeps per company (`ledgers.live.BalanceBook`, advanced from
each batch of Changes) equal a fresh `group_sums_get` after any sequence of saves, and the
fragments rendered from the kept state equal those the old way rendered (every read fresh:
the voucher, the touched ledgers, the sums of every ledger of the company) — Zulip's
verify_action: state + applied events == a fresh fetch.

The company's books begin in 2025-26 and today is held in 2026-27 (the vouchers are dated in
both years), so the financial-year rule is in play:
income and expense ledgers count from 1 April, Profit & Loss A/c carries the earlier results,
and a Stock-in-Hand ledger opens the year at its closing value.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db.models import Q
from django.template.loader import render_to_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from books.services import company_create
from companies.models import Company
from core.errors import DomainError, NotFound
from core.money import format_balance
from core.records import LiveState, Patch
from core.templatetags.tally import dom_id
from editlog.models import Change
from ledgers.live import BOOK, FINAL_ACCOUNTS
from ledgers.models import Ledger
from ledgers.selectors import (
    PROFIT_AND_LOSS_LEDGER,
    chart_build,
    group_list,
    group_sums_get,
    ledger_list,
)
from ledgers.services import closing_stock_set, ledger_alter, ledger_create, ledger_delete
from sync.fragments import _activity_patch, change_patch, changes_note
from sync.replay import frames_after
from tests.conftest import make_ledger, sale
from vouchers.live import gone_patch, register_region
from vouchers.models import Voucher
from vouchers.selectors import voucher_get
from vouchers.services import voucher_alter, voucher_cancel, voucher_create, voucher_delete

BOOKS_BEGIN = dt.date(2025, 4, 1)
TODAY = dt.date(2026, 11, 26)  # in the books' second year: it carries the first's results
LEDGERS = {  # key: (name, group)
    "party": ("Sharma Enterprises", "Sundry Debtors"),
    "sales": ("Sales", "Sales Accounts"),
    "rent": ("Rent", "Indirect Expenses"),
    "bank": ("HDFC Bank", "Bank Accounts"),
    "stock": ("Godown Stock", "Stock-in-Hand"),
    "capital": ("Capital", "Capital Account"),
}
GROUPS = [
    "Sundry Debtors",
    "Sales Accounts",
    "Indirect Expenses",
    "Current Assets",
    "Capital Account",
]

amounts = st.decimals(min_value=Decimal("1"), max_value=Decimal("99999.99"), places=2)
dates = st.dates(min_value=BOOKS_BEGIN, max_value=dt.date(2027, 3, 31))
pair = st.lists(st.sampled_from(list(LEDGERS)), min_size=2, max_size=2, unique=True)
picks = st.integers(min_value=0, max_value=20)
operations = st.one_of(
    st.tuples(st.just("create"), pair, amounts, dates),
    st.tuples(st.just("create"), pair, amounts, dates),
    st.tuples(st.just("alter"), picks, pair, amounts, dates),
    st.tuples(st.just("redate"), picks, dates),  # entries kept: they move with the date
    st.tuples(st.just("cancel"), picks),
    st.tuples(st.just("delete"), picks),
    st.tuples(st.just("move"), st.sampled_from(list(LEDGERS)), st.sampled_from(GROUPS)),
    st.tuples(st.just("opening"), st.sampled_from(list(LEDGERS)), amounts, st.booleans()),
    st.tuples(st.just("closing_stock"), dates, amounts),
    st.tuples(st.just("new_ledger"), st.sampled_from(GROUPS), amounts),
    st.tuples(
        st.just("drop_ledger"),
    ),
)
# Each step is rendered at once, or left for the next batch (a hub that catches up several).
steps = st.lists(st.tuples(operations, st.booleans()), max_size=14)


def old_patch(change: Change) -> Patch:
    """The rendering this replaced, every figure read afresh: the voucher again, the touched
    ledgers, and the sums of every ledger of the company with all the groups."""
    patch = Patch()
    before, after = change.before or {}, change.after or {}
    company = change.company
    if change.object_type == "voucher":
        ids = {e["ledger_id"] for side in (before, after) for e in side.get("entries", [])}
        _old_day_book(patch, change)
        gone_patch(patch, change)  # drawn from the Change alone: nothing kept, nothing read
        if change.verb != Change.Verb.DELETE:
            patch.refresh.append(dom_id("voucher", change.object_id, "view"))
        types = {side["type"] for side in (before, after) if side.get("type")}
        patch.refresh += [register_region(name) for name in sorted(types)]
        if any(e.get("bills") for side in (before, after) for e in side.get("entries", [])):
            patch.refresh.append("outstandings")
        if ids:
            _old_balances(patch, company, ids, frozenset())
    elif change.object_type == "ledger":
        patch.refresh += ["ledger-list", "dashboard-cash-bank", "cash-bank-books"]
        if before.get("bill_wise") or after.get("bill_wise"):
            patch.refresh.append("outstandings")
        if change.verb == Change.Verb.DELETE:
            patch.oob(f'<tr id="{dom_id("ledger", change.object_id)}" hx-swap-oob="delete"></tr>')
        left = frozenset({before["group"]} if before.get("group") else ())
        _old_balances(patch, company, {change.object_id}, left)
    elif change.object_type == "closing_stock":
        patch.refresh += ["profit-loss", "balance-sheet", "closing-stock"]
    _activity_patch(patch, change)
    return patch


def _old_balances(patch: Patch, company: Company, ids: set[int], left: frozenset[str]) -> None:
    ledgers = list(ledger_list(company=company).filter(PROFIT_AND_LOSS_LEDGER | Q(pk__in=ids)))
    for ledger in ledgers:
        text = format_balance(ledger.closing_balance)
        patch.oob(f'<span id="{dom_id(ledger, "balance")}" hx-swap-oob="innerHTML">{text}</span>')
        patch.refresh += [dom_id(ledger, "statement"), dom_id(ledger, "monthly")]
    roots = chart_build(
        groups=group_list(company=company), group_sums=group_sums_get(company=company)
    )
    touched = {ledger.group_id for ledger in ledgers}
    for root in roots:
        for node in root.walk():
            if any(n.group.pk in touched or n.group.name in left for n in node.walk()):
                patch.refresh += [
                    dom_id(node.group, "summary"),
                    dom_id(node.group, "vouchers"),
                    dom_id(node.group, "outstanding"),
                ]
                text = format_balance(node.total)
                cell = dom_id(node.group, "balance")
                patch.oob(f'<span id="{cell}" hx-swap-oob="innerHTML">{text}</span>')
    patch.refresh += FINAL_ACCOUNTS


def _old_day_book(patch: Patch, change: Change) -> None:
    row_id = dom_id("voucher", change.object_id)
    try:
        voucher = voucher_get(company=change.company, voucher_id=change.object_id)
    except NotFound:
        patch.oob(f'<tr id="{row_id}" hx-swap-oob="delete"></tr>')
        return
    row = render_to_string("vouchers/_day_book_table.html#row", {"voucher": voucher}).strip()
    old_day = str((change.before or {}).get("date") or "")
    if change.verb == Change.Verb.CREATE or (old_day and old_day != voucher.date.isoformat()):
        patch.oob(f'<tr id="{row_id}" hx-swap-oob="delete"></tr>')
        rows = dom_id("day-book", voucher.date.isoformat(), "rows")
        patch.oob(f'<tbody hx-swap-oob="beforeend:#{rows}">{row}</tbody>')
    else:
        patch.oob(row.replace(f'id="{row_id}"', f'id="{row_id}" hx-swap-oob="outerHTML"', 1))


class KeptTotalsProperties(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.alice = User.objects.create_user("alice", is_staff=True)  # staff create companies
        company = company_create(
            actor=cls.alice, name="Kept Traders", financial_year_start=BOOKS_BEGIN
        )
        cls.company_id = company.pk
        for key, (name, group) in LEDGERS.items():
            extra = {"opening_debit": "50000"} if key == "bank" else {}
            ledger_create(
                company=company, actor=cls.alice, data={"name": name, "group": group, **extra}
            )

    @given(steps)
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    def test_kept_totals_and_fragments_equal_a_fresh_read(self, steps: list[Any]) -> None:
        with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
            self._run(steps)

    def _run(self, steps: list[Any]) -> None:
        company = Company.objects.get(pk=self.company_id)
        state, seen = LiveState(), company.last_seq
        for step, (operation, render_now) in enumerate(steps):
            self._apply(company, operation, step)
            if render_now or step == len(steps) - 1:
                seen = self._render_and_compare(company, state, seen)
        if BOOK in state.kept:
            kept, fresh = state.kept[BOOK].sums, group_sums_get(company=company)
            for group_id in kept.keys() | fresh.keys():
                assert kept.get(group_id, 0) == fresh.get(group_id, 0), group_id

    def _render_and_compare(self, company: Company, state: LiveState, seen: int) -> int:
        """Render the Changes after `seen` as the hub does (one batch), and compare each with
        the old way; a Change of an object the batch alters again later is compared in its
        balances only (its row is the later Change's to draw)."""
        changes = list(
            Change.objects.filter(company=company, seq__gt=seen)
            .select_related("company")
            .order_by("seq")
        )
        changes_note(changes, state)
        last = {change.object_key: change.seq for change in changes}
        deleted = {c.object_key: c.seq for c in changes if c.verb == Change.Verb.DELETE}
        for change in changes:
            if deleted.get(change.object_key, 0) > change.seq:
                continue  # sent as a placeholder (sync.replay): the delete takes it away
            kept, old = change_patch(change, state), old_patch(change)
            assert kept.refresh == old.refresh
            if last[change.object_key] == change.seq:
                assert kept.html == old.html
            else:
                row = f'id="voucher-{change.object_id}"'
                assert [h for h in kept.html if row not in h] == [
                    h for h in old.html if row not in h
                ]
        return changes[-1].seq if changes else seen

    def _apply(self, company: Company, operation: tuple, step: int) -> None:
        name, *args = operation
        # Refused (a ledger in use, a stock rule, a stale version): nothing written.
        with contextlib.suppress(DomainError):
            getattr(self, f"_{name}")(company, *args, step=step)

    def _voucher(self, index: int) -> Voucher | None:
        vouchers = list(Voucher.objects.filter(company_id=self.company_id).order_by("pk"))
        return vouchers[index % len(vouchers)] if vouchers else None

    def _ledger(self, key: str) -> Ledger:
        return Ledger.objects.get(company_id=self.company_id, name=LEDGERS[key][0])

    def _journal(self, keys: list[str], amount: Decimal, day: dt.date) -> dict[str, Any]:
        debit, credit = (LEDGERS[key][0] for key in keys)
        return {
            "type": "Journal",
            "date": day.isoformat(),
            "narration": f"{debit} to {credit}",
            "entries": [
                {"ledger": debit, "debit": str(amount)},
                {"ledger": credit, "credit": str(amount)},
            ],
        }

    def _create(self, company, keys, amount, day, *, step) -> None:
        voucher_create(company=company, actor=self.alice, data=self._journal(keys, amount, day))

    def _alter(self, company, index, keys, amount, day, *, step) -> None:
        if voucher := self._voucher(index):
            data = self._journal(keys, amount, day)
            voucher_alter(
                company=company,
                voucher=voucher,
                actor=self.alice,
                data=data,
                version=voucher.version,
            )

    def _redate(self, company, index, day, *, step) -> None:
        voucher = self._voucher(index)
        if voucher and not voucher.is_cancelled:
            voucher = voucher_get(company=company, voucher_id=voucher.pk)
            data = {
                "type": "Journal",
                "date": day.isoformat(),
                "entries": [
                    {
                        "ledger": e.ledger_id,
                        "debit" if e.amount > 0 else "credit": str(abs(e.amount)),
                    }
                    for e in voucher.entries.all()
                ],
            }
            voucher_alter(
                company=company,
                voucher=voucher,
                actor=self.alice,
                data=data,
                version=voucher.version,
            )

    def _cancel(self, company, index, *, step) -> None:
        if (voucher := self._voucher(index)) and not voucher.is_cancelled:
            voucher_cancel(
                company=company, voucher=voucher, actor=self.alice, version=voucher.version
            )

    def _delete(self, company, index, *, step) -> None:
        if voucher := self._voucher(index):
            voucher_delete(
                company=company, voucher=voucher, actor=self.alice, version=voucher.version
            )

    def _move(self, company, key, group, *, step) -> None:
        ledger = self._ledger(key)
        ledger_alter(
            company=company,
            ledger=ledger,
            actor=self.alice,
            data={"name": ledger.name, "group": group},
            version=ledger.version,
        )

    def _opening(self, company, key, amount, debit, *, step) -> None:
        ledger = self._ledger(key)
        side = "opening_debit" if debit else "opening_credit"
        ledger_alter(
            company=company,
            ledger=ledger,
            actor=self.alice,
            data={"name": ledger.name, "group": ledger.group.name, side: str(amount)},
            version=ledger.version,
        )

    def _closing_stock(self, company, day, amount, *, step) -> None:
        data = {"date": day.isoformat(), "amount": str(amount)}
        ledger = self._ledger("stock")
        closing_stock_set(company=company, actor=self.alice, ledger=ledger, data=data)

    def _new_ledger(self, company, group, amount, *, step) -> None:
        data = {"name": f"Party {step}", "group": group, "opening_credit": str(amount)}
        ledger_create(company=company, actor=self.alice, data=data)

    def _drop_ledger(self, company, *, step) -> None:
        ledger = Ledger.objects.filter(company=company, name__startswith="Party ").first()
        if ledger is not None:
            ledger_delete(company=company, ledger=ledger, actor=self.alice, version=ledger.version)


@pytest.mark.django_db
def test_a_batch_of_changes_reads_the_log_and_the_ledgers_it_touched_once(
    company, alice, ledgers, django_assert_num_queries
):
    """However many Changes a batch holds: one read of the Edit Log and one of the touched
    ledgers; no voucher read, no whole-company sums (the book was loaded before)."""
    state = LiveState()
    voucher_create(company=company, actor=alice, data=sale("100"))
    frames_after(company_id=company.pk, after=0, state=state)  # loads the book
    seen = Company.objects.get(pk=company.pk).last_seq
    for amount in ("1", "2", "3", "4", "5"):
        voucher_create(company=company, actor=alice, data=sale(amount))
    make_ledger(company, alice, "Verma Stores", "Sundry Debtors", opening_debit="10")
    with django_assert_num_queries(2):
        frames = frames_after(company_id=company.pk, after=seen, state=state)
    assert len(frames) == 6


@pytest.mark.django_db
def test_a_new_financial_year_loads_the_book_again(company, alice, ledgers):
    """At a year's end income and expense ledgers start again from zero: kept totals of the old
    year are not advanced into the new one."""
    voucher_create(company=company, actor=alice, data=sale("100"))
    change = Change.objects.select_related("company").last()
    state = LiveState()
    with mock.patch("django.utils.timezone.localdate", return_value=dt.date(2027, 3, 31)):
        changes_note([change], state)
        before = change_patch(change, state)
    with mock.patch("django.utils.timezone.localdate", return_value=dt.date(2027, 4, 1)):
        changes_note([change], state)
        after = change_patch(change, state)
        assert after.html == old_patch(change).html
    sales = dom_id(ledgers["sales"], "balance")
    cell = '<span id="{}" hx-swap-oob="innerHTML">{}</span>'
    assert cell.format(sales, format_balance(Decimal("-100"))) in "".join(before.html)
    assert cell.format(sales, format_balance(Decimal("0"))) in "".join(after.html)


@pytest.mark.django_db
def test_what_a_batch_sent_from_the_cache_moved_is_read_by_the_next(company, alice, ledgers):
    """A batch whose frames all came from the hub's cache renders nothing: the ledgers its
    Changes moved are still read, by the next batch that renders."""
    state = LiveState()
    voucher_create(company=company, actor=alice, data=sale("100"))
    frames_after(company_id=company.pk, after=0, state=state)  # loads the book
    seen = Company.objects.get(pk=company.pk).last_seq
    voucher_create(company=company, actor=alice, data=sale("40"))
    frames_after(company_id=company.pk, after=seen, state=state, cached=lambda c, s: "sent")
    ledger = make_ledger(company, alice, "Verma Stores", "Sundry Debtors")
    frames_after(company_id=company.pk, after=seen + 1, state=state)
    assert state.kept[BOOK].sums == group_sums_get(company=company)
    assert ledger.group_id in state.kept[BOOK].sums
