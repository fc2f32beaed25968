from django.urls import include, path

from inventory import views
from locking.urls import lock_urls


def _routes(segment: str, master: views.Master) -> list:
    given = {"master": master}
    pages = [
        path("", views.master_list, given, name=f"{master.url}s"),
        path("new/", views.master_new, given, name=f"{master.url}-new"),
        path("<id:pk>/", views.master_detail, given, name=master.url),
        path("<id:pk>/edit/", views.master_edit, given, name=f"{master.url}-edit"),
        *lock_urls(master.kind),
    ]
    return [path(f"{segment}/", include(pages))]


urlpatterns = [
    *_routes("units", views.UNITS),
    *_routes("stock-groups", views.STOCK_GROUPS),
    *_routes("godowns", views.GODOWNS),
    *_routes("items", views.STOCK_ITEMS),
    path("vouchers/new/", views.item_invoice_new, name="item-invoice-new"),
]
