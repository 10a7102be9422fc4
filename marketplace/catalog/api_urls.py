"""Seller-side product API, mounted by marketplace/urls.py at /api/seller/."""

from django.urls import path

from . import seller_api

urlpatterns = [
    path("products/", seller_api.SellerProductList.as_view(), name="seller_api_products"),
    path(
        "products/<int:pk>/",
        seller_api.SellerProductDetail.as_view(),
        name="seller_api_product",
    ),
    path(
        "products/<int:pk>/draft/",
        seller_api.SellerProductDraft.as_view(),
        name="seller_api_product_draft",
    ),
    path(
        "products/<int:pk>/submit/",
        seller_api.SellerProductSubmit.as_view(),
        name="seller_api_product_submit",
    ),
]
