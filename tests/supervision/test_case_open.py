"""A case opens in the payment's transaction for supervised new and trial orders, and
never for renewals, upgrades or package repurchases (issue 11 › Cases)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.catalog.models import DeliveryType, Price
from marketplace.core.audit import history_for
from orders.models import Order, Subscription
from orders.services.checkout import order_checkout, order_pay
from orders.services.subscriptions import renewal_place, upgrade_place
from supervision.flows import FlowCode, Node, Role, flow_for_order, is_supervised
from supervision.models import Case, CaseLog, SupervisionStatus
from supervision.selectors import supervision_status_for_orders
from supervision.services import case_open, open_case_for_paid_order
from tests.factories.buyers import WalletFactory
from tests.factories.catalog import listed_product
from tests.factories.supervision import specs_for, supervised_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_seller_server(settings):
    settings.PROVISIONING_DISPATCHER = "orders.provisioning.NullDispatcher"


def _checkout(product, *, spec_index=0, period=None, flow_template=""):
    from tests.factories.accounts import UserFactory

    buyer = UserFactory()
    WalletFactory(buyer=buyer, balance=Decimal("5000.00"))
    spec = product.listed_version.specs.order_by("position").all()[spec_index]
    price = spec.prices.first()
    result = order_checkout(
        buyer=buyer,
        spec=spec,
        period=period or price.period,
        agreement_accepted=True,
        idempotency_key="k",
        pay_method="balance",
    )
    return Order.objects.get(pk=result.order.pk)


EXPECTED = [
    (DeliveryType.MANUAL_SERVICE, {"flow_template": "standard"}, FlowCode.STANDARD),
    (DeliveryType.MANUAL_SERVICE, {"flow_template": "site_building"}, FlowCode.SITE_BUILDING),
    (DeliveryType.MANUAL_SERVICE, {}, FlowCode.STANDARD),
    (DeliveryType.DATA_FILE, {}, FlowCode.DATA_FILE),
    (DeliveryType.ORCHESTRATION, {}, FlowCode.ORCHESTRATION),
    (DeliveryType.SAAS, {}, FlowCode.SAAS),
    (DeliveryType.JOINT_SAAS, {}, FlowCode.JOINT),
    (DeliveryType.LICENSE_PACKAGE, {}, FlowCode.LICENSE_PACKAGE),
    (DeliveryType.LICENSE_CODE, {}, FlowCode.LICENSE_CODE),
    (DeliveryType.HARDWARE, {}, FlowCode.HARDWARE),
]


@pytest.mark.parametrize(("delivery_type", "product_kw", "flow"), EXPECTED)
def test_paying_a_new_order_opens_its_case_in_the_same_transaction(delivery_type, product_kw, flow):
    product = listed_product(
        delivery_type=delivery_type,
        specs=specs_for(delivery_type),
        avg_delivery_days=4,
        **product_kw,
    )
    order = _checkout(product)
    case = Case.objects.get(order=order)
    assert case.flow == flow
    assert case.node == case.flow_def.initial
    assert case.status == SupervisionStatus.IN_PROGRESS
    assert (case.seller_id, case.buyer_id, case.product_id) == (
        order.seller_id,
        order.buyer_id,
        order.product_id,
    )
    assert case.delivery_days == 4
    # While the case is open the order is processing, through the orders' machine.
    assert order.status == Order.Status.PROCESSING
    assert "start_processing" in [row.action for row in history_for(order)]
    first = CaseLog.objects.get(case=case)
    assert (first.seq, first.action, first.role, first.to_node) == (
        1,
        "open",
        Role.SYSTEM,
        case.node,
    )
    assert supervision_status_for_orders([order.pk]) == {order.pk: "in_progress"}


@pytest.mark.parametrize("delivery_type", [DeliveryType.SAAS, DeliveryType.JOINT_SAAS])
def test_a_trial_opens_a_case_too(delivery_type):
    product = listed_product(delivery_type=delivery_type, specs=specs_for(delivery_type))
    order = _checkout(product, spec_index=1)
    assert order.kind == Order.Kind.TRIAL or order.billing_mode == "trial"
    assert Case.objects.filter(order=order).exists()


@pytest.mark.parametrize(
    "delivery_type",
    [
        DeliveryType.IMAGE,
        DeliveryType.LICENSE_AUTO,
        DeliveryType.API_APIG,
        DeliveryType.API_AGENTS,
    ],
)
def test_unsupervised_types_open_no_case(delivery_type):
    order = supervised_order(delivery_type=delivery_type)
    assert case_open(order=order) is None
    assert not Case.objects.exists()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


@pytest.mark.parametrize("mode", ["on_demand", "package"])
def test_saas_by_use_or_package_is_not_supervised(mode):
    period = {"on_demand": "unit", "package": "package"}[mode]
    product = listed_product(specs=[("Use", mode, [(period, "1.00")])])
    order = supervised_order(product=product)
    assert not is_supervised(order)
    assert case_open(order=order) is None


def _in_service(order):
    # The seller's server created the instance (provisioning is not what this tests).
    Subscription.objects.filter(pk=order.subscription_id).update(status="active")


def test_renewal_orders_never_open_a_case():
    product = listed_product(specs=specs_for(DeliveryType.SAAS))
    order = _checkout(product)
    assert Case.objects.filter(order=order).count() == 1
    Price.objects.filter(spec__version__product=product).update(max_periods=12)
    _in_service(order)
    renewal = renewal_place(
        subscription_id=order.subscription_id, buyer=order.buyer, periods=1, period="month"
    )
    order_pay(order_id=renewal.pk, buyer=order.buyer)
    renewal.refresh_from_db()
    assert renewal.kind == Order.Kind.RENEWAL and renewal.status == Order.Status.PAID
    assert not Case.objects.filter(order=renewal).exists()
    assert Case.objects.count() == 1


def test_upgrade_orders_never_open_a_case():
    product = listed_product(
        specs=[
            ("Standard", "period", [("month", "99.00")]),
            ("Pro", "period", [("month", "199.00")]),
        ]
    )
    order = _checkout(product)
    _in_service(order)
    upgrade = upgrade_place(
        subscription_id=order.subscription_id, buyer=order.buyer, spec_code="spec-1", quantity=1
    )
    order_pay(order_id=upgrade.pk, buyer=order.buyer)
    upgrade.refresh_from_db()
    assert upgrade.kind == Order.Kind.UPGRADE and upgrade.status == Order.Status.PAID
    assert not Case.objects.filter(order=upgrade).exists()


@pytest.mark.parametrize("kind", ["renewal", "upgrade", "package_repurchase"])
def test_the_hook_ignores_every_follow_up_kind_of_a_supervised_type(kind):
    for delivery_type in (DeliveryType.SAAS, DeliveryType.MANUAL_SERVICE, DeliveryType.HARDWARE):
        order = supervised_order(delivery_type=delivery_type, kind=kind)
        open_case_for_paid_order(order)
        assert not Case.objects.filter(order=order).exists()
        order.refresh_from_db()
        assert order.status == Order.Status.PAID


def test_opening_twice_returns_the_first_case():
    order = supervised_order()
    first = case_open(order=order)
    assert case_open(order=order) == first
    assert CaseLog.objects.filter(case=first).count() == 1


def test_without_declared_delivery_days_the_default_applies(settings):
    settings.SUPERVISION_DEFAULT_DELIVERY_DAYS = 9
    order = supervised_order(delivery_type=DeliveryType.ORCHESTRATION, avg_delivery_days=None)
    case = case_open(order=order)
    assert case.delivery_days == 9
    assert (case.due_at - case.opened_at).days == 9
    assert case.node == Node.IMPLEMENTING


def test_flow_for_order_reads_the_products_template():
    order = supervised_order(flow_template="site_building")
    assert flow_for_order(order, flow_template="site_building") == FlowCode.SITE_BUILDING
    assert flow_for_order(order) == FlowCode.STANDARD
