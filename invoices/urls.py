"""Buyer center › Invoices (namespace "invoices", shown in the buyer center's layout)."""

from django.urls import path

from . import views

app_name = "invoices"

urlpatterns = [
    path("", views.invoice_list, name="list"),
    path("new/", views.invoice_new, name="new"),
    path("<int:pk>/", views.invoice_detail, name="detail"),
    path("<int:pk>/cancel/", views.invoice_cancel, name="cancel"),
    path("titles/", views.title_list, name="titles"),
    path("titles/<int:pk>/delete/", views.title_delete, name="title_delete"),
    path("addresses/", views.address_list, name="addresses"),
    path("addresses/<int:pk>/delete/", views.address_delete, name="address_delete"),
]
