from django.urls import path

from companies import views

urlpatterns = [
    path("c/", views.companies, name="companies"),
    path("c/<int:cid>/", views.company_detail, name="company"),
    path("c/<int:cid>/members/", views.members, name="members"),
    path("c/<int:cid>/members/<str:username>/", views.member, name="member"),
    path("auth/token/", views.token, name="auth-token"),
]
