"""Request-level middleware of the kernel."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def body_limit(content_type: str) -> int:
    """The largest body accepted for a request of this content type.

    A multipart form carries files (the largest form, the store page, holds a video, five
    images and a certificate): `MAX_REQUEST_BODY_BYTES`. Any other body (form fields,
    JSON for the API) is read into memory whole, so it gets Django's
    `DATA_UPLOAD_MAX_MEMORY_SIZE`, which Django itself applies only to forms, not to the
    API's JSON parser.
    """
    if content_type.startswith("multipart/form-data"):
        return settings.MAX_REQUEST_BODY_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RequestBodyLimitMiddleware:
    """Refuse a request whose declared body is too large with 413, before anything reads
    it (CSRF, forms and the API read the body later in the chain).

    WSGI servers hand Django the body as a stream bounded by `Content-Length`; a body
    without one is read as empty, so the header is the whole story here. The reverse
    proxy in front of gunicorn bounds the body as well (README › Limits): it stops a
    2 GB upload before it reaches a worker at all.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads such a body as empty
        limit = body_limit(request.META.get("CONTENT_TYPE", ""))
        if length > limit:
            return self._too_large(request, limit)
        return self.get_response(request)

    @staticmethod
    def _too_large(request, limit: int) -> HttpResponse:
        message = _("The request is too large: at most %(limit)s can be sent at once.") % {
            "limit": filesizeformat(limit)
        }
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=413)
        # Plain text: the page that sent the form is still in the browser's history.
        return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
