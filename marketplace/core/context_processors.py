from django.conf import settings

from .navigation import entries_for


def navigation(request):
    """Navigation of the center the page belongs to (by URL namespace)."""
    match = getattr(request, "resolver_match", None)
    namespace = match.namespaces[0] if match and match.namespaces else ""
    # The orders app's buyer pages (my orders, purchased services ...) are in the buyer center.
    center = {"seller": "seller", "buyer": "buyer", "orders": "buyer"}.get(namespace, "")
    user = getattr(request, "user", None)
    return {
        "center": center,
        "center_nav": entries_for(center, user) if center and user else [],
        "site_name": settings.SITE_NAME,
    }
