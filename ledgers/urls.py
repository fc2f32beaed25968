from django.urls import path

from ledgers import views
from locking.urls import lock_urls

urlpatterns = [
    path("", views.ledgers, name="ledgers"),
    path("new/", views.ledger_new, name="ledger-new"),
    path("search/", views.search, name="ledger-search"),
    path("groups/", views.groups, name="groups"),
    path("<id:pk>/edit/", views.ledger_edit, name="ledger-edit"),
    *lock_urls("ledger"),
]
