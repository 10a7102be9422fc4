"""The site's URLs plus views that fail, for tests/core/test_error_pages.py."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.urls import path

from marketplace.urls import urlpatterns as site_urlpatterns


def database_down(request):
    raise OperationalError("connection to server at 127.0.0.1 failed")


def suspicious(request):
    raise SuspiciousOperation("tampered")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("test-errors/500/", database_down),
    path("test-errors/400/", suspicious),
    path("test-errors/403/", forbidden),
    *site_urlpatterns,
]
