from django.urls import path

from reports import views

urlpatterns = [
    path("trial-balance/", views.trial_balance, name="trial-balance"),
    path("profit-loss/", views.profit_and_loss, name="profit-loss"),
    path("balance-sheet/", views.balance_sheet, name="balance-sheet"),
    path("group-summary/", views.group_summary, name="group-summary"),
    path("group-vouchers/", views.group_vouchers, name="group-vouchers"),
    path("register/", views.register, name="register"),
    path("register/vouchers/", views.register_vouchers, name="register-vouchers"),
]
