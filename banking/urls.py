from django.urls import path

from banking import views

urlpatterns = [
    path("", views.banking, name="banking"),
    path("<id:pk>/", views.reconciliation, name="bank-reconciliation"),
    path("<id:pk>/statement/", views.statement, name="bank-statement"),
    path("<id:pk>/statement/format/", views.statement_format, name="bank-statement-format"),
    path("<id:pk>/statement/accept/", views.statement_accept, name="bank-statement-accept"),
]
