from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import private_files


def home(request):
    """Public home page: the search bar and categories arrive with the catalog."""
    return render(request, "home.html")


def healthz(request):
    """Liveness for load balancers and docker compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
@require_safe
def private_file(request, token: str):
    """A private document (business licence, authorization letter) for its owner account
    and the operators; 404 for anyone else, as for a bad or expired link."""
    fieldfile = private_files.fetch_file(token, request.user)
    return private_files.serve(fieldfile)


def _info_page(template: str):
    """A short public page of the footer (help, terms, privacy, contact): a template,
    in both languages, with the support contact from the settings."""

    @require_safe
    def view(request):
        return render(
            request,
            template,
            {"support_email": settings.SUPPORT_EMAIL, "support_phone": settings.SUPPORT_PHONE},
        )

    view.__name__ = view.__qualname__ = template.rsplit("/", 1)[-1].removesuffix(".html")
    return view


help_page = _info_page("pages/help.html")
terms_page = _info_page("pages/terms.html")
privacy_page = _info_page("pages/privacy.html")
contact_page = _info_page("pages/contact.html")


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: the site's page for a form that failed the CSRF check, rendered
    with the request (Django's own renders without it: no top bar, no fresh token).
    The reason is for developers only and stays out of the page."""
    return render(request, "403_csrf.html", status=403)
