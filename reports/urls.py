from django.urls import path

from reports import views
from reports import views_outstandings as outstandings

urlpatterns = [
    path("trial-balance/", views.trial_balance, name="trial-balance"),
    path("profit-loss/", views.profit_and_loss, name="profit-loss"),
    path("balance-sheet/", views.balance_sheet, name="balance-sheet"),
    path("group-summary/", views.group_summary, name="group-summary"),
    path("group-vouchers/", views.group_vouchers, name="group-vouchers"),
    path("register/", views.register, name="register"),
    path("register/vouchers/", views.register_vouchers, name="register-vouchers"),
    path("ledger/<id:pk>/", views.ledger_statement, name="ledger-statement"),
    path("ledger/<id:pk>/monthly/", views.ledger_monthly, name="ledger-monthly"),
    path("cash-bank-books/", views.cash_bank_books, name="cash-bank-books"),
    path("cash-bank-books/<id:pk>/", views.cash_bank_book, name="cash-bank-book"),
]

from reports import views_statement  # noqa: E402 (its own module; routes added below)

urlpatterns += [
    path("party-statement/<id:pk>/", views_statement.party_statement, name="party-statement"),
]
urlpatterns += [
    path("bills-receivable/", outstandings.bills_receivable, name="bills-receivable"),
    path("bills-payable/", outstandings.bills_payable, name="bills-payable"),
    path("outstanding/ledger/<id:pk>/", outstandings.ledger_outstanding, name="outstanding-ledger"),
    path(
        "outstanding/group/<str:group>/", outstandings.group_outstanding, name="outstanding-group"
    ),
    path("ageing/", outstandings.ageing, name="ageing"),
]
