from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "companies"

    def ready(self) -> None:
        from companies.models import Company, Membership
        from companies.snapshots import company_snapshot, membership_snapshot
        from core.records import RecordKind, register

        register(
            RecordKind(
                "company",
                Company,
                "Company",
                snapshot=company_snapshot,
                # Altered on Company Alteration like any master: one person at a time.
                lockable=True,
                labels={
                    "mailing_name": "Mailing name",
                    "pin": "PIN code",
                    "pan": "PAN",
                    "gstin": "GSTIN",
                    "financial_year_start": "Financial year begins",
                    "books_beginning": "Books begin",
                    "warn_negative_cash": "Warn on negative cash balance",
                },
                grown={"warn_negative_cash": True, "mailing_name": "", "pin": "", "pan": ""},
                order=(
                    "name",
                    "mailing_name",
                    "address",
                    "state",
                    "pin",
                    "pan",
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
