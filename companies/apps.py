from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "companies"

    def ready(self) -> None:
        from companies.models import Company, Membership
        from companies.snapshots import company_snapshot, membership_snapshot
        from core.records import RecordKind, register

        register(RecordKind("company", Company, "Company", snapshot=company_snapshot))
        register(RecordKind("membership", Membership, "Member", snapshot=membership_snapshot))
