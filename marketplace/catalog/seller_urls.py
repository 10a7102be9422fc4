"""Seller-center pages of the catalog (product management). Included by sellers/urls.py
inside the "seller" namespace, as a string so that sellers does not import the catalog."""

from django.urls import path

from .seller_views import products, sales, specs, templates

urlpatterns = [
    path("", products.product_list, name="product_list"),
    path("new/", products.product_new, name="product_new"),
    path("new/<slug:delivery_type>/", products.product_create, name="product_create"),
    path("<int:pk>/", products.product_detail, name="product_detail"),
    path("<int:pk>/edit/", products.product_edit, name="product_edit"),
    path("<int:pk>/specs/new/", specs.spec_edit, name="spec_create"),
    path("<int:pk>/specs/<slug:code>/", specs.spec_edit, name="spec_edit"),
    path("<int:pk>/specs/<slug:code>/delete/", specs.spec_delete, name="spec_delete"),
    path("<int:pk>/submit/", products.product_submit, name="product_submit"),
    path("<int:pk>/edit-listed/", products.product_edit_listed, name="product_edit_listed"),
    path("<int:pk>/revise/", products.product_revise, name="product_revise"),
    path("<int:pk>/relist/", products.product_relist, name="product_relist"),
    path("<int:pk>/delist/", products.product_delist, name="product_delist"),
    path("<int:pk>/sales/", sales.product_sales, name="product_sales"),
    path("<int:pk>/sales/specs/<slug:code>/", sales.spec_sales, name="spec_sales"),
    path("<int:pk>/sales/allowlist/<slug:kind>/add/", sales.allowlist_add, name="allowlist_add"),
    path(
        "<int:pk>/sales/allowlist/<int:entry_id>/remove/",
        sales.allowlist_remove,
        name="allowlist_remove",
    ),
    path("attributes/", specs.attribute_names, name="attribute_names"),
    path("attributes/<int:pk>/delete/", specs.attribute_name_delete, name="attribute_name_delete"),
    path("templates/", templates.product_templates, name="product_templates"),
    path(
        "templates/<slug:name>.txt",
        templates.template_download,
        name="product_template_download",
    ),
]
