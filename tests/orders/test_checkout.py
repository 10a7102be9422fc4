"""Checkout services: quote, place, pay, cancel, expiry (03-orders › Buying)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from buyers.models import LedgerEntry, VoucherGrant, Wallet
from buyers.services.wallet import InsufficientFunds
from marketplace.catalog.models import DeliveryType, Price, Product, SpecSales
from marketplace.core.audit import history_for
from marketplace.core.exceptions import DomainError
from orders import hooks
from orders.models import ORDER_STATUS, Order, PrivateOffer, SignedAgreement
from orders.services.checkout import (
    ALREADY_SUBSCRIBED_CODE,
    order_cancel,
    order_pay,
    order_place,
    order_quote,
    orders_expire_unpaid,
)
from orders.services.history import history_row
from supervision.models import Case
from tests.factories.accounts import UserFactory
from tests.factories.buyers import VoucherFactory, VoucherGrantFactory, WalletFactory
from tests.factories.catalog import AGREEMENT, listed_product
from tests.factories.orders import SubscriptionFactory

pytestmark = pytest.mark.django_db


def spec_of(product: Product, code: str = "spec-0"):
    return product.listed_version.specs.get(code=code)


def place(buyer, spec, **kw):
    kw.setdefault("agreement_accepted", True)
    kw.setdefault("period", "month" if spec.billing_mode == "period" else "")
    return order_place(buyer=buyer, spec=spec, **kw)


def set_stock(product, code="spec-0", **kw):
    SpecSales.objects.update_or_create(product=product, spec_code=code, defaults=kw)


def stock(product, code="spec-0"):
    return SpecSales.objects.get(product=product, spec_code=code).stock


# --- placing -------------------------------------------------------------------------------


def test_place_stores_snapshot_price_pay_by_and_signed_agreement(settings):
    settings.ORDER_PAY_MINUTES = 30
    product = listed_product()
    spec = spec_of(product)
    Price.objects.filter(spec=spec, period="month").update(max_periods=12)
    buyer = UserFactory()
    before = timezone.now()
    order = place(buyer, spec, quantity=2, periods=3)
    assert order.status == Order.Status.PENDING_PAYMENT
    assert order.payment_status == Order.PaymentStatus.UNPAID
    assert order.kind == Order.Kind.NEW
    assert (order.product_name, order.spec_code, order.version_number) == (
        "Cloud Office",
        "spec-0",
        1,
    )
    assert order.unit_price == Decimal("99.00")
    assert order.list_amount == Decimal("594.00")
    assert order.amount == Decimal("594.00")
    assert before + timedelta(minutes=29) < order.pay_by <= timezone.now() + timedelta(minutes=30)
    signed = SignedAgreement.objects.get(order=order)
    assert signed.text == AGREEMENT
    assert signed.kind == SignedAgreement.Kind.AGREEMENT
    assert signed.version_number == 1 and signed.buyer == buyer
    assert [row.action for row in history_for(order)] == ["place"]


def test_joint_product_signs_the_service_support_terms():
    product = listed_product(
        delivery_type=DeliveryType.JOINT_SAAS, support_terms_text="Joint terms v1"
    )
    order = place(UserFactory(), spec_of(product))
    signed = order.signed_agreement
    assert signed.kind == SignedAgreement.Kind.JOINT_TERMS
    assert signed.text == "Joint terms v1"


def test_yearly_price_is_used_for_a_yearly_period():
    product = listed_product()
    order = place(UserFactory(), spec_of(product), period="year")
    assert order.amount == Decimal("999.00") and order.period == "year"


def test_private_offer_and_voucher_are_taken_off_and_stored():
    product = listed_product()
    buyer = UserFactory()
    now = timezone.now()
    offer = PrivateOffer.objects.create(
        seller=product.seller,
        product=product,
        buyer=buyer,
        kind=PrivateOffer.Kind.AMOUNT,
        value=Decimal("9.00"),
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=1),
    )
    grant = VoucherGrantFactory(buyer=buyer, voucher=VoucherFactory(seller=product.seller))
    order = place(buyer, spec_of(product), voucher_grant_ids=[grant.pk])
    assert order.private_offer == offer
    assert order.offer_discount == Decimal("9.00")
    assert order.voucher_discount == Decimal("10.00")
    assert order.amount == Decimal("80.00")
    assert list(order.voucher_grants.all()) == [grant]
    grant.refresh_from_db()
    assert grant.status == VoucherGrant.Status.AVAILABLE  # used only when paid


def test_voucher_never_makes_the_amount_negative():
    product = listed_product()
    buyer = UserFactory()
    grant = VoucherGrantFactory(
        buyer=buyer, voucher=VoucherFactory(seller=product.seller, amount=Decimal("500.00"))
    )
    quote = order_quote(
        buyer=buyer, spec=spec_of(product), period="month", voucher_grant_ids=[grant.pk]
    )
    assert quote.ok, quote.problems
    assert quote.amount == Decimal("0.00")
    assert quote.voucher_discount == Decimal("99.00")


def test_same_idempotency_key_returns_the_same_order_and_takes_stock_once():
    product = listed_product()
    set_stock(product, stock=5)
    buyer = UserFactory()
    first = place(buyer, spec_of(product), idempotency_key="k-1")
    again = place(buyer, spec_of(product), idempotency_key="k-1", quantity=3)
    assert again.pk == first.pk
    assert Order.objects.count() == 1
    assert stock(product) == 4


def test_quote_answers_problems_without_raising():
    product = listed_product()
    set_stock(product, stock=0)
    quote = order_quote(buyer=UserFactory(), spec=spec_of(product), period="month")
    assert not quote.ok
    assert quote.problems == ["Sold out."]
    assert quote.result_codes == ["000106"]
    assert quote.list_amount == Decimal("99.00")  # the price is still shown


def test_trial_is_free_and_of_kind_trial():
    product = listed_product()
    order = place(UserFactory(), spec_of(product, "spec-1"))
    assert order.kind == Order.Kind.TRIAL
    assert order.amount == Decimal("0.00") and order.period == "free"


def test_renewal_of_a_delisted_product_may_be_placed_and_takes_no_stock():
    product = listed_product()
    set_stock(product, stock=1)
    buyer = UserFactory()
    subscription = SubscriptionFactory(buyer=buyer, product=product)
    Product.objects.filter(pk=product.pk).update(status=Product.Status.DELISTED)
    order = place(buyer, subscription.spec, kind=Order.Kind.RENEWAL, subscription=subscription)
    assert order.kind == Order.Kind.RENEWAL and order.subscription == subscription
    assert stock(product) == 1


# --- bad input: a clear message, nothing changed ----------------------------------------------


class Unchanged:
    """No order, no agreement, no ledger entry, the stock as it was."""

    def __init__(self, product, code="spec-0"):
        self.product, self.code = product, code

    def __enter__(self):
        self.stock = SpecSales.objects.filter(product=self.product, spec_code=self.code).first()
        self.counts = (
            Order.objects.count(),
            SignedAgreement.objects.count(),
            LedgerEntry.objects.count(),
        )
        return self

    def __exit__(self, *exc):
        assert (
            Order.objects.count(),
            SignedAgreement.objects.count(),
            LedgerEntry.objects.count(),
        ) == self.counts
        if self.stock is not None:
            assert stock(self.product, self.code) == self.stock.stock
        return False


def refused(buyer, spec, match: str, **kw) -> DomainError:
    with (
        Unchanged(spec.version.product, spec.code),
        pytest.raises(DomainError, match=match) as info,
    ):
        place(buyer, spec, **kw)
    return info.value


def test_agreement_must_be_ticked():
    product = listed_product()
    refused(
        UserFactory(),
        spec_of(product),
        "accept the product service agreement",
        agreement_accepted=False,
    )


def test_delisted_product_is_refused():
    product = listed_product(status=Product.Status.DELISTED)
    refused(UserFactory(), spec_of(product), "not on sale")


def test_allowlist_is_enforced():
    product = listed_product()
    Product.objects.filter(pk=product.pk).update(allowlist_enabled=True)
    refused(UserFactory(), spec_of(product), "only to users the seller specified")


def test_trial_allowlist_is_enforced():
    product = listed_product()
    Product.objects.filter(pk=product.pk).update(trial_allowlist_enabled=True)
    refused(UserFactory(), spec_of(product, "spec-1"), "trial is only for users")


def test_one_trial_per_account():
    product = listed_product()
    buyer = UserFactory()
    place(buyer, spec_of(product, "spec-1"))
    refused(buyer, spec_of(product, "spec-1"), "already had a trial")


def hardware_product(**kw):
    """Bought once per unit (one-off, not "one subscription per account")."""
    return listed_product(
        delivery_type=DeliveryType.HARDWARE,
        specs=[("Box", "one_off", [("once", "10.00")])],
        **kw,
    )


def test_max_quantity_per_buyer_counts_earlier_orders():
    product = hardware_product()
    set_stock(product, stock=None, max_quantity_per_buyer=3)
    buyer = UserFactory()
    place(buyer, spec_of(product), quantity=2)
    refused(buyer, spec_of(product), "at most 3 of this spec", quantity=2)
    assert place(buyer, spec_of(product), quantity=1).quantity == 1


def test_max_orders_per_buyer_counts_pending_and_paid_but_not_cancelled():
    product = hardware_product()
    set_stock(product, stock=None, max_orders_per_buyer=1)
    buyer = UserFactory()
    first = place(buyer, spec_of(product))
    refused(buyer, spec_of(product), "at most 1 times")
    order_cancel(order_id=first.pk, buyer=buyer)
    place(buyer, spec_of(product))
    refused(buyer, spec_of(product), "at most 1 times")


def test_stock_short_is_sold_out_with_its_code():
    product = listed_product()
    set_stock(product, stock=1)
    error = refused(UserFactory(), spec_of(product), "Sold out", quantity=2)
    assert error.result_code == "000106"


def test_region_is_required_and_checked():
    from tests.factories.catalog import RegionFactory

    north, south = RegionFactory(code="north"), RegionFactory(code="south")
    product = listed_product(regions=[north])
    buyer = UserFactory()
    refused(buyer, spec_of(product), "choose yours")
    refused(buyer, spec_of(product), "not sold in your region", region=south)
    refused(buyer, spec_of(product), "Unknown region", region="nowhere")
    assert place(buyer, spec_of(product), region="north").region == north


def test_already_subscribed_saas_period_is_000105():
    product = listed_product()
    buyer = UserFactory()
    SubscriptionFactory(buyer=buyer, product=product)
    error = refused(buyer, spec_of(product), "already subscribed")
    assert error.result_code == ALREADY_SUBSCRIBED_CODE == "000105"
    # nor a trial
    error = refused(buyer, spec_of(product, "spec-1"), "already subscribed")
    assert error.result_code == "000105"


def test_already_ordered_and_unpaid_saas_period_is_000105():
    product = listed_product()
    buyer = UserFactory()
    place(buyer, spec_of(product))
    error = refused(buyer, spec_of(product), "waits for payment")
    assert error.result_code == "000105"


def test_a_trial_subscription_does_not_stop_buying_the_product():
    product = listed_product()
    buyer = UserFactory()
    SubscriptionFactory(buyer=buyer, product=product, spec=spec_of(product, "spec-1"))
    assert place(buyer, spec_of(product)).kind == Order.Kind.NEW


def test_other_types_may_be_bought_again():
    product = listed_product(
        delivery_type=DeliveryType.LICENSE_CODE,
        specs=[("Licence", "period", [("year", "500.00")])],
        license_type="device",
        license_term="subscription",
    )
    buyer = UserFactory()
    SubscriptionFactory(buyer=buyer, product=product)
    assert place(buyer, spec_of(product), period="year").amount == Decimal("500.00")


@pytest.mark.parametrize(
    ("quantity", "match"),
    [
        (0, "at least one"),
        (-1, "at least one"),
        ("abc", "whole number"),
        (True, "whole number"),
        (100_001, "at most 100,000"),
    ],
)
def test_bad_quantities(quantity, match):
    product = listed_product()
    refused(UserFactory(), spec_of(product), match, quantity=quantity)


def test_trial_is_for_one():
    product = listed_product()
    refused(UserFactory(), spec_of(product, "spec-1"), "for one", quantity=2)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"period": "once"}, "not sold one-off"),
        ({"period": "week"}, "not sold week"),
        ({"period": ""}, "Choose one of the periods"),
        ({"periods": 0}, "at least one period"),
        ({"periods": -2}, "at least one period"),
        ({"periods": 13}, "at most 12 periods"),
        ({"periods": "x"}, "whole number"),
    ],
)
def test_periods_not_offered(kw, match):
    product = listed_product()
    Price.objects.filter(spec=spec_of(product), period="month").update(max_periods=12)
    refused(UserFactory(), spec_of(product), match, **kw)


@pytest.fixture
def spec_with_attributes():
    from marketplace.catalog.models import AttributeName, SpecAttribute

    product = listed_product()
    spec = spec_of(product)
    edition = AttributeName.objects.create(seller=product.seller, kind="enum", name="Edition")
    users = AttributeName.objects.create(seller=product.seller, kind="quantity", name="Users")
    SpecAttribute.objects.create(spec=spec, attribute=edition, options="basic, pro")
    SpecAttribute.objects.create(spec=spec, attribute=users, min_value=5, max_value=50, step=5)
    return spec


@pytest.mark.parametrize(
    ("attributes", "match"),
    [
        ({"Edition": "gold", "Users": 10}, "Edition must be one of: basic, pro"),
        ({"Edition": "pro", "Users": 55}, "between 5 and 50"),
        ({"Edition": "pro", "Users": 0}, "between 5 and 50"),
        ({"Edition": "pro", "Users": 12}, "steps of 5 from 5"),
        ({"Edition": "pro", "Users": "ten"}, "whole number"),
        ({"Edition": "pro"}, "Choose Users"),
        ({"Edition": "pro", "Users": 10, "Colour": "red"}, "no attribute Colour"),
        (["Edition"], "names with values"),
    ],
)
def test_bad_attributes(spec_with_attributes, attributes, match):
    refused(UserFactory(), spec_with_attributes, match, attributes=attributes)


def test_good_attributes_are_stored_normalised(spec_with_attributes):
    order = place(
        UserFactory(), spec_with_attributes, attributes={"Edition": " pro", "Users": "15"}
    )
    assert order.attributes == {"Edition": "pro", "Users": 15}


def test_someone_elses_voucher_is_refused():
    product = listed_product()
    grant = VoucherGrantFactory(voucher=VoucherFactory(seller=product.seller))
    refused(UserFactory(), spec_of(product), "not one of yours", voucher_grant_ids=[grant.pk])


def test_expired_voucher_is_refused():
    product = listed_product()
    buyer = UserFactory()
    now = timezone.now()
    voucher = VoucherFactory(
        seller=product.seller,
        valid_from=now - timedelta(days=10),
        valid_until=now - timedelta(days=1),
    )
    grant = VoucherGrantFactory(buyer=buyer, voucher=voucher)
    refused(buyer, spec_of(product), "expired", voucher_grant_ids=[grant.pk])


def test_bad_voucher_ids_are_refused():
    product = listed_product()
    refused(UserFactory(), spec_of(product), "Choose vouchers", voucher_grant_ids=["x"])
    refused(UserFactory(), spec_of(product), "Choose vouchers", voucher_grant_ids=[0])


def test_voucher_of_another_seller_is_refused():
    product = listed_product()
    buyer = UserFactory()
    grant = VoucherGrantFactory(buyer=buyer)
    refused(buyer, spec_of(product), "only for products of", voucher_grant_ids=[grant.pk])


def test_anonymous_can_not_place():
    from django.contrib.auth.models import AnonymousUser

    product = listed_product()
    refused(AnonymousUser(), spec_of(product), "Log in")


# --- paying ----------------------------------------------------------------------------------


def balance(buyer) -> Decimal:
    return Wallet.objects.get(buyer=buyer).balance


@pytest.mark.parametrize(
    ("delivery_type", "status", "history"),
    [
        # No one supervises an image: the order stays paid.
        (DeliveryType.IMAGE, Order.Status.PAID, ["place", "pay", "pay"]),
        # A supervised order opens its case and shows processing while it is open.
        (
            DeliveryType.SAAS,
            Order.Status.PROCESSING,
            ["place", "pay", "pay", "start_processing"],
        ),
    ],
)
def test_pay_from_balance_makes_the_order_paid_with_its_subscription(
    delivery_type, status, history
):
    product = listed_product(delivery_type=delivery_type)
    buyer = UserFactory()
    WalletFactory(buyer=buyer, balance=Decimal("200.00"))
    order = place(buyer, spec_of(product))
    paid = order_pay(order_id=order.pk, buyer=buyer)
    assert paid.status == status
    paid.refresh_from_db()
    assert paid.status == status
    assert paid.payment_status == Order.PaymentStatus.PAID
    assert paid.paid_balance == Decimal("99.00") and paid.paid_at is not None
    assert paid.subscription is not None and paid.subscription.buyer == buyer
    assert balance(buyer) == Decimal("101.00")
    assert [row.action for row in history_for(paid)] == history
    assert Case.objects.filter(order=paid).exists() == (status == Order.Status.PROCESSING)


def test_paying_twice_is_refused_and_charges_once():
    product = listed_product()
    buyer = UserFactory()
    WalletFactory(buyer=buyer, balance=Decimal("500.00"))
    order = place(buyer, spec_of(product))
    order_pay(order_id=order.pk, buyer=buyer)
    entries = LedgerEntry.objects.count()
    with pytest.raises(DomainError, match="already paid"):
        order_pay(order_id=order.pk, buyer=buyer)
    assert balance(buyer) == Decimal("401.00")
    assert LedgerEntry.objects.count() == entries


def test_insufficient_balance_changes_nothing():
    product = listed_product()
    buyer = UserFactory()
    WalletFactory(buyer=buyer, balance=Decimal("10.00"))
    order = place(buyer, spec_of(product))
    with pytest.raises(InsufficientFunds):
        order_pay(order_id=order.pk, buyer=buyer)
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert balance(buyer) == Decimal("10.00")
    assert order.subscription is None


def test_zero_amount_trial_is_paid_without_a_charge():
    product = listed_product()
    buyer = UserFactory()
    order = place(buyer, spec_of(product, "spec-1"))
    paid = order_pay(order_id=order.pk, buyer=buyer)
    # A SaaS trial is supervised: paid, and processing while its case is open.
    assert paid.status == Order.Status.PROCESSING
    assert paid.payment_status == Order.PaymentStatus.PAID
    assert Case.objects.filter(order=paid).exists()
    assert not LedgerEntry.objects.filter(order_number=order.number).exists()


def test_pay_on_credit_where_the_product_allows_it():
    product = listed_product()
    Product.objects.filter(pk=product.pk).update(credit_line_allowed=True)
    buyer = UserFactory()
    WalletFactory(buyer=buyer, credit_limit=Decimal("500.00"))
    order = place(buyer, spec_of(product))
    paid = order_pay(order_id=order.pk, buyer=buyer, method="credit")
    assert paid.payment_status == Order.PaymentStatus.PAID_ON_CREDIT
    assert paid.paid_credit == Decimal("99.00")


def test_vouchers_are_used_when_the_order_is_paid():
    product = listed_product()
    buyer = UserFactory()
    WalletFactory(buyer=buyer, balance=Decimal("200.00"))
    grant = VoucherGrantFactory(buyer=buyer, voucher=VoucherFactory(seller=product.seller))
    order = place(buyer, spec_of(product), voucher_grant_ids=[grant.pk])
    order_pay(order_id=order.pk, buyer=buyer)
    grant.refresh_from_db()
    assert grant.status == VoucherGrant.Status.USED
    assert grant.order_number == order.number
    assert balance(buyer) == Decimal("111.00")


def test_overdue_or_cancelled_orders_can_not_be_paid():
    product = listed_product()
    buyer = UserFactory()
    WalletFactory(buyer=buyer, balance=Decimal("500.00"))
    order = place(buyer, spec_of(product))
    Order.objects.filter(pk=order.pk).update(pay_by=timezone.now() - timedelta(minutes=1))
    with pytest.raises(DomainError, match="time to pay this order has passed"):
        order_pay(order_id=order.pk, buyer=buyer)
    order_cancel(order_id=order.pk, buyer=buyer)
    with pytest.raises(DomainError, match="cancelled"):
        order_pay(order_id=order.pk, buyer=buyer)
    assert balance(buyer) == Decimal("500.00")


def test_another_buyers_order_can_not_be_paid_or_cancelled():
    product = listed_product()
    owner, other = UserFactory(), UserFactory()
    WalletFactory(buyer=other, balance=Decimal("500.00"))
    order = place(owner, spec_of(product))
    with pytest.raises(DomainError, match="not found"):
        order_pay(order_id=order.pk, buyer=other)
    with pytest.raises(DomainError, match="not found"):
        order_cancel(order_id=order.pk, buyer=other)
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_paid_hooks_get_the_paid_order():
    seen = []

    def hook(order):
        seen.append((order.number, order.status))

    hooks.register_paid_hook(hook)
    try:
        # Not supervised: supervision's hook (registered first) leaves it paid.
        product = listed_product(delivery_type=DeliveryType.IMAGE)
        buyer = UserFactory()
        WalletFactory(buyer=buyer, balance=Decimal("200.00"))
        order = place(buyer, spec_of(product))
        order_pay(order_id=order.pk, buyer=buyer)
    finally:
        hooks.unregister_paid_hook(hook)
    assert seen == [(order.number, Order.Status.PAID)]


def test_a_hooks_move_is_saved_with_the_payment():
    """orders/hooks.py: a hook moves the order on (before its row is saved) and returns
    the move's history rows; the payment saves both, after its own rows."""

    def hook(order):
        target = ORDER_STATUS.check(order, "start_processing")
        row = history_row(
            order, action="start_processing", from_state=order.status, to_state=target
        )
        order.status = target
        return [row]

    hooks.register_paid_hook(hook)
    try:
        product = listed_product(delivery_type=DeliveryType.IMAGE)
        buyer = UserFactory()
        WalletFactory(buyer=buyer, balance=Decimal("200.00"))
        order = place(buyer, spec_of(product))
        order_pay(order_id=order.pk, buyer=buyer)
    finally:
        hooks.unregister_paid_hook(hook)
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (
        Order.Status.PROCESSING,
        Order.PaymentStatus.PAID,
    )
    assert [(r.action, r.to_state) for r in history_for(order)] == [
        ("place", "pending_payment"),
        ("pay", "paid"),
        ("pay", "paid"),
        ("start_processing", "processing"),
    ]


def test_a_failing_hook_rolls_the_payment_back():
    def hook(order):
        raise DomainError("supervision refused")

    hooks.register_paid_hook(hook)
    try:
        product = listed_product()
        buyer = UserFactory()
        WalletFactory(buyer=buyer, balance=Decimal("200.00"))
        order = place(buyer, spec_of(product))
        with pytest.raises(DomainError):
            order_pay(order_id=order.pk, buyer=buyer)
    finally:
        hooks.unregister_paid_hook(hook)
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert balance(buyer) == Decimal("200.00")


# --- cancel and expiry -----------------------------------------------------------------------


def test_cancel_returns_the_stock_and_writes_history():
    product = listed_product()
    set_stock(product, stock=3)
    buyer = UserFactory()
    order = place(buyer, spec_of(product), quantity=2)
    assert stock(product) == 1
    cancelled = order_cancel(order_id=order.pk, buyer=buyer)
    assert cancelled.status == Order.Status.CANCELLED
    assert stock(product) == 3
    assert [row.action for row in history_for(order)] == ["place", "cancel"]
    with pytest.raises(DomainError, match="Only an order waiting for payment"):
        order_cancel(order_id=order.pk, buyer=buyer)
    assert stock(product) == 3


def test_expiry_cancels_overdue_orders_once_and_returns_stock():
    product = hardware_product()
    set_stock(product, stock=10)
    buyers = [UserFactory() for _ in range(3)]
    orders = [place(b, spec_of(product), quantity=2) for b in buyers]
    assert stock(product) == 4
    past = timezone.now() - timedelta(seconds=1)
    Order.objects.filter(pk__in=[orders[0].pk, orders[1].pk]).update(pay_by=past)
    assert orders_expire_unpaid() == 2
    assert stock(product) == 8
    assert orders_expire_unpaid() == 0
    assert stock(product) == 8
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses[orders[0].pk] == statuses[orders[1].pk] == Order.Status.CANCELLED
    assert statuses[orders[2].pk] == Order.Status.PENDING_PAYMENT
    assert [row.action for row in history_for(orders[0])] == ["place", "expire"]


def test_expiry_task_runs_the_service():
    from orders.tasks.checkout import expire_unpaid_orders

    product = listed_product()
    order = place(UserFactory(), spec_of(product))
    Order.objects.filter(pk=order.pk).update(pay_by=timezone.now() - timedelta(seconds=1))
    assert expire_unpaid_orders.delay().get() == 1
