"""A party's statement of account for a period, to send to the party: the ledger's statement
(reports.statements) with each voucher's Ref., under the company's and the party's heads, and
the bills pending at its end (vouchers.bills) with what stands On Account beside them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from companies.models import Company
from core.money import ZERO
from ledgers.models import Ledger
from ledgers.selectors import ledger_get
from reports.statements import StatementLine, ledger_statement_stream
from vouchers.bills import PendingBill, bills_pending
from vouchers.models import Voucher

# Vouchers whose Ref. one query reads: well under any database's limit on parameters.
REFERENCE_CHUNK = 2000


@dataclass(frozen=True)
class PartyLine:
    """A voucher of the period as the statement prints it: the ledger statement's line and the
    voucher's Ref. (the party's own number for it: their bill or cheque)."""

    line: StatementLine
    reference: str


@dataclass(frozen=True)
class PartyStatement:
    """A ledger's statement of account: `bills` are those pending on `date_to` (None for a
    ledger that does not keep balances bill-by-bill), `on_account` what the closing balance
    holds beyond them, so that Σ pending + on_account = closing."""

    company: Company
    ledger: Ledger
    date_from: dt.date
    date_to: dt.date
    opening: Decimal  # signed, positive = Dr
    lines: list[PartyLine]
    closing: Decimal
    bills: list[PendingBill] | None

    @property
    def total_debit(self) -> Decimal:
        return sum((row.line.debit for row in self.lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((row.line.credit for row in self.lines), ZERO)

    @property
    def pending_total(self) -> Decimal:
        return sum((bill.pending for bill in self.bills or ()), ZERO)

    @property
    def on_account(self) -> Decimal:
        return self.closing - self.pending_total

    def overdue_days(self, bill: PendingBill) -> int:
        """Days past its due date on the statement's last day."""
        return bill.overdue_days(self.date_to)

    @property
    def bills_overdue(self) -> list[tuple[PendingBill, int]]:
        """The pending bills with their overdue days, as the page lists them."""
        return [(bill, self.overdue_days(bill)) for bill in self.bills or ()]


def _references(voucher_ids: Iterable[int]) -> dict[int, str]:
    """The Ref. of those vouchers that have one, a query per REFERENCE_CHUNK vouchers."""
    ids, references = sorted(set(voucher_ids)), {}
    for start in range(0, len(ids), REFERENCE_CHUNK):
        chunk = Voucher.objects.filter(pk__in=ids[start : start + REFERENCE_CHUNK])
        references.update(chunk.exclude(reference="").values_list("pk", "reference"))
    return references


def party_statement_get(
    *, company: Company, ledger_id: int, date_from: dt.date, date_to: dt.date
) -> PartyStatement:
    """The statement of account of any ledger of the company between two days: opening, each
    voucher (the ledger statement's lines, read page by page), closing, and for a bill-wise
    ledger the bills pending on `date_to`. NotFound (404) for another company's ledger."""
    ledger: Ledger = ledger_get(company=company, ledger_id=ledger_id)
    stream = ledger_statement_stream(
        ledger=ledger, date_from=date_from, date_to=date_to, company=company
    )
    lines = list(stream.lines)
    references = _references(line.voucher_id for line in lines)
    bills = None
    if ledger.bill_wise:
        bills = bills_pending(company_id=company.pk, as_of=date_to, ledger_ids=[ledger.pk])
    return PartyStatement(
        company=company,
        ledger=ledger,
        date_from=date_from,
        date_to=date_to,
        opening=stream.opening,
        lines=[PartyLine(line, references.get(line.voucher_id, "")) for line in lines],
        closing=lines[-1].balance if lines else stream.opening,
        bills=bills,
    )
