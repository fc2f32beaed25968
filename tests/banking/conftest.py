"""A seeded bank book for November 2026: HDFC Bank opens at 5,00,000.00 Dr; a receipt by
cheque 123456 (1,00,000.00), rent paid by cheque 000311 (25,000.00), a NEFT receipt
(45,500.50), and cheque 000312 to Gupta Suppliers (12,000.00) not yet presented — the book
the sample statements (tests/banking/samples) were written against."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ledgers.models import Ledger
from tests.conftest import make_ledger
from vouchers.models import Entry
from vouchers.services import voucher_create

SAMPLES = Path(__file__).parent / "samples"

# The formats of the three samples (tests/banking/samples/README.md).
FORMATS = {
    "hdfc": {
        "skip_rows": 1, "date_format": "dd/mm/yyyy", "date_column": 1, "narration_column": 2,
        "reference_column": 3, "withdrawal_column": 5, "deposit_column": 6,
    },
    "icici": {
        "skip_rows": 4, "date_format": "dd-mm-yy", "date_column": 3, "narration_column": 5,
        "reference_column": 4, "amount_column": 6, "drcr_column": 7,
    },
    "sbi": {
        "skip_rows": 5, "date_format": "dd-MMM-yyyy", "date_column": 1, "narration_column": 3,
        "reference_column": 4, "withdrawal_column": 5, "deposit_column": 6,
    },
}  # fmt: skip


def _bank_line(side: str, amount: str, **instrument: str) -> dict[str, Any]:
    return {"ledger": "HDFC Bank", side: amount, **instrument}


@pytest.fixture
def bank(company, alice) -> Ledger:
    return make_ledger(company, alice, "HDFC Bank", "Bank Accounts", opening_debit="500000")


@pytest.fixture
def book(company, alice, bank) -> dict[str, Entry]:
    """The bank's four entries, by name."""
    make_ledger(company, alice, "Sharma Enterprises", "Sundry Debtors")
    make_ledger(company, alice, "Gupta Suppliers", "Sundry Creditors")
    make_ledger(company, alice, "Rent", "Indirect Expenses")
    cheque = {"instrument_type": "Cheque"}
    vouchers = {
        "receipt": ("Receipt", "2026-11-02", "Sharma Enterprises",
                    _bank_line("debit", "100000", instrument_number="123456", **cheque)),
        "rent": ("Payment", "2026-11-05", "Rent",
                 _bank_line("credit", "25000", instrument_number="000311", **cheque)),
        "neft": ("Receipt", "2026-11-10", "Sharma Enterprises",
                 _bank_line("debit", "45500.50", instrument_type="NEFT")),
        "supplier": ("Payment", "2026-11-20", "Gupta Suppliers",
                     _bank_line("credit", "12000", instrument_number="000312", **cheque)),
    }  # fmt: skip
    entries = {}
    for name, (kind, day, other, line) in vouchers.items():
        side = "credit" if "debit" in line else "debit"
        amount = line.get("debit") or line.get("credit")
        data = {"type": kind, "date": day, "entries": [line, {"ledger": other, side: amount}]}
        if kind == "Payment":
            data["entries"].reverse()
        voucher = voucher_create(company=company, actor=alice, data=data)
        entries[name] = Entry.objects.get(voucher=voucher, ledger=bank)
    return entries
