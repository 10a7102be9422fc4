"""Seller center › Invoices. Included by sellers/urls.py, inside the "seller" namespace."""

from django.urls import path

from . import seller_views

urlpatterns = [
    path("invoices/", seller_views.invoice_list, name="invoice_list"),
    path("invoices/settings/", seller_views.invoice_settings, name="invoice_settings"),
    path("invoices/<int:pk>/", seller_views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/issue/", seller_views.invoice_issue, name="invoice_issue"),
    path("invoices/<int:pk>/mail/", seller_views.invoice_mail, name="invoice_mail"),
    path("invoices/<int:pk>/reject/", seller_views.invoice_reject, name="invoice_reject"),
    path(
        "invoices/red-letters/<int:pk>/issue/",
        seller_views.red_letter_issue,
        name="invoice_red_letter_issue",
    ),
]
