# The orders URL namespace; pages arrive with the capability that needs them.
from django.urls import path, re_path

from .views import checkout, kit, licenses, lists, services, unsubscribe

app_name = "orders"

# An order number: the date, then random hex (orders.models.new_order_number); upper case
# and digits only, so that it never shadows a lower-case page name like "agreements".
NUMBER = r"(?P<number>[0-9A-Z]{8,32})"

urlpatterns: list = [
    # Checkout (orders.views.checkout): confirm page from the product page, pay, cancel.
    path("checkout/<int:product_id>/<slug:spec_code>/", checkout.checkout, name="checkout"),
    re_path(rf"^{NUMBER}/pay/$", checkout.pay, name="pay"),
    re_path(rf"^{NUMBER}/cancel/$", checkout.cancel, name="cancel"),
    # Buyer center › My orders, My agreements (orders.views.lists).
    path("", lists.order_list, name="list"),
    re_path(rf"^{NUMBER}/$", lists.order_detail, name="detail"),
    path("agreements/", lists.agreement_list, name="agreement_list"),
    re_path(rf"^agreements/{NUMBER}/$", lists.agreement_detail, name="agreement_detail"),
    # Buyer center › Purchased services, unsubscribe (orders.views.services / unsubscribe).
    path("services/", services.service_list, name="services"),
    path("services/<int:pk>/", services.service_detail, name="service_detail"),
    path("services/<int:pk>/renew/", services.service_renew, name="service_renew"),
    path("services/<int:pk>/upgrade/", services.service_upgrade, name="service_upgrade"),
    path(
        "services/<int:pk>/auto-repurchase/",
        services.service_auto_repurchase,
        name="service_auto_repurchase",
    ),
    path("licenses/<int:pk>/claim/", licenses.license_claim, name="license_claim"),
    # Buyer center › Purchased services › Bind to enterprise (orders.views.kit).
    path("services/<int:pk>/enterprise/", kit.service_kit_bind, name="service_kit_bind"),
    path("services/<int:pk>/enterprise/retry/", kit.service_kit_retry, name="service_kit_retry"),
    path("services/<int:pk>/enterprise/change/", kit.service_kit_modify, name="service_kit_modify"),
    path("services/<int:pk>/enterprise/unbind/", kit.service_kit_unbind, name="service_kit_unbind"),
    re_path(rf"^{NUMBER}/unsubscribe/$", unsubscribe.unsubscribe, name="unsubscribe"),
    path(
        "unsubscriptions/<int:pk>/withdraw/",
        unsubscribe.unsubscription_withdraw_view,
        name="unsubscription_withdraw",
    ),
    path(
        "unsubscriptions/<int:pk>/ship-back/",
        unsubscribe.unsubscription_ship_back_view,
        name="unsubscription_ship_back",
    ),
]
