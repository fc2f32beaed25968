"""The server app's URLs (DESIGN.md §7)."""

from django.urls import path

from server import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("monitor/", views.monitor, name="monitor"),
]
