"""URL map of DESIGN.md §7."""

from django.contrib import admin
from django.urls import include, path

from reports import views as reports_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("books.urls")),
    path("", include("server.urls")),
    path("c/<id:cid>/", reports_views.dashboard, name="company"),
    path("c/<id:cid>/ledgers/", include("ledgers.urls")),
    path("c/<id:cid>/vouchers/", include("vouchers.urls")),
    path("c/<id:cid>/reports/", include("reports.urls")),
    path("c/<id:cid>/editlog/", include("editlog.urls")),
]

# A database that is down or locked answers 503 with what happened (core.http).
handler500 = "core.http.server_error"
