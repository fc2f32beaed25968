from django.contrib.auth import views as auth_views
from django.urls import include, path

from books import office, views
from locking.urls import lock_urls

urlpatterns = [
    path("setup/", views.setup, name="setup"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("c/", views.companies, name="companies"),
    path("c/<id:cid>/features/", views.features, name="company-features"),
    path("c/<id:cid>/members/", views.members, name="members"),
    path("c/<id:cid>/members/<str:username>/", views.member, name="member"),
    path("c/<id:cid>/alter/", office.company_alter_view, name="company-alter"),
    path("c/<id:cid>/gst/registrations/", office.gst_registrations, name="gst-registrations"),
    path("c/<id:cid>/gst/registrations/<id:pk>/", office.gst_registration, name="gst-registration"),
    # The company's edit lock: /c/<cid>/company/<cid>/lock/ (locking.urls names them).
    path("c/<id:cid>/company/", include(lock_urls("company"))),
    path("users/", office.users, name="users"),
    path("users/<id:pk>/password/", office.user_password, name="user-password"),
    path("users/<id:pk>/active/", office.user_active, name="user-active"),
    path("auth/token/", views.token, name="auth-token"),
    path("auth/tokens/", views.api_tokens, name="api-tokens"),
    path("auth/tokens/revoke/", views.api_tokens_revoke, name="api-tokens-revoke"),
    path("auth/tokens/<id:pk>/revoke/", views.api_token_revoke, name="api-token-revoke"),
]
