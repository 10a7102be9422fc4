"""The public, read-only catalog API, mounted at /api/catalog/."""

from django.urls import path

from . import api

urlpatterns = [
    path("products/", api.ProductListAPI.as_view(), name="api-catalog-products"),
    path("products/<int:pk>/", api.ProductDetailAPI.as_view(), name="api-catalog-product"),
]
