"""The project's URL conf plus the notes' lock routes, as an app with a lockable kind adds them."""

from django.urls import include, path

from locking.urls import lock_urls
from tallysync.urls import urlpatterns as project

urlpatterns = [*project, path("c/<id:cid>/notes/", include(lock_urls("note")))]
