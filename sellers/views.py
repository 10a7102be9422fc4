"""The seller center (卖家中心)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def dashboard(request):
    seller = getattr(request.user, "seller", None)
    return render(request, "sellers/dashboard.html", {"seller": seller})
