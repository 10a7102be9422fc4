"""Seller center › Sales management › Vouchers. Included by sellers/urls.py under
"vouchers/" inside the "seller" namespace (the center's layout follows the namespace)."""

from django.urls import path

from . import seller_views as views

urlpatterns = [
    path("", views.voucher_list, name="voucher_list"),
    path("new/", views.voucher_new, name="voucher_create"),
    path("template.<slug:fmt>", views.voucher_template, name="voucher_template"),
    path("<int:pk>/", views.voucher_detail, name="voucher_detail"),
    path("<int:pk>/issue/", views.voucher_upload, name="voucher_upload"),
    path("<int:pk>/issue/confirm/", views.voucher_issue_confirm, name="voucher_issue_confirm"),
]
