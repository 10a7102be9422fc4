from django.urls import include, path

from . import views

app_name = "seller"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # Product management lives with the catalog; its names join the "seller" namespace.
    path("products/", include("marketplace.catalog.seller_urls")),
]
