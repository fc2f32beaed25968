"""The ledgers' kept totals and day rows worked out again from their entries: what a restore
runs after loading a company's rows (its archive carries entries, not the sums of them)."""

from __future__ import annotations

from django.db import connection

from companies.models import Company
from ledgers.models import Ledger, LedgerDay
from vouchers.models import Entry, Voucher


def ledger_totals_rebuild(company: Company) -> None:
    """Set every ledger's `total_debit` / `total_credit` and its `LedgerDay` rows from the
    company's entries (paise, as stored): two statements over the entries, one DELETE."""
    ledger, day, entry, voucher = (m._meta.db_table for m in (Ledger, LedgerDay, Entry, Voucher))
    debit = "CASE WHEN e.amount > 0 THEN e.amount ELSE 0 END"
    credit = "CASE WHEN e.amount < 0 THEN -e.amount ELSE 0 END"
    of_company = f"SELECT id FROM {ledger} WHERE company_id = %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ledger} SET "
            f"total_debit = COALESCE((SELECT SUM({debit}) FROM {entry} e "
            f"WHERE e.ledger_id = {ledger}.id), 0), "
            f"total_credit = COALESCE((SELECT SUM({credit}) FROM {entry} e "
            f"WHERE e.ledger_id = {ledger}.id), 0) "
            "WHERE company_id = %s",
            [company.pk],
        )
        cursor.execute(f"DELETE FROM {day} WHERE ledger_id IN ({of_company})", [company.pk])
        cursor.execute(
            f"INSERT INTO {day} (ledger_id, date, debit, credit) "
            f"SELECT e.ledger_id, e.date, SUM({debit}), SUM({credit}) FROM {entry} e "
            f"JOIN {voucher} v ON v.id = e.voucher_id WHERE v.company_id = %s "
            "GROUP BY e.ledger_id, e.date",
            [company.pk],
        )
