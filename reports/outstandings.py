"""Tally's Outstandings (Display More Reports → Statements of Accounts → Outstandings): Bills
Receivable and Payable, a ledger's and a group's outstandings, and ageing by slabs — read from
`vouchers.bills.bills_pending` (what is pending on each bill) and the Trial Balance's balances
as of a day (`reports.selectors.trial_balance_get`), never from a pending query of their own.

Bills Receivable are the bills with a debit pending (the party owes us), of any bill-wise
ledger, as Tally lists them: a debtor's invoices, and an advance paid to a supplier too. Bills
Payable are those with a credit pending. A party's "On Account" is its closing balance less what
its pending bills add up to (On Account allocations, and anything posted before it kept bills),
so a ledger's or a group's outstandings always total to the balance.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from companies.models import Company
from core.errors import Invalid
from core.money import ZERO
from ledgers.models import Group, Ledger
from reports.selectors import trial_balance_get
from vouchers.bills import PendingBill, bills_pending

RECEIVABLE, PAYABLE = "receivable", "payable"
SIDES = (RECEIVABLE, PAYABLE)
BY_DUE, BY_BILL = "due", "bill"
DEFAULT_SLABS = (30, 60, 90)
MAX_SLABS = 12


def _on_side(bill: PendingBill, side: str) -> bool:
    return bill.pending > 0 if side == RECEIVABLE else bill.pending < 0


def _dated(bills: list[PendingBill], as_of: dt.date) -> list[tuple[PendingBill, int]]:
    """Each bill with its days overdue on `as_of`, as the pages show them."""
    return [(bill, bill.overdue_days(as_of)) for bill in bills]


def _balances(company: Company, as_of: dt.date) -> dict[int, Decimal]:
    """Every ledger's closing balance on `as_of` (signed, positive = Dr; absent = nil)."""
    report = trial_balance_get(company=company, as_of=as_of)
    return {row.ledger.pk: row.balance for row in report.rows}


# -- Bills Receivable and Bills Payable --------------------------------------------------------


@dataclass(frozen=True)
class BillsOutstanding:
    """The pending bills of one side on a day, by date, party and name."""

    as_of: dt.date
    side: str  # RECEIVABLE or PAYABLE
    bills: list[PendingBill]

    @property
    def total(self) -> Decimal:
        return sum((bill.pending for bill in self.bills), ZERO)

    @property
    def rows(self) -> list[tuple[PendingBill, int]]:
        return _dated(self.bills, self.as_of)


def bills_outstanding_get(*, company: Company, as_of: dt.date, side: str) -> BillsOutstanding:
    """Bills Receivable (`side` RECEIVABLE: a debit pending) or Bills Payable (a credit
    pending) on `as_of`, of every bill-wise ledger."""
    pending = bills_pending(company_id=company.pk, as_of=as_of)
    return BillsOutstanding(as_of, side, [bill for bill in pending if _on_side(bill, side)])


# -- one ledger, one group ---------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerOutstanding:
    """A party's pending bills on a day and its closing balance; what the bills leave of the
    balance is On Account."""

    ledger: Ledger
    as_of: dt.date
    bills: list[PendingBill]
    balance: Decimal  # signed, positive = Dr

    @property
    def pending(self) -> Decimal:
        return sum((bill.pending for bill in self.bills), ZERO)

    @property
    def rows(self) -> list[tuple[PendingBill, int]]:
        return _dated(self.bills, self.as_of)

    @property
    def on_account(self) -> Decimal:
        return self.balance - self.pending


def ledger_outstanding_get(
    *, company: Company, ledger: Ledger, as_of: dt.date
) -> LedgerOutstanding:
    """Tally's Ledger Outstandings: the ledger's pending bills on `as_of`, with its balance."""
    bills = bills_pending(company_id=company.pk, as_of=as_of, ledger_ids=[ledger.pk])
    balance = _balances(company, as_of).get(ledger.pk, ZERO)
    return LedgerOutstanding(ledger, as_of, bills, balance)


@dataclass(frozen=True)
class PartyOutstanding:
    """A party's line in a group's outstandings: its pending bills' total, its balance."""

    ledger_id: int
    party: str
    pending: Decimal
    balance: Decimal

    @property
    def on_account(self) -> Decimal:
        return self.balance - self.pending


@dataclass(frozen=True)
class GroupOutstanding:
    group: Group
    as_of: dt.date
    parties: list[PartyOutstanding]

    @property
    def pending(self) -> Decimal:
        return sum((party.pending for party in self.parties), ZERO)

    @property
    def on_account(self) -> Decimal:
        return sum((party.on_account for party in self.parties), ZERO)

    @property
    def balance(self) -> Decimal:
        return sum((party.balance for party in self.parties), ZERO)


NO_SUCH_GROUP = "No such group in this company: give a group's id or its exact name."


def group_named(*, company: Company, key: str) -> Group:
    """The company's group by id or by name (any case); Invalid naming `group` otherwise."""
    groups = Group.objects.filter(company=company)
    text = key.strip()
    found = groups.filter(pk=int(text)).first() if text.isdigit() else None
    found = found or groups.filter(name__iexact=text).first()
    if found is None:
        raise Invalid.field("group", NO_SUCH_GROUP)
    return found


def _group_ids(company: Company, group: Group) -> set[int]:
    """The group and every group under it, however deep."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in Group.objects.filter(company=company).values_list("pk", "parent_id"):
        children[parent].append(pk)
    ids, todo = set(), [group.pk]
    while todo:
        pk = todo.pop()
        ids.add(pk)
        todo += children[pk]
    return ids


def group_outstanding_get(*, company: Company, group: Group, as_of: dt.date) -> GroupOutstanding:
    """Tally's Group Outstandings: per ledger under the group (sub-groups too) that has bills
    pending or a balance on `as_of`, its pending bills' total, On Account and balance."""
    ledgers = dict(
        Ledger.objects.filter(company=company, group_id__in=_group_ids(company, group))
        .order_by("name")
        .values_list("pk", "name")
    )
    pending: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for bill in bills_pending(company_id=company.pk, as_of=as_of, ledger_ids=list(ledgers)):
        pending[bill.ledger_id] += bill.pending
    balances = _balances(company, as_of)
    parties = [
        PartyOutstanding(pk, name, pending[pk], balances.get(pk, ZERO))
        for pk, name in ledgers.items()
        if pk in pending or balances.get(pk)
    ]
    return GroupOutstanding(group, as_of, parties)


# -- ageing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slab:
    """Bills aged `low` to `high` days (inclusive; None: no bound). A slab with `high` below 0
    holds the bills not due yet (ageing by due date)."""

    low: int | None
    high: int | None

    @property
    def label(self) -> str:
        if self.high is not None and self.high < 0:
            return "Not due"
        if self.high is None:
            return f"> {(self.low or 0) - 1} days"
        return f"{self.low or 0}–{self.high} days"

    def holds(self, days: int) -> bool:
        return (self.low is None or days >= self.low) and (self.high is None or days <= self.high)


def slabs_parse(text: str | None) -> tuple[int, ...]:
    """?slabs=30,60,90: the days each slab ends on, increasing; Invalid naming `slabs`."""
    if text is None or not text.strip():
        return DEFAULT_SLABS
    parts = [part.strip() for part in text.split(",")]
    rule = (
        "Give the days each slab ends on, increasing and above 0, like 30,60,90 "
        f"(at most {MAX_SLABS})."
    )
    if len(parts) > MAX_SLABS or not all(part.isdigit() and len(part) <= 5 for part in parts):
        raise Invalid.field("slabs", rule)
    ends = tuple(int(part) for part in parts)
    if ends[0] < 1 or any(b <= a for a, b in zip(ends, ends[1:], strict=False)):
        raise Invalid.field("slabs", rule)
    return ends


def slabs_make(ends: tuple[int, ...], *, by: str) -> list[Slab]:
    """0–30, 31–60, 61–90, > 90 days from (30, 60, 90); by due date, Not due first."""
    slabs = [Slab(None, -1)] if by == BY_DUE else []
    low = 0
    for end in ends:
        slabs.append(Slab(low, end))
        low = end + 1
    slabs.append(Slab(low, None))
    return slabs


def bill_age(bill: PendingBill, as_of: dt.date, by: str) -> int:
    """Days since the bill's date (`by` BY_BILL), or past its due date (BY_DUE: negative while
    not due; a bill with no due date is due on its date)."""
    since = bill.date if by == BY_BILL else bill.due_date or bill.date
    days = (as_of - since).days
    return max(days, 0) if by == BY_BILL else days


@dataclass(frozen=True)
class AgeingRow:
    ledger_id: int
    party: str
    amounts: list[Decimal]  # one per slab, signed as the bills are

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, ZERO)


@dataclass(frozen=True)
class Ageing:
    as_of: dt.date
    side: str
    by: str
    slabs: list[Slab]
    rows: list[AgeingRow]

    @property
    def totals(self) -> list[Decimal]:
        columns = zip(*(row.amounts for row in self.rows), strict=True)
        return [sum(column, ZERO) for column in columns] or [ZERO] * len(self.slabs)

    @property
    def total(self) -> Decimal:
        return sum((row.total for row in self.rows), ZERO)


def ageing_get(
    *, company: Company, as_of: dt.date, side: str, by: str, ends: tuple[int, ...]
) -> Ageing:
    """Ageing analysis of Bills Receivable or Payable on `as_of`: each party's pending bills
    summed into slabs of days by bill date or due date, parties by name."""
    slabs = slabs_make(ends, by=by)
    rows: dict[int, AgeingRow] = {}
    for bill in bills_outstanding_get(company=company, as_of=as_of, side=side).bills:
        row = rows.get(bill.ledger_id)
        if row is None:
            row = rows[bill.ledger_id] = AgeingRow(bill.ledger_id, bill.party, [ZERO] * len(slabs))
        days = bill_age(bill, as_of, by)
        index = next(i for i, slab in enumerate(slabs) if slab.holds(days))
        row.amounts[index] += bill.pending
    ordered = sorted(rows.values(), key=lambda row: row.party.lower())
    return Ageing(as_of, side, by, slabs, ordered)
