"""Seller-center pages of settlement (Seller center › Settlement). Included by
sellers/urls.py at the seller center's root, inside the "seller" namespace."""

from django.urls import path, re_path

from . import seller_views

urlpatterns = [
    path("settlement/", seller_views.bill_list, name="settlement_bill_list"),
    path("settlement/fee-ratios/", seller_views.fee_ratios, name="settlement_fee_ratios"),
    path("settlement/bills/<int:pk>/", seller_views.bill_detail, name="settlement_bill_detail"),
    re_path(
        r"^settlement/bills/(?P<pk>[0-9]+)/export/(?P<fmt>csv|xlsx)/$",
        seller_views.bill_export,
        name="settlement_bill_export",
    ),
    path(
        "settlement/bills/<int:pk>/request-payment/",
        seller_views.payment_request,
        name="settlement_payment_request",
    ),
    path(
        "settlement/bills/<int:pk>/invoice/",
        seller_views.invoice_upload,
        name="settlement_invoice_upload",
    ),
    path(
        "settlement/bills/<int:pk>/invoice/mail/",
        seller_views.invoice_mail,
        name="settlement_invoice_mail",
    ),
    path(
        "settlement/lines/<int:pk>/",
        seller_views.line_explain_page,
        name="settlement_line_explain",
    ),
]
