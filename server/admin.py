"""The server configuration in the admin site: one row, changed through config_update."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.request import validate_host
from django.urls import reverse
from django.utils.text import get_text_list

from config.models import ServerConfig
from server.limits import limits_running
from server.network import url_host
from server.services import config_update

RESTART_LABELS = {
    "address": "listen address",
    "port": "port",
    "host_names": "host names",
    "max_connections": "maximum connections",
    "max_connections_per_address": "maximum connections per computer",
    "header_timeout": "request timeout",
}


def restart_message(fields: list[str]) -> str:
    """The warning after saving fields that take effect only when the server restarts."""
    labels = [RESTART_LABELS[name] for name in fields]
    verb = "take" if len(fields) > 1 or fields == ["host_names"] else "takes"
    return (
        f"Saved. The {get_text_list(labels, 'and')} {verb} effect when the server is restarted "
        "(python manage.py serve)."
    )


def running_notes(config: ServerConfig) -> list[str]:
    """Where this process differs from the saved row: it read address, port and names at start."""
    notes = []
    address, port = settings.SERVING_ADDRESS, settings.SERVING_PORT
    if address and port and (address, port) != (config.address, config.port):
        notes.append(f"Running on {url_host(address)}:{port} until restarted.")
    waiting = [
        name for name in config.host_name_list if not validate_host(name, settings.ALLOWED_HOSTS)
    ]
    if waiting:
        notes.append(
            f"Not accepted until the server is restarted with python manage.py serve: "
            f"{', '.join(waiting)}."
        )
    return notes + limits_notes(config)


def limits_notes(config: ServerConfig) -> list[str]:
    """Where the connection limits this process applies differ from the saved ones (serve passed
    them at start), and whether its descriptor limit lowered the cap."""
    if not settings.SERVING_PORT:  # not started by serve: it read no saved limits
        return []
    running = limits_running()
    saved = (config.max_connections, config.max_connections_per_address, config.header_timeout)
    notes = []
    if (running.asked, running.per_address, running.header_timeout) != saved:
        notes.append(f"Until restarted, the server runs with {running}.")
    if warning := running.descriptor_warning():
        notes.append(warning)
    return notes


@admin.register(ServerConfig)
class ServerConfigAdmin(admin.ModelAdmin):
    """A singleton: the list opens the one row, which is never added or deleted here."""

    fieldsets = [
        (
            "Network (takes effect when the server is restarted)",
            {"fields": list(ServerConfig.NETWORK_FIELDS)},
        ),
        (
            "Connections (take effect when the server is restarted)",
            {"fields": list(ServerConfig.CONNECTION_FIELDS)},
        ),
        ("Live sync", {"fields": ["lock_timeout", "resume_retention", "resume_retention_hours"]}),
        (
            "Users",
            {
                "fields": [
                    "max_users",
                    "max_sockets_per_user",
                    "max_sockets_per_address",
                    "company_creation",
                ]
            },
        ),
        ("Backups (docs/operations.md)", {"fields": list(ServerConfig.BACKUP_FIELDS)}),
        (
            "Tally's XML API (docs/security.md)",
            {"fields": ["xml_api_networks", "xml_api_user"]},
        ),
    ]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "xml_api_user":  # a user is picked here, never made or deleted
            widget = formfield.widget
            widget.can_add_related = widget.can_change_related = False
            widget.can_delete_related = widget.can_view_related = False
        return formfield

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The list creates the row with the defaults; an add form could only make a second one.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        config, _ = ServerConfig.objects.get_or_create(pk=1)
        return HttpResponseRedirect(reverse("admin:config_serverconfig_change", args=[config.pk]))

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        if str(object_id) == "1":  # the one row always opens, created with the defaults
            ServerConfig.objects.get_or_create(pk=1)
        return super().get_object(request, object_id, from_field)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        config = self.get_object(request, object_id)
        notes = running_notes(config) if config else []
        extra_context = {**(extra_context or {}), "running_notes": notes}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(
        self, request: HttpRequest, obj: ServerConfig, form: ModelForm, change: bool
    ) -> None:
        restart = config_update(config=obj, changed=form.changed_data, actor=request.user)
        if restart:
            messages.warning(request, restart_message(restart))
