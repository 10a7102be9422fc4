"""Buyer center › Service supervision (namespace "supervision", shown in the buyer
center's layout): the buyer's cases, one case, the buyer's actions; acceptance asks
again on a page of its own before it acts."""

from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("<int:pk>/", views.case_detail, name="detail"),
    # Before the other actions: acceptance goes through its question only.
    path("<int:pk>/accept/", views.case_accept, name="accept"),
    path("<int:pk>/<slug:action>/", views.case_action, name="action"),
]
