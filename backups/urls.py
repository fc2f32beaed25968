"""A company's backups, restore, verify/repair and exceptions (under /c/<cid>/backups/)."""

from django.urls import path

from backups import views_verify

app_name = "backups"

urlpatterns: list = [
    # verify and the Exceptions list (backups.views_verify)
    path("verify/", views_verify.verify, name="verify"),
    path("exceptions/", views_verify.exceptions, name="exceptions"),
]
