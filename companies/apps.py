from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "companies"

    def ready(self) -> None:
        from companies.live import company_live, company_note, gst_registration_live
        from companies.models import Company, GstRegistration, Membership
        from companies.snapshots import (
            company_snapshot,
            gst_registration_snapshot,
            membership_snapshot,
        )
        from core.records import ArchivedTable, RecordKind, archive_register, register

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
                    "integrate_inventory": "Integrate accounts with inventory",
                    "refuse_negative_stock": "Refuse negative stock",
                    "restored_from": "Restored from backup",
                },
                grown={
                    "warn_negative_cash": True,
                    "mailing_name": "",
                    "pin": "",
                    "pan": "",
                    "integrate_inventory": False,
                    "refuse_negative_stock": False,
                },
                notes=frozenset({"restored_from"}),
                live=company_live,
                live_note=company_note,
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
                    "integrate_inventory",
                    "refuse_negative_stock",
                ),
                position=40,
            )
        )
        register(
            RecordKind(
                "gst_registration",
                GstRegistration,
                "GST registration",
                snapshot=gst_registration_snapshot,
                labels={
                    "gstin": "GSTIN",
                    "state": "State code",
                    "registration_type": "Registration type",
                    "valid_from": "Applicable from",
                },
                order=("gstin", "state", "registration_type", "valid_from"),
                url_name="gst-registration",
                live=gst_registration_live,
                position=45,
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
        archive_register(ArchivedTable(Company, "pk"))
        # Users are the server's: a membership travels as the user's name and role.
        archive_register(ArchivedTable(Membership))
        archive_register(ArchivedTable(GstRegistration))
