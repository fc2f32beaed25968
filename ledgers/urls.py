from django.urls import path

from ledgers import views
from locking import views as locking_views

urlpatterns = [
    path("", views.ledgers, name="ledgers"),
    path("new/", views.ledger_new, name="ledger-new"),
    path("search/", views.search, name="ledger-search"),
    path("groups/", views.groups, name="groups"),
    path("<id:pk>/edit/", views.ledger_edit, name="ledger-edit"),
    path("<id:pk>/lock/", locking_views.lock, {"kind": "ledger"}, name="ledger-lock"),
    path(
        "<id:pk>/lock/break/",
        locking_views.lock_take_over,
        {"kind": "ledger"},
        name="ledger-lock-break",
    ),
]
