"""Reads of groups and ledgers, with balances from the kept totals (no scan of entries)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from companies.models import Company
from core.errors import found
from core.money import ZERO, MoneyField, money_from_parts, money_sum, money_sum_parts
from ledgers.models import ClosingStock, Group, Ledger, LedgerDay

# Profit & Loss A/c: Tally's own ledger, the only one outside every group.
PROFIT_AND_LOSS_LEDGER = Q(predefined=True, group__isnull=True)


def _net(rows: QuerySet[Any], by: str, total: Any = Sum) -> Coalesce:
    """Debit less credit of day rows, grouped by `by`, as a scalar subquery (`total`:
    `money_sum` where the rows are many ledgers', whose sum may pass a BIGINT)."""
    net = ExpressionWrapper(total("debit") - total("credit"), output_field=MoneyField())
    return Coalesce(
        Subquery(rows.values(by).annotate(net=net).values("net")),
        Value(0),
        output_field=MoneyField(),
    )


# A ledger under Stock-in-Hand (or a sub-group of it, three deep): its closing value is entered.
STOCK_IN_HAND = "Stock-in-Hand"
STOCK_LEDGER = (
    Q(group__name=STOCK_IN_HAND, group__predefined=True)
    | Q(group__parent__name=STOCK_IN_HAND, group__parent__predefined=True)
    | Q(group__parent__parent__name=STOCK_IN_HAND, group__parent__parent__predefined=True)
)


def closing_value(*, before: dt.date, ledger: Any = None) -> Subquery:
    """A stock ledger's latest closing value on or before `before` (NULL if none entered);
    correlated to the outer ledger row unless `ledger` is given."""
    values = ClosingStock.objects.filter(
        ledger=OuterRef("pk") if ledger is None else ledger, date__lte=before
    )
    return Subquery(values.order_by("-date").values("amount")[:1], output_field=MoneyField())


def _stock_carried(year_start: dt.date) -> Coalesce:
    """A stock ledger's value when the year begins less its own balance then: the year opens
    with the closing stock of the last (0 while no value was entered)."""
    before = year_start - dt.timedelta(days=1)
    own_days = LedgerDay.objects.filter(ledger=OuterRef("pk"), date__lt=year_start)
    book = F("opening_balance") + _net(own_days, "ledger")
    return Coalesce(closing_value(before=before) - book, Value(0), output_field=MoneyField())


def carried_expression(*, company: Company, year_start: dt.date) -> Case | Value:
    """What each ledger row adds to its whole-history balance in the year beginning
    `year_start` (Tally's financial year): an income or expense ledger hands the results of
    earlier years (its opening and every day before) to Profit & Loss A/c, which takes them;
    a stock ledger opens the year at the closing stock last entered, and Profit & Loss A/c
    takes the difference too (the earlier years' results include their closing stock).

    Reads per-day totals: one index range per revenue or stock ledger, and for Profit & Loss
    A/c the company's revenue and stock days before the year.
    """
    if not company.carries_results(year_start):
        return Value(ZERO, output_field=MoneyField())
    own_days = LedgerDay.objects.filter(ledger=OuterRef("pk"), date__lt=year_start)
    revenue_days = LedgerDay.objects.filter(
        ledger__company=company, ledger__group__is_revenue=True, date__lt=year_start
    )
    revenue_openings = Ledger.objects.filter(company=company, group__is_revenue=True)
    openings = Subquery(
        revenue_openings.values("company").annotate(s=money_sum("opening_balance")).values("s")
    )
    stock = (
        Ledger.objects.filter(STOCK_LEDGER, company=company)
        .annotate(carried=_stock_carried(year_start))
        .values("company")
        .annotate(s=money_sum("carried"))
        .values("s")
    )
    return Case(
        When(group__is_revenue=True, then=-F("opening_balance") - _net(own_days, "ledger")),
        When(STOCK_LEDGER, then=_stock_carried(year_start)),
        When(
            PROFIT_AND_LOSS_LEDGER,
            then=Coalesce(openings, Value(0), output_field=MoneyField())
            + _net(revenue_days, "ledger__company", total=money_sum)
            - Coalesce(Subquery(stock), Value(0), output_field=MoneyField()),
        ),
        default=Value(ZERO),
        output_field=MoneyField(),
    )


def later_expression(today: dt.date) -> Coalesce:
    """Each ledger row's net of entries dated after `today`: a voucher dated ahead (next
    year's, typed early) is not in the balance "now" until its day comes. An index range per
    ledger that is empty unless something was dated ahead."""
    return _net(LedgerDay.objects.filter(ledger=OuterRef("pk"), date__gt=today), "ledger")


def ledger_list(
    *, company: Company, today: dt.date | None = None, until_today: bool = True
) -> QuerySet[Ledger]:
    """The company's ledgers in name order, their `closing_balance` as Tally keeps it in the
    financial year of `today` (the local date by default): income and expense ledgers count
    from the year's first day, Profit & Loss A/c holds what they carried from earlier years;
    entries dated after `today` are not in it (not read without `until_today`: a caller that
    reckons the day's balance itself)."""
    today = today or timezone.localdate()
    year_start = company.financial_year_begins(today)
    ledgers = Ledger.objects.filter(company=company).select_related("group")
    ledgers = ledgers.annotate(carried=carried_expression(company=company, year_start=year_start))
    if until_today:
        ledgers = ledgers.annotate(later=later_expression(today))
    return ledgers.order_by("name")


def ledger_get(*, company: Company, ledger_id: int) -> Ledger:
    """The company's ledger; NotFound (404) for another company's id."""
    return found(ledger_list(company=company), pk=ledger_id)


def group_list(*, company: Company) -> QuerySet[Group]:
    return Group.objects.filter(company=company).select_related("parent").order_by("name")


def ledger_json(ledger: Ledger) -> dict[str, Any]:
    """A ledger in the API's shape: absolute amounts with their side."""
    opening, closing = ledger.opening_balance, ledger.closing_balance
    return {
        "id": ledger.pk,
        "name": ledger.name,
        "group": ledger.group.name if ledger.group else None,
        "opening_debit" if opening >= 0 else "opening_credit": abs(opening),
        "gstin": ledger.gstin,
        "gst_registration_type": ledger.gst_registration_type,
        "state": ledger.state,
        "state_code": ledger.state_code,
        "version": ledger.version,
        "closing_balance": abs(closing),
        "closing_side": "Dr" if closing >= 0 else "Cr",
    }


def group_json(group: Group) -> dict[str, Any]:
    return {
        "id": group.pk,
        "name": group.name,
        "parent": group.parent.name if group.parent else None,
        "nature": group.nature,
        "is_revenue": group.is_revenue,
        "predefined": group.predefined,
    }


@dataclass
class ChartNode:
    """A group in the chart of accounts, with its sub-groups, ledgers and their total."""

    group: Group
    depth: int
    children: list[ChartNode] = field(default_factory=list)
    ledgers: list[tuple[Ledger, Decimal]] = field(default_factory=list)
    total: Decimal = ZERO

    def walk(self) -> Iterator[ChartNode]:
        """This node and every node under it, depth first in name order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, group_id: int) -> ChartNode | None:
        return next((node for node in self.walk() if node.group.pk == group_id), None)


def chart_build(
    *,
    groups: Iterable[Group],
    balances: Iterable[tuple[Ledger, Decimal]] = (),
    group_sums: dict[int, Decimal] | None = None,
) -> list[ChartNode]:
    """The group tree with every ledger under its group and totals summed up the tree.

    `balances` are (ledger, signed balance) pairs; ledgers outside every group are left out.
    `group_sums` adds, per group id, balances of ledgers not listed (see `group_sums_get`).
    """
    nodes = {group.pk: ChartNode(group=group, depth=0) for group in groups}
    roots = []
    for node in sorted(nodes.values(), key=lambda n: n.group.name.lower()):
        parent = nodes.get(node.group.parent_id) if node.group.parent_id else None
        (parent.children if parent else roots).append(node)
    for ledger, amount in balances:
        if ledger.group_id in nodes:
            nodes[ledger.group_id].ledgers.append((ledger, amount))

    def total(node: ChartNode, depth: int) -> Decimal:
        node.depth = depth
        own = sum((a for _, a in node.ledgers), ZERO) + (group_sums or {}).get(node.group.pk, ZERO)
        node.total = own + sum((total(child, depth + 1) for child in node.children), ZERO)
        return node.total

    for root in roots:
        total(root, 0)
    return roots


def chart_find(roots: list[ChartNode], name: str) -> ChartNode | None:
    """The node of a predefined group by name (e.g. "Sundry Debtors")."""
    for root in roots:
        for node in root.walk():
            if node.group.name == name and node.group.predefined:
                return node
    return None


MAX_SEARCH = 200  # a ledger name's length; SQLite refuses LIKE patterns over 50,000 characters


def ledger_search(
    *, company: Company, text: str, limit: int = 20, cash_bank: bool | None = None
) -> list[Ledger]:
    """Ledgers whose name starts with `text` first, then those containing it (case-insensitive);
    only the first MAX_SEARCH characters are looked for (no name is longer). `cash_bank`: only
    Cash-in-Hand and bank ledgers (True), only the others (False), or all (None)."""
    text = text.strip()[:MAX_SEARCH]
    ledgers = ledger_list(company=company)
    if cash_bank is True:
        ledgers = ledgers.filter(group__is_cash_bank=True)
    elif cash_bank is False:  # a ledger outside every group (Profit & Loss A/c) is not cash
        ledgers = ledgers.exclude(group__is_cash_bank=True)
    if not text:
        return list(ledgers[:limit])
    starting = list(ledgers.filter(name__istartswith=text)[:limit])
    if len(starting) < limit:
        seen = [ledger.pk for ledger in starting]
        containing = ledgers.filter(name__icontains=text).exclude(pk__in=seen)
        starting += list(containing[: limit - len(starting)])
    return starting


def group_sums_get(*, company: Company, today: dt.date | None = None) -> dict[int, Decimal]:
    """Each group's own ledgers' closing balances in the financial year of `today` (as
    `ledger_list` keeps them, without entries dated later), summed by the database (no ledger
    rows) in parts that cannot overflow, however large the group's total."""
    today = today or timezone.localdate()
    year_start = company.financial_year_begins(today)
    columns = ("opening_balance", "total_debit", "total_credit", "year_carried", "later")
    parts = {
        f"{name}_{part}": summed
        for name in columns
        for part, summed in zip(("high", "low"), money_sum_parts(name), strict=True)
    }
    sums = (
        Ledger.objects.filter(company=company, group__isnull=False)
        .annotate(
            year_carried=carried_expression(company=company, year_start=year_start),
            later=later_expression(today),
        )
        .values("group_id")
        .annotate(**parts)
        .order_by()
    )
    signs = {
        "opening_balance": 1,
        "total_debit": 1,
        "total_credit": -1,
        "year_carried": 1,
        "later": -1,
    }
    return {
        row["group_id"]: sum(
            (
                sign * money_from_parts(row[f"{name}_high"], row[f"{name}_low"])
                for name, sign in signs.items()
            ),
            ZERO,
        )
        for row in sums
    }


def closing_stock_list(*, ledger: Ledger) -> QuerySet[ClosingStock]:
    """A Stock-in-Hand ledger's closing values, newest first."""
    return ClosingStock.objects.filter(ledger=ledger).select_related("ledger").order_by("-date")


def closing_stock_get(*, company: Company, value_id: int) -> ClosingStock:
    """The company's closing value; NotFound (404) for another company's id."""
    return found(ClosingStock.objects.select_related("ledger"), pk=value_id, company=company)


def closing_stock_json(value: ClosingStock) -> dict[str, Any]:
    return {
        "id": value.pk,
        "ledger_id": value.ledger_id,
        "ledger": value.ledger.name,
        "date": value.date,
        "amount": value.amount,
        "version": value.version,
    }
