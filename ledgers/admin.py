from django.contrib import admin

from ledgers.models import Group, Ledger


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "parent", "nature", "is_revenue", "predefined"]
    list_filter = ["company", "nature", "predefined"]
    search_fields = ["name"]

    def has_change_permission(self, request, obj=None):
        return False  # groups change through the application, which records the Edit Log


@admin.register(Ledger)
class LedgerAdmin(admin.ModelAdmin):
    """Read-only: ledger writes go through the services so that the Edit Log records them."""

    list_display = ["name", "company", "group", "opening_balance", "closing_balance", "version"]
    list_filter = ["company", "group__name"]
    search_fields = ["name", "gstin"]
    list_select_related = ["group", "company"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
