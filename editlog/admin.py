from django.contrib import admin

from editlog.models import Change


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    """The Edit Log, read-only: it cannot be altered, deleted or switched off."""

    list_display = ["seq", "company", "at", "actor_name", "verb", "object_type", "object_repr"]
    list_filter = ["company", "verb", "object_type"]
    search_fields = ["object_repr", "actor_name"]
    date_hierarchy = "at"
    readonly_fields = ["prev_hash", "hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
