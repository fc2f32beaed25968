from django.apps import AppConfig


class ServerConfigApp(AppConfig):
    name = "server"
    verbose_name = "Server"
