"""The books' control figures: every company's Trial Balance (ledger by ledger), Profit & Loss
A/c and Balance Sheet for each financial year, as canonical JSON, and the difference between two
such reports — the proof that a move between databases (or a restore) kept the books.

The figures come from the read models the pages show (`reports.selectors`), not from a sum of
our own, so what is compared is what a user would see. Everything is keyed by name, never by
row id (ids differ between databases), and no list carries an order the database chose: the
detailed rows under a line become a mapping by their path ("Sundry Debtors > Customer 001"),
since SQLite and PostgreSQL sort names by different collations. Amounts are signed strings with
two decimals (positive = Dr, as everywhere in the books).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Max

from companies.models import Company
from core.money import format_balance, format_signed
from ledgers.models import ClosingStock
from reports.selectors import (
    DetailRow,
    FinalLine,
    balance_sheet_get,
    profit_and_loss_get,
    trial_balance_get,
)
from vouchers.models import Voucher

FORMAT = "tallysync-figures"
VERSION = 1
CENT = Decimal("0.01")

Figures = dict[str, Any]


def amount_text(amount: Decimal) -> str:
    """A signed amount as the report keeps it: "-1234.50" (paise exact, no grouping)."""
    return str(Decimal(amount).quantize(CENT))


def canonical_json(figures: Figures) -> str:
    """One text per set of figures: sorted keys, no spaces, UTF-8 names kept as they are."""
    return json.dumps(figures, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def year_label(company: Company, year: int) -> str:
    """A financial year as it is named: "2026-27" from April (or any day but 1-Jan), "2026"
    for a calendar year."""
    if (company.financial_year_start.month, company.financial_year_start.day) == (1, 1):
        return str(year)
    return f"{year}-{(year + 1) % 100:02d}"


def company_years(company: Company) -> list[int]:
    """The financial years from the one the books begin in to the one of the last voucher or
    closing stock value (at least the first): fixed by the books, not by today's date."""
    last = max(
        filter(
            None,
            (
                company.books_beginning,
                Voucher.objects.filter(company=company).aggregate(d=Max("date"))["d"],
                ClosingStock.objects.filter(company=company).aggregate(d=Max("date"))["d"],
            ),
        )
    )
    first = company.financial_year_of(company.books_beginning)
    return list(range(first, company.financial_year_of(last) + 1))


def year_bounds(company: Company, year: int) -> tuple[dt.date, dt.date]:
    """The year's first day (the books' beginning in their first year) and its last day."""
    start = company.financial_year_start.replace(year=year)
    end = company.financial_year_start.replace(year=year + 1) - dt.timedelta(days=1)
    return max(start, company.books_beginning), end


def _details(rows: list[DetailRow]) -> dict[str, str]:
    """Detailed rows by their path of names (a row's depth says which row above holds it)."""
    paths: dict[str, str] = {}
    above: list[str] = []
    for row in rows:
        above = [*above[: row.depth], row.particulars]
        paths[" > ".join(above)] = amount_text(row.amount)
    return paths


def _side(lines: list[FinalLine]) -> dict[str, Any]:
    return {
        line.particulars: {"amount": amount_text(line.amount), "details": _details(line.details)}
        for line in lines
    }


def _trial_balance(company: Company, as_of: dt.date) -> dict[str, Any]:
    report = trial_balance_get(company=company, as_of=as_of)
    return {
        "ledgers": {row.ledger.name: amount_text(row.balance) for row in report.rows},
        "opening difference": amount_text(report.opening_difference),
        "total debit": amount_text(report.total_debit),
        "total credit": amount_text(report.total_credit),
    }


def _profit_and_loss(company: Company, date_from: dt.date, date_to: dt.date) -> dict[str, Any]:
    report = profit_and_loss_get(company=company, date_from=date_from, date_to=date_to)
    return {
        "trading debit": _side(report.trading_debit),
        "trading credit": _side(report.trading_credit),
        "debit": _side(report.debit),
        "credit": _side(report.credit),
        "gross profit": amount_text(report.gross_profit),
        "nett profit": amount_text(report.nett_profit),
    }


def _balance_sheet(company: Company, as_of: dt.date) -> dict[str, Any]:
    report = balance_sheet_get(company=company, as_of=as_of)
    return {
        "liabilities": _side(report.liabilities),
        "assets": _side(report.assets),
        "liabilities total": amount_text(report.liabilities_total),
        "assets total": amount_text(report.assets_total),
    }


def year_figures(company: Company, year: int) -> dict[str, Any]:
    """One financial year: its vouchers (cancelled ones too), the Trial Balance as of its last
    day, the Profit & Loss A/c over it and the Balance Sheet as of its last day."""
    date_from, date_to = year_bounds(company, year)
    vouchers = Voucher.objects.filter(company=company, financial_year=year)
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "vouchers": vouchers.count(),
        "cancelled vouchers": vouchers.filter(is_cancelled=True).count(),
        "Trial Balance": _trial_balance(company, date_to),
        "Profit & Loss A/c": _profit_and_loss(company, date_from, date_to),
        "Balance Sheet": _balance_sheet(company, date_to),
    }


def company_figures(company: Company) -> dict[str, Any]:
    return {
        "books beginning": company.books_beginning.isoformat(),
        "financial year start": company.financial_year_start.strftime("%d-%b"),
        "years": {year_label(company, y): year_figures(company, y) for y in company_years(company)},
    }


def company_keys(companies: list[Company]) -> Iterator[tuple[str, Company]]:
    """Each company under its name; a name shared by several gets "#2", "#3"… in the order the
    companies were created (ids), so a move that recreates them in that order keys them alike."""
    seen: dict[str, int] = {}
    for company in sorted(companies, key=lambda c: c.pk):
        seen[company.name] = seen.get(company.name, 0) + 1
        count = seen[company.name]
        yield (company.name if count == 1 else f"{company.name} #{count}"), company


def books_figures(*, names: list[str] | None = None) -> Figures:
    """The figures of every company in this database (or of those named)."""
    companies = list(Company.objects.all())
    return {
        "format": FORMAT,
        "version": VERSION,
        "companies": {
            key: company_figures(company)
            for key, company in company_keys(companies)
            if names is None or key in names
        },
    }


# The difference report.


@dataclass(frozen=True)
class Difference:
    """One figure that is not the same on both sides (None: missing on that side)."""

    path: tuple[str, ...]
    source: Any
    target: Any

    @property
    def company(self) -> str:
        return self.path[1] if len(self.path) > 1 else ""

    @property
    def year(self) -> str:
        return self.path[3] if len(self.path) > 3 and self.path[2] == "years" else ""

    def where(self) -> str:
        """The figure in words: "Sharma Traders, 2026-27, Trial Balance, ledger Sales"."""
        parts: list[str] = []
        path = list(self.path)
        for i, key in enumerate(path):
            if key in {"companies", "years", "details"}:
                continue
            if key == "ledgers" and i + 1 < len(path):
                path[i + 1] = f"ledger {path[i + 1]}"
                continue
            parts.append(key)
        return ", ".join(parts)

    def __str__(self) -> str:
        # A Trial Balance's ledger or difference is a balance (Dr/Cr); a total, or a final
        # account's figure (on its side), is an amount.
        balance = "Trial Balance" in self.path and not self.path[-1].startswith("total")
        shown = format_balance if balance else format_signed
        source, target = _shown(self.source, shown), _shown(self.target, shown)
        return f"{self.where()}: {source} on the source, {target} on the target"


def _shown(value: Any, shown: Callable[[Decimal], str]) -> str:
    if value is None:
        return "missing"
    if isinstance(value, str):
        try:
            return shown(Decimal(value))
        except ArithmeticError:
            return value
    return str(value)


def _leaves(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, str(key)))
    else:
        yield path, node


def figures_diff(source: Figures, target: Figures) -> list[Difference]:
    """Every figure that differs, or is on one side only, by company, year and report; empty
    when the two are the same figure for figure. A company (or a year) on one side only is one
    difference, not one per figure."""
    differences: list[Difference] = []
    for path, ours, theirs in _pairs(source, target, ()):
        differences.append(Difference(path, ours, theirs))
    return differences


def _pairs(ours: Any, theirs: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple, Any, Any]]:
    whole = len(path) >= 1 and path[-1] in {"companies", "years"}
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(ours.keys() | theirs.keys()):
            here = (*path, str(key))
            if whole and (key not in ours or key not in theirs):
                yield here, _present(ours, key), _present(theirs, key)
            else:
                yield from _pairs(ours.get(key), theirs.get(key), here)
    elif isinstance(ours, dict) or isinstance(theirs, dict):
        yield from _one_side(ours, theirs, path)
    elif ours != theirs:
        yield path, ours, theirs


def _present(node: dict[str, Any], key: str) -> str | None:
    return "present" if key in node else None


def _one_side(ours: Any, theirs: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple, Any, Any]]:
    """A mapping on one side against a figure (or nothing) on the other: each figure under it."""
    mine = dict(_leaves(ours, path)) if isinstance(ours, dict) else {path: ours}
    other = dict(_leaves(theirs, path)) if isinstance(theirs, dict) else {path: theirs}
    for here in sorted(mine.keys() | other.keys()):
        if mine.get(here) != other.get(here):
            yield here, mine.get(here), other.get(here)
