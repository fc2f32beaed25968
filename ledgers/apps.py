from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "ledgers"
