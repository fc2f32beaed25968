from django.urls import path

from editlog import views

urlpatterns = [
    path("", views.changes, name="editlog"),
]
