from django.urls import path

from locking.urls import lock_urls
from vouchers import views

urlpatterns = [
    path("", views.vouchers, name="vouchers"),
    path("new/", views.voucher_new, name="voucher-new"),
    path("ledgers/", views.ledger_choices, name="voucher-ledgers"),
    path("bills/", views.bills, name="voucher-bills"),
    path("types/", views.types, name="voucher-types"),
    path("types/<id:pk>/numbering/", views.numbering, name="voucher-numbering"),
    path("<id:pk>/", views.voucher, name="voucher"),
    path("<id:pk>/edit/", views.voucher_edit, name="voucher-edit"),
    path("<id:pk>/cancel/", views.cancel, name="voucher-cancel"),
    *lock_urls("voucher"),
]
