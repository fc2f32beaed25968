from django.urls import path

from reports import views

urlpatterns = [
    path("trial-balance/", views.trial_balance, name="trial-balance"),
]
