from django.urls import include, path

from orders.seller_views import credentials

from . import views

app_name = "seller"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("verification/enterprise/", views.verify_enterprise, name="verify_enterprise"),
    path("apply/", views.apply, name="apply"),
    path("business-info/", views.business_info, name="business_info"),
    path("business-info/edit/", views.business_info_edit, name="business_info_edit"),
    path("regions/cities/", views.region_cities, name="region_cities"),
    path("regions/districts/", views.region_districts, name="region_districts"),
    path("store/", views.store_page, name="store_page"),
    path("joint-certification/", views.joint_certification, name="joint_certification"),
    path("service-groups/", views.service_group_list, name="service_group_list"),
    path("service-groups/new/", views.service_group_create, name="service_group_create"),
    path("service-groups/<int:pk>/edit/", views.service_group_edit, name="service_group_edit"),
    path(
        "service-groups/<int:pk>/delete/", views.service_group_delete, name="service_group_delete"
    ),
    path("exit/", views.exit_request, name="exit"),
    path("exit/withdraw/", views.exit_withdraw, name="exit_withdraw"),
    # Product management lives with the catalog; its names join the "seller" namespace.
    path("products/", include("marketplace.catalog.seller_urls")),
    # Vouchers (buyers) and private offers (orders) join the "seller" namespace too.
    path("vouchers/", include("buyers.seller_urls")),
    path("", include("orders.seller_urls")),
    # Delivery management › Service supervision (supervision.seller_urls).
    path("", include("supervision.seller_urls")),
    # Invoices to buyers (invoices.seller_urls).
    path("", include("invoices.seller_urls")),
    # Settlement: bills, lines, payment requests, fee ratios (settlement.seller_urls).
    path("", include("settlement.seller_urls")),
    # Application tools: access keys, production interfaces, test accounts (issue 9 › 1).
    path("credentials/keys/", credentials.access_key_list, name="access_key_list"),
    path("credentials/keys/new/", credentials.access_key_create, name="access_key_create"),
    path(
        "credentials/keys/<int:pk>/rotate/",
        credentials.access_key_rotate,
        name="access_key_rotate",
    ),
    path(
        "credentials/keys/<int:pk>/revoke/",
        credentials.access_key_revoke,
        name="access_key_revoke",
    ),
    path("credentials/interfaces/", credentials.interface_list, name="interface_list"),
    path(
        "credentials/interfaces/<int:product_pk>/",
        credentials.interface_edit,
        name="interface_edit",
    ),
    path("credentials/test-accounts/", credentials.test_account_list, name="test_account_list"),
    path(
        "credentials/test-accounts/new/",
        credentials.test_account_create,
        name="test_account_create",
    ),
]
