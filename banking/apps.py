from django.apps import AppConfig


class BankingConfig(AppConfig):
    """Banking: cheques on bank lines are vouchers' (vouchers.bills.BankDetail); this app keeps
    the Bank Reconciliation — bank dates, bank statements and their matches."""

    name = "banking"

    def ready(self) -> None:
        from banking.live import statement_live
        from banking.models import StatementFormat, StatementLine
        from banking.snapshots import statement_format_snapshot, statement_line_snapshot
        from core.records import ArchivedTable, RecordKind, archive_register, register

        # A bank date is the voucher's: it is recorded in the voucher's Change (its snapshot
        # shows each line's bank_date). The statement's format and lines are records of their
        # own, with Changes: an import records each line created, an accepted match its "alter".
        register(
            RecordKind(
                "statement_format",
                StatementFormat,
                "Bank statement format",
                snapshot=statement_format_snapshot,
                order=(
                    *("ledger", "skip_rows", "date_format", "date_column", "narration_column"),
                    *("reference_column", "withdrawal_column", "deposit_column"),
                    *("amount_column", "drcr_column"),
                ),
                live=statement_live,
                position=60,
            )
        )
        register(
            RecordKind(
                "statement_line",
                StatementLine,
                "Bank statement line",
                snapshot=statement_line_snapshot,
                signed_amounts=frozenset({"amount"}),
                order=("ledger", "date", "description", "reference", "amount", "matched"),
                live=statement_live,
                position=61,
            )
        )
        archive_register(ArchivedTable(StatementFormat))
        archive_register(ArchivedTable(StatementLine))
