"""The partner center (namespace "partner", under /partner/)."""

from django.urls import path

from . import partner_views

app_name = "partner"

urlpatterns = [
    path("", partner_views.share_bill_list, name="share_bill_list"),
    path("share-bills/<int:pk>/", partner_views.share_bill_detail, name="share_bill_detail"),
    path(
        "share-bills/<int:pk>/countersign/",
        partner_views.share_bill_countersign,
        name="share_bill_countersign",
    ),
    path(
        "share-bills/<int:pk>/invoice/",
        partner_views.share_bill_invoice,
        name="share_bill_invoice",
    ),
]
