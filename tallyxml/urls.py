"""A company's Tally pages (under /c/<cid>/tally/)."""

from django.urls import path

from tallyxml import views

urlpatterns = [
    path("import/", views.tally_import, name="tally-import"),
    path("export/", views.tally_export, name="tally-export"),
]
