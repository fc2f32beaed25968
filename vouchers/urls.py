from django.urls import path

from vouchers import views

urlpatterns = [
    path("", views.vouchers, name="vouchers"),
    path("new/", views.voucher_new, name="voucher-new"),
    path("<int:pk>/", views.voucher, name="voucher"),
    path("<int:pk>/edit/", views.voucher_edit, name="voucher-edit"),
    path("<int:pk>/cancel/", views.cancel, name="voucher-cancel"),
]
