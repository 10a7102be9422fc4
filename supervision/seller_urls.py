"""Seller-center pages of supervision (delivery management › service supervision).
Included by sellers/urls.py at the seller center's root, inside the "seller" namespace."""

from django.urls import path

from . import seller_views

urlpatterns = [
    path("supervision/", seller_views.case_list, name="supervision_list"),
    path("supervision/<int:pk>/", seller_views.case_detail, name="supervision_detail"),
    path(
        "supervision/<int:pk>/<slug:action>/",
        seller_views.case_action,
        name="supervision_action",
    ),
]
