from django.contrib import admin

from core.admin import ReadOnlyAdmin
from editlog.models import Change


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The Edit Log, read-only: it cannot be altered, deleted or switched off."""

    list_display = ["seq", "company", "at", "actor_name", "verb", "object_type", "object_repr"]
    list_filter = ["company", "verb", "object_type"]
    search_fields = ["object_repr", "actor_name"]
    date_hierarchy = "at"
    readonly_fields = ["prev_hash", "hash"]
