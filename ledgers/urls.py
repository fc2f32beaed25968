from django.urls import path

from ledgers import views

urlpatterns = [
    path("", views.ledgers, name="ledgers"),
    path("<int:pk>/", views.ledger, name="ledger"),
    path("groups/", views.groups, name="groups"),
]
