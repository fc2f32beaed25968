"""What the Edit Log keeps of a bank's statement format and of a statement line (hashed: the
shapes only grow)."""

from __future__ import annotations

from typing import Any

from banking.models import StatementFormat, StatementLine


def statement_format_snapshot(fmt: StatementFormat) -> dict[str, Any]:
    return {
        "ledger_id": fmt.ledger_id,
        "ledger": fmt.ledger.name,
        "skip_rows": fmt.skip_rows,
        "date_format": fmt.date_format,
        "date_column": fmt.date_column,
        "narration_column": fmt.narration_column,
        "reference_column": fmt.reference_column,
        "withdrawal_column": fmt.withdrawal_column,
        "deposit_column": fmt.deposit_column,
        "amount_column": fmt.amount_column,
        "drcr_column": fmt.drcr_column,
    }


def statement_line_snapshot(line: StatementLine) -> dict[str, Any]:
    """A line, its amount signed as the bank's statement shows it (Dr positive), and whether
    it was accepted as clearing a book entry (the entry's id is not kept: an alteration of its
    voucher rewrites its entries)."""
    return {
        "ledger_id": line.ledger_id,
        "ledger": line.ledger.name,
        "date": line.date,
        "description": line.description,
        "reference": line.reference,
        "amount": line.amount,
        "matched": line.matched,
    }
