from django.apps import AppConfig


class EditlogConfig(AppConfig):
    name = "editlog"
