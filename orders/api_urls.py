"""Buyer API, mounted by marketplace/urls.py at /api/buyer/."""

from django.urls import re_path

from . import api

# Order numbers: orders.models.new_order_number (date + upper-case hex).
NUMBER = r"(?P<number>[0-9A-Z]{8,32})"

urlpatterns = [
    re_path(r"^orders/$", api.BuyerOrderList.as_view(), name="buyer_api_orders"),
    re_path(rf"^orders/{NUMBER}/$", api.BuyerOrderDetail.as_view(), name="buyer_api_order"),
    re_path(rf"^orders/{NUMBER}/pay/$", api.BuyerOrderPay.as_view(), name="buyer_api_order_pay"),
]
