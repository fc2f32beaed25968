from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared pieces every app may use (money, input, HTTP, the record registry); no models."""

    name = "core"
    verbose_name = "TallySync core"

    def ready(self) -> None:
        from django.urls import register_converter

        from core.converters import IdConverter

        register_converter(IdConverter, "id")
