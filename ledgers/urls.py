from django.urls import path

from ledgers import views
from locking.urls import lock_urls

urlpatterns = [
    path("", views.ledgers, name="ledgers"),
    path("new/", views.ledger_new, name="ledger-new"),
    path("search/", views.search, name="ledger-search"),
    path("groups/", views.groups, name="groups"),
    path("<id:pk>/edit/", views.ledger_edit, name="ledger-edit"),
    path("<id:pk>/closing-stock/", views.closing_stock, name="closing-stock"),
    path("closing-stock/<id:pk>/delete/", views.closing_stock_remove, name="closing-stock-delete"),
    *lock_urls("ledger"),
]
