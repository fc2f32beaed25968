"""A company's backups, restore, verify/repair and exceptions (under /c/<cid>/backups/)."""

from django.urls import path  # noqa: F401

app_name = "backups"

urlpatterns: list = []
