"""Seller-center pages of orders (sales management). Included by sellers/urls.py at the
seller center's root, inside the "seller" namespace: each topic adds its own paths here
("offers/...", "orders/..."), so the names join the seller center."""

from django.urls import path, re_path

from .seller_views import console, interface_messages, offers, unsubscriptions
from .seller_views import orders as seller_orders
from .urls import NUMBER

urlpatterns = [
    path("offers/", offers.offer_list, name="private_offer_list"),
    path("offers/new/", offers.offer_new, name="private_offer_create"),
    path("offers/<int:pk>/revoke/", offers.offer_revoke, name="private_offer_revoke"),
    # Orders and My agreements (orders.seller_views.orders).
    path("orders/", seller_orders.order_list, name="order_list"),
    re_path(r"^orders/export/(?P<fmt>csv|xlsx)/$", seller_orders.order_export, name="order_export"),
    re_path(rf"^orders/{NUMBER}/$", seller_orders.order_detail, name="order_detail"),
    path("agreements/", seller_orders.agreement_list, name="agreement_list"),
    re_path(rf"^agreements/{NUMBER}/$", seller_orders.agreement_detail, name="agreement_detail"),
    # Application tools › Interface debugging (orders.seller_views.console).
    path("interface-console/", console.console, name="interface_console"),
    path("interface-console/preview/", console.console_preview, name="interface_console_preview"),
    path("interface-console/send/", console.console_send, name="interface_console_send"),
    path("interface-console/tests/", console.test_case_create, name="interface_test_case_create"),
    path(
        "interface-console/tests/<int:pk>/run/",
        console.test_case_run,
        name="interface_test_case_run",
    ),
    path(
        "interface-console/tests/<int:pk>/delete/",
        console.test_case_delete,
        name="interface_test_case_delete",
    ),
    path(
        "interface-console/<int:product_pk>/conformance/",
        console.conformance,
        name="interface_conformance",
    ),
    # Unsubscription requests (orders.seller_views.unsubscriptions).
    path("unsubscriptions/", unsubscriptions.unsubscription_list, name="unsubscriptions"),
    path(
        "unsubscriptions/<int:pk>/",
        unsubscriptions.unsubscription_detail,
        name="unsubscription_detail",
    ),
    path(
        "unsubscriptions/<int:pk>/approve/",
        unsubscriptions.unsubscription_approve_view,
        name="unsubscription_approve",
    ),
    path(
        "unsubscriptions/<int:pk>/refuse/",
        unsubscriptions.unsubscription_refuse_view,
        name="unsubscription_refuse",
    ),
    # Production interface messages (orders.seller_views.interface_messages).
    path("interface-messages/", interface_messages.interface_messages, name="interface_messages"),
    path(
        "interface-messages/<int:pk>/",
        interface_messages.interface_message_detail,
        name="interface_message_detail",
    ),
    path(
        "interface-messages/<int:pk>/restart/",
        interface_messages.interface_message_restart,
        name="interface_message_restart",
    ),
]
