from django.apps import AppConfig


class ConfigApp(AppConfig):
    """Configuration an administrator changes while the server runs; a leaf (Django and core
    only), read by locking, sync and server."""

    name = "config"
    verbose_name = "Configuration"
