from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "sync"

    def ready(self) -> None:
        from sync import publisher

        publisher.connect()
