from django.urls import path

from reports import views

urlpatterns = [
    path("trial-balance/", views.trial_balance, name="trial-balance"),
    path("profit-loss/", views.profit_and_loss, name="profit-loss"),
    path("balance-sheet/", views.balance_sheet, name="balance-sheet"),
    path("ledger/<id:pk>/", views.ledger_statement, name="ledger-statement"),
    path("ledger/<id:pk>/monthly/", views.ledger_monthly, name="ledger-monthly"),
    path("cash-bank-books/", views.cash_bank_books, name="cash-bank-books"),
    path("cash-bank-books/<id:pk>/", views.cash_bank_book, name="cash-bank-book"),
]
