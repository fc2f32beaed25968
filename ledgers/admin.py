from django.contrib import admin

from core.admin import ReadOnlyAdmin
from ledgers.models import Group, Ledger


@admin.register(Group)
class GroupAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["name", "company", "parent", "nature", "is_revenue", "predefined"]
    list_filter = ["company", "nature", "predefined"]
    search_fields = ["name"]


@admin.register(Ledger)
class LedgerAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: ledger writes go through the services so that the Edit Log records them."""

    list_display = ["name", "company", "group", "opening_balance", "closing_balance", "version"]
    list_filter = ["company", "group__name"]
    search_fields = ["name", "gstin"]
    list_select_related = ["group", "company"]
