from django.apps import AppConfig


class BankingConfig(AppConfig):
    """Banking: cheques on bank lines are vouchers' (vouchers.bills.BankDetail); this app keeps
    the Bank Reconciliation — bank dates, bank statements and their matches."""

    name = "banking"
