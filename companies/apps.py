from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "companies"

    def ready(self) -> None:
        from companies.live import company_live, company_note
        from companies.models import Company, Membership
        from companies.snapshots import company_snapshot, membership_snapshot
        from core.records import RecordKind, register

        register(
            RecordKind(
                "company",
                Company,
                "Company",
                snapshot=company_snapshot,
                labels={
                    "gstin": "GSTIN",
                    "financial_year_start": "Financial year begins",
                    "books_beginning": "Books begin",
                    "warn_negative_cash": "Warn on negative cash balance",
                    "restored_from": "Restored from backup",
                },
                grown={"warn_negative_cash": True},
                notes=frozenset({"restored_from"}),
                live=company_live,
                live_note=company_note,
                order=(
                    "name",
                    "address",
                    "state",
                    "gstin",
                    "financial_year_start",
                    "books_beginning",
                    "warn_negative_cash",
                ),
                position=40,
            )
        )
        register(
            RecordKind(
                "membership",
                Membership,
                "Member",
                snapshot=membership_snapshot,
                seeded=lambda membership: membership.is_owner,  # the founding owner
                order=("user", "role"),
                position=50,
            )
        )
        from core.records import ArchivedTable, archive_register

        archive_register(ArchivedTable(Company, "pk"))
        # Users are the server's: a membership travels as the user's name and role.
        archive_register(ArchivedTable(Membership))
