from django.urls import path

from vouchers import views

urlpatterns = [
    path("", views.vouchers, name="vouchers"),
    path("<int:pk>/", views.voucher, name="voucher"),
    path("<int:pk>/cancel/", views.cancel, name="voucher-cancel"),
]
