"""Buyer center › Costs › My vouchers. Included by buyers/urls.py under "vouchers/" inside
the "buyer" namespace."""

from django.urls import path

from . import voucher_views

urlpatterns = [
    path("", voucher_views.my_vouchers, name="my_vouchers"),
]
