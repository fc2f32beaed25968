from django.contrib import admin

from core.admin import ReadOnlyAdmin
from vouchers.models import Entry, Voucher, VoucherType


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ["position", "ledger", "amount", "date"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(VoucherType)
class VoucherTypeAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["name", "company", "base", "abbreviation", "shortcut"]
    list_filter = ["company", "base"]


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: voucher writes go through the services (numbering, balances, Edit Log)."""

    list_display = ["__str__", "company", "date", "financial_year", "is_cancelled", "version"]
    list_filter = ["company", "voucher_type__name", "is_cancelled", "financial_year"]
    search_fields = ["narration", "number"]
    date_hierarchy = "date"
    list_select_related = ["voucher_type", "company"]
    inlines = [EntryInline]
