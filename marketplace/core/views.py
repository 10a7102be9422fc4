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
