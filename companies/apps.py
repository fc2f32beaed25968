from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "companies"

    def ready(self) -> None:
        from django.urls import register_converter

        from companies.converters import IdConverter

        register_converter(IdConverter, "id")
