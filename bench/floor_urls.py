"""request_floor.py's URL conf: the app's, and at its end one view that does nothing."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from tallysync.urls import urlpatterns as app_urlpatterns


def empty(request: HttpRequest, cid: int) -> HttpResponse:
    """An answer and no work: what is left of a request is the server's own path to a view."""
    return HttpResponse(b"ok", content_type="text/plain")


# Last, so the app's company URLs are tried first, as for any URL of the app.
urlpatterns = [*app_urlpatterns, path("c/<int:cid>/floor-empty/", empty)]
handler500 = "core.http.server_error"
