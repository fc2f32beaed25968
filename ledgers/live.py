"""What a saved ledger or group alters on open screens, and the balances every save that moves
money repaints (vouchers.live calls `balances_patch` too), rendered from a company's balances
kept in the process (`BalanceBook`), never from whole-company sums per Change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone

from companies.models import Company
from core.money import ZERO, format_balance
from core.records import LiveState, Patch
from core.templatetags.tally import dom_id
from editlog.models import Change
from ledgers.models import Group, Ledger
from ledgers.selectors import carried_expression, chart_build, group_list, later_expression

# The reports every balance feeds, re-fetched by open pages (their as-of day is the viewer's).
FINAL_ACCOUNTS = ["trial-balance", "profit-loss", "balance-sheet"]

BOOK = "ledgers.book"  # LiveState.kept: the company's BalanceBook
# LiveState.kept: ledger ids Changes moved, not read yet (kept past a batch whose Changes were
# all sent from the hub's cache, so none of them read what it noted).
TOUCHED = "ledgers.touched"
READ = "ledgers.read"  # LiveState.batch: id → (name, closing balance) or None (gone), as read


class BalanceBook:
    """A company's ledger balances summed by group, kept in one process for live screens.

    Loaded once in two queries (the groups; every ledger's group, opening and closing balance
    in the financial year of today), then brought up to date by re-reading the ledgers each
    batch of Changes touched: a re-read is exact whatever moved (entries, a date across a
    year's end, a ledger's group or opening, a deletion), so nothing is reckoned from snapshots
    that could drift. What a re-read of ledgers cannot see: a group's Change re-reads the
    groups (`groups_reload`); a closing stock value (`book_reload`) or a new day (`balance_book`:
    a new financial year, or a voucher dated ahead whose day has come) loads the book again.
    """

    def __init__(self, company: Company, today: dt.date) -> None:
        self.company = company
        self.today = today  # balances as of this day: a voucher dated later is not in them
        self.year_start = company.financial_year_begins(today)
        self.groups: list[Group] = list(group_list(company=company))
        self.ledgers: dict[int, tuple[int | None, Decimal, Decimal]] = {}  # group, opening, closing
        self.sums: dict[int, Decimal] = {}
        self.openings = ZERO
        self.profit_and_loss: tuple[int, str] | None = None  # (id, name): the ledger outside groups
        self.read(None)

    def read(self, ids: Iterable[int] | None) -> dict[int, tuple[str, Decimal] | None]:
        """Read the ledgers `ids` (every ledger: None) in one query and keep what they hold now;
        (name, closing balance) per id, None for one that is gone."""
        rows = Ledger.objects.filter(company=self.company)
        wanted = None if ids is None else set(ids)
        if wanted is not None:
            rows = rows.filter(pk__in=wanted)
        carried = carried_expression(company=self.company, year_start=self.year_start)
        later = later_expression(self.today)
        found: dict[int, tuple[str, Decimal] | None] = dict.fromkeys(wanted or (), None)
        for pk, name, group_id, predefined, opening, debit, credit, year, ahead in (
            rows.annotate(year_carried=carried, later=later)
            .values_list(
                "pk",
                "name",
                "group_id",
                "predefined",
                "opening_balance",
                "total_debit",
                "total_credit",
                "year_carried",
                "later",
            )
            .order_by()
        ):
            closing = opening + debit - credit + year - ahead
            self._keep(pk, (group_id, opening, closing))
            if group_id is None and predefined:  # Profit & Loss A/c (perhaps renamed)
                self.profit_and_loss = (pk, name)
            if wanted is not None:
                found[pk] = (name, closing)
        for pk in [pk for pk, seen in found.items() if seen is None]:
            self._keep(pk, None)
        return found

    def _keep(self, pk: int, figures: tuple[int | None, Decimal, Decimal] | None) -> None:
        for sign, held in ((-1, self.ledgers.pop(pk, None)), (1, figures)):
            if held is None:
                continue
            group_id, opening, closing = held
            self.openings += sign * opening
            if group_id is not None:
                self.sums[group_id] = self.sums.get(group_id, ZERO) + sign * closing
        if figures is not None:
            self.ledgers[pk] = figures

    def profit_and_loss_balance(self) -> Decimal:
        """Profit & Loss A/c's closing balance: what the grouped ledgers leave of the openings.
        Every voucher balances, and what a year carries out of the income and expense ledgers
        (and the stock's revaluation) Profit & Loss A/c takes in, so all ledgers together hold
        the openings: no whole-company sum of revenue ledgers and day rows is needed."""
        return self.openings - sum(self.sums.values(), ZERO)


def balance_book(state: LiveState, company: Company) -> BalanceBook:
    """The company's kept BalanceBook, loaded when there is none or a new day has begun since
    it was (a new financial year, or a voucher dated ahead whose day has come)."""
    today = timezone.localdate()
    book = state.kept.get(BOOK)
    if book is None or book.today != today:
        state.batch.pop(READ, None)  # read for the book it replaces
        book = state.kept[BOOK] = BalanceBook(company, today)
    return book


def ledgers_note(state: LiveState, ledger_ids: Iterable[int]) -> None:
    """Note ledgers a Change of this batch moved: the batch re-reads them all in one query."""
    state.kept.setdefault(TOUCHED, set()).update(ledger_ids)


def book_reload(change: Change, state: LiveState) -> None:
    """A Change the kept balances cannot follow by re-reading ledgers (a closing stock value
    moves what its ledger carries into the year): the book loads again when next needed."""
    state.kept.pop(BOOK, None)


def groups_reload(change: Change, state: LiveState) -> None:
    """A group added, renamed, moved or deleted: the kept book reads the groups again (their
    ledgers' balances are where they were)."""
    book = state.kept.get(BOOK)
    if book is not None:
        book.groups = list(group_list(company=book.company))


def balances_patch(
    patch: Patch,
    *,
    state: LiveState,
    company: Company,
    ledger_ids: Iterable[int],
    left_groups: frozenset[str] = frozenset(),
) -> None:
    """Closing balances of the ledgers touched, and the totals of every group above them (and
    above `left_groups`, groups a ledger was moved out of)."""
    book = balance_book(state, company)
    read = state.batch.setdefault(READ, {})
    ids = set(ledger_ids)
    missing = (ids | state.kept.pop(TOUCHED, set())) - read.keys()
    if missing:  # the first Change of the batch reads what all of them moved
        read.update(book.read(missing))
    cells = {pk: read[pk] for pk in ids if read.get(pk) is not None}
    if book.profit_and_loss is not None:
        # Profit & Loss A/c too: a save dated in an earlier year moves the result it carries.
        pk, name = book.profit_and_loss
        cells[pk] = (name, book.profit_and_loss_balance())
    for (_name, closing), pk in sorted((figures, pk) for pk, figures in cells.items()):
        cell = dom_id("ledger", pk, "balance")
        patch.oob(f'<span id="{cell}" hx-swap-oob="innerHTML">{format_balance(closing)}</span>')
        # Its statement (Ledger Vouchers, or the Cash/Bank Book) and its Monthly Summary.
        patch.refresh += [dom_id("ledger", pk, "statement"), dom_id("ledger", pk, "monthly")]
    touched = {book.ledgers.get(pk, (None,))[0] for pk in ids}
    _group_totals_patch(patch, book, touched=touched, left_groups=left_groups)
    patch.refresh += FINAL_ACCOUNTS


def _group_totals_patch(
    patch: Patch, book: BalanceBook, *, touched: set[int | None], left_groups: frozenset[str]
) -> None:
    for root in chart_build(groups=book.groups, group_sums=book.sums):
        for node in root.walk():
            if any(n.group.pk in touched or n.group.name in left_groups for n in node.walk()):
                # Its Group Summary, Group Vouchers (reports.summaries) and Group Outstandings
                # (reports.views_outstandings), wherever open.
                patch.refresh += [
                    dom_id(node.group, "summary"),
                    dom_id(node.group, "vouchers"),
                    dom_id(node.group, "outstanding"),
                ]
                cell = dom_id(node.group, "balance")
                text = format_balance(node.total)
                patch.oob(f'<span id="{cell}" hx-swap-oob="innerHTML">{text}</span>')


def ledger_note(change: Change, state: LiveState) -> None:
    ledgers_note(state, {change.object_id})


def ledger_live(patch: Patch, change: Change, state: LiveState) -> None:
    """The ledger list and cash/bank panel re-fetched, a deleted row gone, balances repainted
    (under the group the ledger left, too)."""
    patch.refresh += ["ledger-list", "dashboard-cash-bank", "cash-bank-books"]
    if any(side.get("bill_wise") for side in (change.before or {}, change.after or {})):
        patch.refresh.append("outstandings")  # its opening bills or bill-wise setting may move
    if change.verb == Change.Verb.DELETE:
        patch.oob(f'<tr id="{dom_id("ledger", change.object_id)}" hx-swap-oob="delete"></tr>')
    before_group = (change.before or {}).get("group")
    left_groups = frozenset({before_group} if before_group else ())
    balances_patch(
        patch,
        state=state,
        company=change.company,
        ledger_ids={change.object_id},
        left_groups=left_groups,
    )


def group_live(patch: Patch, change: Change, state: LiveState) -> None:
    patch.refresh.append("ledger-list")


def closing_stock_live(patch: Patch, change: Change, state: LiveState) -> None:
    """Closing stock moves the Profit & Loss A/c and Balance Sheet, and the ledger's list of
    values."""
    patch.refresh += ["profit-loss", "balance-sheet", "closing-stock"]
