from django.urls import path

from locking import views as locking_views
from vouchers import views

urlpatterns = [
    path("", views.vouchers, name="vouchers"),
    path("new/", views.voucher_new, name="voucher-new"),
    path("<id:pk>/", views.voucher, name="voucher"),
    path("<id:pk>/edit/", views.voucher_edit, name="voucher-edit"),
    path("<id:pk>/cancel/", views.cancel, name="voucher-cancel"),
    path("<id:pk>/lock/", locking_views.lock, {"kind": "voucher"}, name="voucher-lock"),
    path(
        "<id:pk>/lock/break/",
        locking_views.lock_take_over,
        {"kind": "voucher"},
        name="voucher-lock-break",
    ),
]
