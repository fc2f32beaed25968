"""URL map of DESIGN.md §7."""

from django.contrib import admin
from django.urls import include, path

from backups import views as backups_views
from books import views as books_views
from core.http import page_or, post_or
from ledgers import views as ledgers_views
from reports import views as reports_views
from tallyxml import views_api as tally_api

urlpatterns = [
    path("admin/", admin.site.urls),
    # The company picker, and Tally's XML API on the same URL as Tally answers it (POST /).
    path("", post_or(tally_api.xml_api, books_views.gateway), name="gateway"),
    path("", include("books.urls")),
    path("", include("server.urls")),
    # The Gateway's region: each owned company's last good backup (the Gateway sits in books,
    # below backups, so it loads this rather than reading the backup folder itself).
    path("backups/ages/", backups_views.ages, name="backup-ages"),
    path("c/<id:cid>/", reports_views.dashboard, name="company"),
    # A ledger's URL: its statement (a report, above ledgers) for a browser, the ledger's JSON
    # and its alterations (ledgers) for everything else.
    path(
        "c/<id:cid>/ledgers/<id:pk>/",
        page_or(reports_views.ledger_statement, ledgers_views.ledger),
        name="ledger",
    ),
    path("c/<id:cid>/ledgers/", include("ledgers.urls")),
    path("c/<id:cid>/vouchers/", include("vouchers.urls")),
    path("c/<id:cid>/reports/", include("reports.urls")),
    path("c/<id:cid>/banking/", include("banking.urls")),
    path("c/<id:cid>/inventory/", include("inventory.urls")),
    path("c/<id:cid>/editlog/", include("editlog.urls")),
    path("c/<id:cid>/backups/", include("backups.urls")),
    path("c/<id:cid>/tally/", include("tallyxml.urls")),
]

# A database that is down or locked answers 503 with what happened (core.http).
handler500 = "core.http.server_error"
