"""A company's backups, restore, verify/repair and exceptions (under /c/<cid>/backups/)."""

from django.urls import path

from backups import views, views_verify

app_name = "backups"

urlpatterns = [
    path("", views.backups, name="list"),
    path("progress/", views.progress, name="progress"),
    path("download/", views.download, name="download"),
    path("restore/", views.restore_view, name="restore"),
    # verify and the Exceptions list (backups.views_verify)
    path("verify/", views_verify.verify, name="verify"),
    path("exceptions/", views_verify.exceptions, name="exceptions"),
]
