"""A company's backups, restore, verify/repair and exceptions (under /c/<cid>/backups/)."""

from django.urls import path

from backups import views

app_name = "backups"

urlpatterns: list = [
    path("", views.backups, name="list"),
    path("progress/", views.progress, name="progress"),
    path("download/", views.download, name="download"),
    path("restore/", views.restore_view, name="restore"),
]
