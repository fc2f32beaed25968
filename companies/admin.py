from django.contrib import admin

from companies.auth import tokens_delete
from companies.models import ApiToken, Company, Membership
from core.admin import ReadOnlyAdmin


class MembershipInline(ReadOnlyAdmin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Company)
class CompanyAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Companies and members change in the application (Gateway, members API): Edit Log."""

    list_display = ["name", "state", "gstin", "financial_year_start", "books_beginning", "last_seq"]
    search_fields = ["name", "gstin"]
    readonly_fields = ["last_seq", "created_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["user", "company", "role", "created_at"]
    list_filter = ["role", "company"]
    search_fields = ["user__username", "company__name"]
    autocomplete_fields = ["user", "company"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued at /auth/token/; the admin can see and revoke them."""

    list_display = ["user", "created_at", "last_used_at"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False

    # Deleting is revoking: through the service, so the tokens' sockets close at once.
    def delete_model(self, request, obj):
        tokens_delete(tokens=ApiToken.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        tokens_delete(tokens=queryset)
