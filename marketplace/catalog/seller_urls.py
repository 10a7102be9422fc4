"""Seller-center pages of the catalog (product management). Included by sellers/urls.py
inside the "seller" namespace, as a string so that sellers does not import the catalog."""

from django.urls import path

from . import seller_views as views

urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("new/", views.product_new, name="product_new"),
    path("new/<slug:delivery_type>/", views.product_create, name="product_create"),
    path("<int:pk>/", views.product_detail, name="product_detail"),
    path("<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("<int:pk>/specs/new/", views.spec_edit, name="spec_create"),
    path("<int:pk>/specs/<slug:code>/", views.spec_edit, name="spec_edit"),
    path("<int:pk>/specs/<slug:code>/delete/", views.spec_delete, name="spec_delete"),
    path("<int:pk>/submit/", views.product_submit, name="product_submit"),
    path("<int:pk>/edit-listed/", views.product_edit_listed, name="product_edit_listed"),
    path("<int:pk>/revise/", views.product_revise, name="product_revise"),
    path("<int:pk>/relist/", views.product_relist, name="product_relist"),
    path("<int:pk>/delist/", views.product_delist, name="product_delist"),
    path("<int:pk>/sales/", views.product_sales, name="product_sales"),
    path("<int:pk>/sales/specs/<slug:code>/", views.spec_sales, name="spec_sales"),
    path("<int:pk>/sales/allowlist/<slug:kind>/add/", views.allowlist_add, name="allowlist_add"),
    path(
        "<int:pk>/sales/allowlist/<int:entry_id>/remove/",
        views.allowlist_remove,
        name="allowlist_remove",
    ),
    path("attributes/", views.attribute_names, name="attribute_names"),
    path("attributes/<int:pk>/delete/", views.attribute_name_delete, name="attribute_name_delete"),
    path("templates/", views.product_templates, name="product_templates"),
    path("templates/<slug:name>.txt", views.template_download, name="product_template_download"),
]
