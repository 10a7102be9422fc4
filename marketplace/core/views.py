from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render


def home(request):
    """Public home page: the search bar and categories arrive with the catalog."""
    return render(request, "home.html")


def healthz(request):
    """Liveness for load balancers and docker compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
