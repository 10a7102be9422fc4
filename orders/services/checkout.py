"""Checkout (03-orders › Buying): quote, place, pay, cancel, and expiry of unpaid orders.

`order_place` runs every check of 03 › Buying 3, takes the stock and writes the order
(pending payment, `pay_by` = now + `settings.ORDER_PAY_MINUTES`) with the signed
agreement, all in one transaction. `order_pay` charges the wallet, marks the vouchers
used, applies the order to the subscription (`subscriptions.subscription_apply_paid`,
which enqueues provisioning calls) and runs the paid-order hooks (supervision), all in
one transaction too: the order is paid with everything that follows from it, or not at
all.

Decisions (README › Orders):
- Kinds and checks. New purchases and trials pass every check. A RENEWAL of an existing
  subscription may be placed on a delisted product (issue 8: "delisted products can't be
  bought, but existing subscriptions can still be renewed"); it skips the sales checks
  that decide who may *start* buying (listing, allowlists, region, purchase limits,
  "already subscribed") and takes no stock (it extends a unit already sold). Upgrades and
  package repurchases need the product listed, take stock of their spec and skip the
  purchase limits (they change or refill what the buyer holds).
- Purchase limits count this buyer's new purchases and trials of the spec code that are
  pending payment or paid (paid, processing, completed): cancelled, refunded and
  unsubscribed orders give their place back.
- "Already subscribed" (result code 000105, `AlreadySubscribed`): a SaaS or joint SaaS
  product bought by period is one subscription per account (more users or a longer time
  is an upgrade or a renewal of it), so a new period purchase is refused while the buyer
  holds a non-trial period subscription of the product that is pending, in service or
  frozen, or has a new period order of it waiting for payment. A trial is refused while
  the buyer holds any subscription of the product (a trial is for people who don't have
  it). Other types (licences, images, hardware, packages, one-off services) may be
  bought again.
- Price: the spec's price for the chosen period × quantity × periods, minus the private
  offer, minus vouchers; never below zero. For upgrades the caller's `price_override`
  (the prorated difference) replaces the list amount and no private offer applies to it.
- The buyer's account row is locked for the duration of `order_place`: one buyer's
  concurrent checkouts are serialised, so purchase limits, one-trial-per-account and the
  idempotency key hold under races; different buyers never wait on each other.
- Test orders (issue 9; `sellers.TestAccount`): a seller's test account buys that
  seller's products without money. The order is `is_test`, keeps its list price and
  breakdown for display, and its amount is 0: no wallet movement, no private offer, no
  vouchers (ignored if sent), no stock taken or returned. Besides listed products it may
  buy the seller's products that are not on sale: the latest version that is pending
  review or approved (not drafts: they are still being edited and have passed none of
  the submission checks; not rejected or superseded versions) — see
  `orders.selectors.spec_for_checkout`. The allowlists and purchase limits (rules about
  who may buy) don't apply; every other check does (one subscription per account, one
  trial, region, attributes). Paying it runs `subscription_apply_paid` like any order,
  so provisioning calls go to the seller's server for real. A test account can't buy
  another seller's products: it is refused (test accounts exist only to test the
  seller's own products; buying for real needs a real account).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from buyers.services.vouchers import voucher_discount, voucher_grants_use
from buyers.services.wallet import Charge, payment_charge_in_transaction
from marketplace.catalog.models import (
    AllowlistEntry,
    AttributeName,
    BillingMode,
    DeliveryType,
    Price,
    Product,
    Region,
    Spec,
    SpecSales,
)
from marketplace.catalog.sales import SoldOut, stock_return, stock_take
from marketplace.core import limits, rawload, rawsave
from marketplace.core.audit import move_to
from marketplace.core.exceptions import DomainError
from marketplace.core.money import to_money
from orders.hooks import run_paid_hooks
from orders.models import (
    ORDER_STATUS,
    PAYMENT_STATUS,
    Order,
    PrivateOffer,
    SignedAgreement,
    Subscription,
)
from orders.selectors import TEST_VERSION_STATUSES
from orders.services.checkout_read import CheckoutRead, checkout_read
from orders.services.history import history_row, history_save
from orders.services.offers import offer_discount, private_offer_for
from sellers.models import TestAccount

__all__ = [
    "ALREADY_SUBSCRIBED_CODE",
    "PAYMENT_METHODS",
    "AlreadySubscribed",
    "Quote",
    "SoldOut",
    "Checkout",
    "agreement_for",
    "order_cancel",
    "order_checkout",
    "order_pay",
    "order_place",
    "order_quote",
    "orders_expire_unpaid",
]

# Result code of "account has already subscribed" (03 › Buying 3; ISV result codes).
ALREADY_SUBSCRIBED_CODE = "000105"
PAYMENT_METHODS = ("balance", "credit")
MAX_IDEMPOTENCY_KEY_LENGTH = 100
ZERO = Decimal("0.00")

# Orders that hold a place in the purchase limits and count as "bought".
LIVE_STATUSES = (
    Order.Status.PENDING_PAYMENT,
    Order.Status.PAID,
    Order.Status.PROCESSING,
    Order.Status.COMPLETED,
)
HELD_SUBSCRIPTION = (
    Subscription.Status.PENDING,
    Subscription.Status.ACTIVE,
    Subscription.Status.FROZEN,
)
ONE_SUBSCRIPTION_TYPES = {DeliveryType.SAAS, DeliveryType.JOINT_SAAS}
# Kinds that start something new: every sales check applies, and purchase limits count them.
STARTING_KINDS = (Order.Kind.NEW, Order.Kind.TRIAL)
FOLLOW_UP_KINDS = (Order.Kind.RENEWAL, Order.Kind.UPGRADE, Order.Kind.PACKAGE_REPURCHASE)


class AlreadySubscribed(DomainError):
    """The buyer already holds a subscription the product allows only once (000105)."""

    result_code = ALREADY_SUBSCRIBED_CODE


class CheckoutProblem(DomainError):
    """A checkout check refused; `field` names the input it is about (API, forms)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Quote:
    """What an order of these inputs would cost, and what stops it (`problems`, the
    messages; empty: it may be placed). `result_codes` holds the codes of the problems
    that have one (000105, 000106)."""

    unit_price: Decimal = ZERO
    list_amount: Decimal = ZERO
    offer: PrivateOffer | None = None
    offer_discount: Decimal = ZERO
    voucher_discount: Decimal = ZERO
    amount: Decimal = ZERO
    problems: list[str] = field(default_factory=list)
    result_codes: list[str] = field(default_factory=list)
    # The normalised inputs the order would store.
    kind: str = Order.Kind.NEW
    period: str = ""
    price: Price | None = None
    attributes: dict = field(default_factory=dict)
    region: Region | None = None
    agreement_kind: str = SignedAgreement.Kind.AGREEMENT
    agreement_text: str = ""
    # The product as read by the checks (placing and paying reuse it), and whether the
    # buyer is a test account of its seller (README › Test orders).
    product: Product | None = None
    is_test: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


# --- checks ---------------------------------------------------------------------------------


def _as_int(value, *, message: str, field_name: str) -> int:
    if isinstance(value, bool):
        raise CheckoutProblem(message, field=field_name)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise CheckoutProblem(message, field=field_name) from None


def _resolve_kind(spec: Spec, kind: str) -> str:
    if kind not in Order.Kind.values:
        raise CheckoutProblem(_("Unknown kind of order."))
    if spec.billing_mode == BillingMode.TRIAL:
        if kind not in (Order.Kind.NEW, Order.Kind.TRIAL):
            raise CheckoutProblem(_("A trial can't be renewed, upgraded or repurchased."))
        return Order.Kind.TRIAL
    if kind == Order.Kind.TRIAL:
        raise CheckoutProblem(_("This spec is not a trial."))
    return kind


def _check_subscription(*, buyer, spec: Spec, kind: str, subscription) -> None:
    if kind in FOLLOW_UP_KINDS:
        if subscription is None:
            raise CheckoutProblem(_("Choose the purchased service this order is for."))
        if subscription.buyer_id != buyer.pk or subscription.product_id != spec.version.product_id:
            raise CheckoutProblem(_("This purchased service is not yours or not of this product."))
        if subscription.status not in (Subscription.Status.ACTIVE, Subscription.Status.FROZEN):
            raise CheckoutProblem(
                _("This purchased service can't be changed while it is “%(status)s”.")
                % {"status": subscription.get_status_display()}
            )
    elif subscription is not None:
        raise CheckoutProblem(_("A new purchase is not for an existing purchased service."))


def _check_listed(*, product: Product, spec: Spec, kind: str) -> None:
    if kind == Order.Kind.RENEWAL:
        # Decision (issue 8): renewing an existing subscription stays possible after
        # delisting; the spec is the subscription's own, from the version it was bought on.
        return
    if product.status != Product.Status.LISTED or spec.version_id != product.listed_version_id:
        raise CheckoutProblem(_("This product is not on sale."))


def _on_list(product: Product, kind: str, buyer) -> bool:
    return AllowlistEntry.objects.filter(product=product, kind=kind, user=buyer).exists()


def _live_orders(*, buyer, product: Product):
    return Order.objects.filter(buyer=buyer, product=product, status__in=LIVE_STATUSES)


def _check_testable(*, product: Product, spec: Spec, kind: str, test_seller_id: int) -> None:
    """A test order (module docstring): the seller's own product, listed or not yet."""
    if product.seller_id != test_seller_id:
        raise CheckoutProblem(
            _("This is a test account: it can only buy its own seller's products.")
        )
    if kind == Order.Kind.RENEWAL:
        return
    on_sale = (
        product.status == Product.Status.LISTED and spec.version_id == product.listed_version_id
    )
    if not on_sale and spec.version.status not in TEST_VERSION_STATUSES:
        raise CheckoutProblem(
            _("This version of the product can't be bought, not even by a test account.")
        )


def _check_buyer_allowed(
    *, buyer, product: Product, spec: Spec, kind: str, is_test: bool = False
) -> None:
    if kind == Order.Kind.RENEWAL:
        return
    # The allowlists decide which real buyers may buy; a test account is the seller's own.
    if (
        not is_test
        and product.allowlist_enabled
        and not _on_list(product, AllowlistEntry.Kind.SALES, buyer)
    ):
        raise CheckoutProblem(_("This product is sold only to users the seller specified."))
    if kind == Order.Kind.TRIAL:
        if (
            not is_test
            and product.trial_allowlist_enabled
            and not _on_list(product, AllowlistEntry.Kind.TRIAL, buyer)
        ):
            raise CheckoutProblem(_("The trial is only for users the seller specified."))
        # One trial per account per product, whatever became of it (unless never paid).
        taken = (
            Order.objects.filter(buyer=buyer, product=product, kind=Order.Kind.TRIAL)
            .exclude(status=Order.Status.CANCELLED)
            .exists()
        )
        if taken:
            raise CheckoutProblem(_("You already had a trial of this product."))


def _check_already_subscribed(*, buyer, product: Product, spec: Spec, kind: str) -> None:
    def held():  # built only where a rule applies (building a query costs)
        return Subscription.objects.filter(
            buyer=buyer, product=product, status__in=HELD_SUBSCRIPTION
        )

    if kind == Order.Kind.TRIAL:
        if held().exists():
            raise AlreadySubscribed(
                _("You have already subscribed to this product: a trial is for new users.")
            )
        return
    if (
        kind == Order.Kind.NEW
        and product.delivery_type in ONE_SUBSCRIPTION_TYPES
        and spec.billing_mode == BillingMode.PERIOD
    ):
        if held().filter(billing_mode=BillingMode.PERIOD, is_trial=False).exists():
            raise AlreadySubscribed(
                _(
                    "You have already subscribed to this product: renew or upgrade your "
                    "purchased service instead."
                )
            )
        waiting = Order.objects.filter(
            buyer=buyer,
            product=product,
            kind=Order.Kind.NEW,
            billing_mode=BillingMode.PERIOD,
            status=Order.Status.PENDING_PAYMENT,
        ).exists()
        if waiting:
            raise AlreadySubscribed(
                _(
                    "You have already ordered this product and the order waits for payment: "
                    "pay or cancel it first."
                )
            )


def _check_region(*, product: Product, region, kind: str) -> Region | None:
    if isinstance(region, str):
        region = region.strip()
        found = Region.objects.filter(code=region).first() if region else None
        if region and found is None:
            raise CheckoutProblem(_("Unknown region."), field="region")
        region = found
    if kind == Order.Kind.RENEWAL:
        return region
    codes = {r.code for r in product.regions.all()}
    if codes:
        if region is None:
            raise CheckoutProblem(
                _("This product is sold in some regions only: choose yours."), field="region"
            )
        if region.code not in codes:
            raise CheckoutProblem(_("This product is not sold in your region."), field="region")
    return region


def _check_quantity(*, quantity, kind: str) -> int:
    quantity = _as_int(
        quantity, message=_("The quantity must be a whole number."), field_name="quantity"
    )
    if quantity < 1:
        raise CheckoutProblem(_("Order at least one."), field="quantity")
    if quantity > limits.MAX_PURCHASE_LIMIT:
        raise CheckoutProblem(
            _("Order at most %(limit)s at once.") % {"limit": f"{limits.MAX_PURCHASE_LIMIT:,}"},
            field="quantity",
        )
    if kind == Order.Kind.TRIAL and quantity != 1:
        raise CheckoutProblem(_("A trial is for one."), field="quantity")
    return quantity


def _check_limits(
    *, buyer, product: Product, spec: Spec, row: SpecSales | None, quantity: int, kind: str
) -> None:
    """`row`: the spec's sales row (None: no limits)."""
    if kind not in STARTING_KINDS:
        return
    if row is None or (row.max_quantity_per_buyer is None and row.max_orders_per_buyer is None):
        return
    earlier = _live_orders(buyer=buyer, product=product).filter(
        spec_code=spec.code, kind__in=STARTING_KINDS
    )
    figures = earlier.aggregate(bought=Sum("quantity"))
    bought = figures["bought"] or 0
    if row.max_quantity_per_buyer is not None and bought + quantity > row.max_quantity_per_buyer:
        raise CheckoutProblem(
            _("You can buy at most %(limit)d of this spec.")
            % {"limit": row.max_quantity_per_buyer},
            field="quantity",
        )
    if row.max_orders_per_buyer is not None and earlier.count() >= row.max_orders_per_buyer:
        raise CheckoutProblem(
            _("You can order this spec at most %(limit)d times.")
            % {"limit": row.max_orders_per_buyer}
        )


def _check_stock_now(*, row: SpecSales | None, quantity: int, kind: str) -> None:
    """The quote's view of the stock (placing takes it with a conditional UPDATE);
    `row`: the spec's sales row (None: no stock kept)."""
    if kind == Order.Kind.RENEWAL:
        return
    if row is not None and row.stock is not None and row.stock < quantity:
        raise SoldOut()


def _check_period(*, spec: Spec, period: str, periods) -> tuple[Price, int]:
    prices = list(spec.prices.all())
    period = (period or "").strip()
    if not period:
        if len(prices) != 1:
            raise CheckoutProblem(_("Choose one of the periods the spec offers."), field="period")
        price = prices[0]
    else:
        price = next((p for p in prices if p.period == period), None)
        if price is None:
            raise CheckoutProblem(
                _("This spec is not sold %(period)s.")
                % {
                    "period": Price.Period(period).label
                    if period in Price.Period.values
                    else period
                },
                field="period",
            )
    periods = _as_int(
        periods, message=_("The number of periods must be a whole number."), field_name="periods"
    )
    if periods < 1:
        raise CheckoutProblem(_("Buy at least one period."), field="periods")
    if periods > price.max_periods:
        raise CheckoutProblem(
            _("Buy at most %(max)d periods at once.") % {"max": price.max_periods},
            field="periods",
        )
    return price, periods


def _check_attributes(*, spec: Spec, attributes) -> dict:
    """The chosen attributes, checked against the spec's (enum: one of the options;
    quantity: in range and on the step); every attribute of the spec must be chosen."""
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, dict):
        raise CheckoutProblem(_("Attributes must be names with values."), field="attributes")
    if "attributes" in getattr(spec, "_prefetched_objects_cache", {}):
        rows = list(spec.attributes.all())  # spec_for_checkout loaded them with their names
    else:
        rows = list(spec.attributes.select_related("attribute"))
    known = {row.attribute.name: row for row in rows}
    unknown = sorted(str(name) for name in attributes if name not in known)
    if unknown:
        raise CheckoutProblem(
            _("This spec has no attribute %(name)s.") % {"name": ", ".join(unknown)},
            field="attributes",
        )
    chosen: dict = {}
    for name, row in known.items():
        value = attributes.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise CheckoutProblem(_("Choose %(name)s.") % {"name": name}, field="attributes")
        if row.attribute.kind == AttributeName.Kind.ENUM:
            options = [o.strip() for o in row.options.split(",") if o.strip()]
            value = str(value).strip()
            if value not in options:
                raise CheckoutProblem(
                    _("%(name)s must be one of: %(options)s.")
                    % {"name": name, "options": ", ".join(options)},
                    field="attributes",
                )
            chosen[name] = value
        else:
            number = _as_int(
                value,
                message=_("%(name)s must be a whole number.") % {"name": name},
                field_name="attributes",
            )
            low = row.min_value if row.min_value is not None else 0
            high = row.max_value if row.max_value is not None else limits.MAX_ATTRIBUTE_VALUE
            if not low <= number <= high:
                raise CheckoutProblem(
                    _("%(name)s must be between %(min)d and %(max)d.")
                    % {"name": name, "min": low, "max": high},
                    field="attributes",
                )
            step = row.step or 1
            if (number - low) % step:
                raise CheckoutProblem(
                    _("%(name)s goes in steps of %(step)d from %(min)d.")
                    % {"name": name, "step": step, "min": low},
                    field="attributes",
                )
            chosen[name] = number
    return chosen


def agreement_for(spec: Spec) -> tuple[str, str]:
    """The text the buyer ticks: the joint service-support terms for joint products
    (when the version has them), else the product service agreement."""
    version = spec.version
    if version.product.is_joint and version.support_terms_text.strip():
        return SignedAgreement.Kind.JOINT_TERMS, version.support_terms_text
    return SignedAgreement.Kind.AGREEMENT, version.agreement_text


def _price(
    *,
    quote: Quote,
    buyer,
    product: Product,
    price: Price,
    quantity: int,
    periods: int,
    voucher_grant_ids: Sequence[int],
    price_override: Decimal | None,
    offer: PrivateOffer | None,
) -> None:
    """`offer`: the buyer's private offer on the product now (None: none)."""
    quote.price = price
    if quote.is_test:
        # Shown as it would cost, charged nothing: no offer, no vouchers (module docstring).
        quote.unit_price = to_money(price_override if price_override is not None else price.amount)
        quote.list_amount = (
            quote.unit_price
            if price_override is not None
            else to_money(price.amount * quantity * periods)
        )
        quote.amount = ZERO
        return
    if price_override is not None:
        quote.unit_price = to_money(price_override)
        quote.list_amount = quote.unit_price
        if quote.list_amount < 0:
            raise CheckoutProblem(_("The price can't be negative."))
    else:
        quote.unit_price = to_money(price.amount)
        quote.list_amount = to_money(price.amount * quantity * periods)
        quote.offer = offer
        if quote.offer is not None:
            quote.offer_discount = min(
                to_money(offer_discount(offer=quote.offer, list_amount=quote.list_amount)),
                quote.list_amount,
            )
    after_offer = quote.list_amount - quote.offer_discount
    if voucher_grant_ids:
        quote.voucher_discount = min(
            to_money(
                voucher_discount(
                    buyer=buyer, product=product, grant_ids=voucher_grant_ids, amount=after_offer
                )
            ),
            after_offer,
        )
    quote.amount = max(ZERO, after_offer - quote.voucher_discount)


def _clean_grant_ids(voucher_grant_ids) -> list[int]:
    ids = []
    for value in voucher_grant_ids or ():
        grant_id = _as_int(
            value, message=_("Choose vouchers from your list."), field_name="voucher_grant_ids"
        )
        if not 1 <= grant_id <= limits.MAX_ID:
            raise CheckoutProblem(_("Choose vouchers from your list."), field="voucher_grant_ids")
        if grant_id not in ids:
            ids.append(grant_id)
    return ids


def _evaluate(
    *,
    buyer,
    spec: Spec,
    quantity,
    periods,
    period: str,
    attributes,
    region,
    voucher_grant_ids,
    kind: str,
    subscription,
    price_override,
    check_stock: bool,
    test_seller_id: int | None,
    read: CheckoutRead | None = None,
) -> tuple[Quote, int, int, list[int]]:
    """Run every check in the order the buyer reads them, then price. Raises the first
    problem; returns the quote and the cleaned quantity, periods and voucher ids.
    `test_seller_id`: the seller the buyer is a test account of (None: a real buyer);
    `read`: what `checkout_read` answered in this transaction (None: read it now)."""
    if buyer is None or not buyer.is_authenticated:
        raise CheckoutProblem(_("Log in to buy."))
    # Read fresh: the caller's product may be an older copy (listing and sales settings
    # change under it), and every check below must see what is true now.
    if read is None:
        read = _read(buyer=buyer, spec=spec, at=timezone.now())
    product = read.product
    is_test = test_seller_id is not None
    quote = Quote(product=product, is_test=is_test)
    quote.kind = kind = _resolve_kind(spec, kind)
    _check_subscription(buyer=buyer, spec=spec, kind=kind, subscription=subscription)
    if is_test:
        _check_testable(product=product, spec=spec, kind=kind, test_seller_id=test_seller_id)
    else:
        _check_listed(product=product, spec=spec, kind=kind)
    _check_buyer_allowed(buyer=buyer, product=product, spec=spec, kind=kind, is_test=is_test)
    if kind in STARTING_KINDS:
        _check_already_subscribed(buyer=buyer, product=product, spec=spec, kind=kind)
    quote.region = _check_region(product=product, region=region, kind=kind)
    quantity = _check_quantity(quantity=quantity, kind=kind)
    price, periods = _check_period(spec=spec, period=period, periods=periods)
    quote.period = price.period
    if kind == Order.Kind.RENEWAL:
        # A renewal continues what was bought (checked then), whatever the spec offers now.
        quote.attributes = dict(subscription.attributes)
    else:
        quote.attributes = _check_attributes(spec=spec, attributes=attributes)
    if not is_test:  # purchase limits and stock are about real sales
        _check_limits(
            buyer=buyer, product=product, spec=spec, row=read.sales, quantity=quantity, kind=kind
        )
        if check_stock:
            _check_stock_now(row=read.sales, quantity=quantity, kind=kind)
    quote.agreement_kind, quote.agreement_text = agreement_for(spec)
    grant_ids = [] if is_test else _clean_grant_ids(voucher_grant_ids)
    _price(
        quote=quote,
        buyer=buyer,
        product=product,
        price=price,
        quantity=quantity,
        periods=periods,
        voucher_grant_ids=grant_ids,
        price_override=price_override,
        offer=read.offer,
    )
    return quote, quantity, periods, grant_ids


def _read(*, buyer, spec: Spec, at: datetime, idempotency_key: str = "") -> CheckoutRead:
    read = checkout_read(
        buyer_id=buyer.pk,
        product_id=spec.version.product_id,
        spec_code=spec.code,
        at=at,
        idempotency_key=idempotency_key,
    )
    if read is None:  # the spec's product is gone: no caller passes such a spec
        raise CheckoutProblem(_("This product is not on sale."))
    return read


# --- services -------------------------------------------------------------------------------


def order_quote(
    *,
    buyer,
    spec: Spec,
    quantity=1,
    periods=1,
    period: str = "",
    attributes: dict | None = None,
    region: Region | str | None = None,
    voucher_grant_ids: Sequence[int] = (),
    kind: str = Order.Kind.NEW,
    subscription: Subscription | None = None,
    price_override: Decimal | None = None,
) -> Quote:
    """What `order_place` with the same inputs would charge, and what would stop it.

    Never raises for the buyer's input: the first problem found is in `problems` (with
    its result code in `result_codes`), and the price is computed as far as it can be.
    """
    try:
        quote, *_rest = _evaluate(
            buyer=buyer,
            spec=spec,
            quantity=quantity,
            periods=periods,
            period=period,
            attributes=attributes,
            region=region,
            voucher_grant_ids=voucher_grant_ids,
            kind=kind,
            subscription=subscription,
            price_override=price_override,
            check_stock=True,
            test_seller_id=_test_seller_id(buyer),
        )
    except DomainError as exc:
        quote = Quote(problems=[exc.message], kind=kind)
        code = getattr(exc, "result_code", "")
        if code:
            quote.result_codes.append(code)
        _price_anyway(
            quote=quote,
            buyer=buyer,
            spec=spec,
            quantity=quantity,
            periods=periods,
            period=period,
            price_override=price_override,
        )
    return quote


def _price_anyway(*, quote: Quote, buyer, spec: Spec, quantity, periods, period, price_override):
    """The list price of a refused quote, when its inputs allow one (the confirm page
    still shows what the spec costs next to the problem)."""
    try:
        quantity = _check_quantity(quantity=quantity, kind=Order.Kind.NEW)
        price, periods = _check_period(spec=spec, period=period, periods=periods)
        quote.period = price.period
        _price(
            quote=quote,
            buyer=buyer,
            product=spec.version.product,
            price=price,
            quantity=quantity,
            periods=periods,
            voucher_grant_ids=(),
            price_override=price_override,
            offer=private_offer_for(buyer=buyer, product=spec.version.product),
        )
    except DomainError:
        pass


def _test_seller_id(buyer) -> int | None:
    """The seller whose test account `buyer` is (None: a real buyer)."""
    if buyer is None or not buyer.is_authenticated:
        return None
    return TestAccount.objects.filter(user_id=buyer.pk).values_list("seller_id", flat=True).first()


def _existing(*, buyer, idempotency_key: str) -> Order | None:
    if not idempotency_key:
        return None
    return Order.objects.filter(buyer=buyer, idempotency_key=idempotency_key).first()


def _takes_stock(order: Order) -> bool:
    # A renewal extends a unit already sold, a test order sells nothing: no stock (see the
    # module's docstring).
    return order.kind != Order.Kind.RENEWAL and not order.is_test


@transaction.atomic
def order_place(
    *,
    buyer,
    spec: Spec,
    quantity=1,
    periods=1,
    period: str = "",
    attributes: dict | None = None,
    region: Region | str | None = None,
    voucher_grant_ids: Sequence[int] = (),
    agreement_accepted: bool,
    idempotency_key: str = "",
    kind: str = Order.Kind.NEW,
    subscription: Subscription | None = None,
    price_override: Decimal | None = None,
) -> Order:
    """Place an order pending payment: every check, the stock taken, the agreement signed.

    The same `idempotency_key` of the same buyer returns the order it made the first time
    (nothing is checked or changed again), also when two requests race with it.
    Raises `DomainError` (`SoldOut` 000106, `AlreadySubscribed` 000105, or a
    `CheckoutProblem` naming its field) and changes nothing.
    """
    placed = _place(
        buyer=buyer,
        spec=spec,
        quantity=quantity,
        periods=periods,
        period=period,
        attributes=attributes,
        region=region,
        voucher_grant_ids=voucher_grant_ids,
        agreement_accepted=agreement_accepted,
        idempotency_key=idempotency_key,
        kind=kind,
        subscription=subscription,
        price_override=price_override,
    )
    history_save(placed.history)
    return placed.order


@dataclass(frozen=True)
class Checkout:
    order: Order
    created: bool  # False: the idempotency key named an order placed before


@transaction.atomic
def order_checkout(
    *,
    buyer,
    spec: Spec,
    pay_method: str | None = None,
    coupon_ids: Sequence[int] = (),
    **place,
) -> Checkout:
    """Place an order and, with `pay_method`, pay it in the same transaction: the stock,
    the payment and the order are one (03 › Buying: "one transaction"); if the payment
    fails nothing was placed. A repeated idempotency key answers the earlier order as it
    is (`created` False), paid or not, and charges nothing."""
    # Paid at once on PostgreSQL: the order's row is written once, paid (no INSERT then
    # UPDATE of the same row and its thirteen index entries), with its id reserved
    # under the buyer's lock; see `_place`.
    placed = _place(
        buyer=buyer,
        spec=spec,
        write_later=pay_method is not None and connection.vendor == "postgresql",
        **place,
    )
    if not (placed.created and pay_method is not None):
        history_save(placed.history)
        return Checkout(order=placed.order, created=placed.created)
    # Paid right away: the order just inserted is this transaction's own row (no one else
    # sees it before commit), so it is paid as loaded, with the product the checks read
    # and the vouchers placing attached; its history rows go in with the payment's.
    order = _pay(
        placed.order,
        buyer=buyer,
        product=placed.product,
        method=pay_method,
        coupon_ids=coupon_ids,
        grant_ids=placed.grant_ids,
        history=placed.history,
        wallet_id=placed.wallet_id,
        unsaved=placed.unsaved,
    )
    return Checkout(order=order, created=True)


@dataclass(frozen=True)
class _Placed:
    order: Order
    created: bool
    product: Product | None = None  # as the checks read it (None: an earlier order)
    wallet_id: int | None = None  # the buyer's wallet (None: none yet, or not read)
    grant_ids: list[int] = field(default_factory=list)
    history: list = field(default_factory=list)  # unsaved rows: the caller saves them
    unsaved: list = field(default_factory=list)  # `write_later`: the order and agreement


def _place(
    *,
    buyer,
    spec: Spec,
    quantity=1,
    periods=1,
    period: str = "",
    attributes: dict | None = None,
    region: Region | str | None = None,
    voucher_grant_ids: Sequence[int] = (),
    agreement_accepted: bool,
    idempotency_key: str = "",
    kind: str = Order.Kind.NEW,
    subscription: Subscription | None = None,
    price_override: Decimal | None = None,
    write_later: bool = False,
) -> _Placed:
    """`order_place`, also saying whether the order is new; the "place" history row is
    returned unsaved. Runs in the caller's transaction.

    `write_later` (PostgreSQL, an order paid in the same transaction): the order's id is
    reserved from its sequence with the buyer's lock and the order and its agreement are
    returned unsaved (`unsaved`), for `_pay` to insert them paid with its history rows.
    Everything written before (stock, vouchers, the ledger, the subscription, the case)
    names the order by its number or its reserved id; PostgreSQL checks foreign keys at
    commit. No other checkout of the buyer runs meanwhile (the lock), so no other order
    can take the idempotency key."""
    if buyer is None or not buyer.is_authenticated:
        raise CheckoutProblem(_("Log in to buy."))
    idempotency_key = (idempotency_key or "").strip()
    if len(idempotency_key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise CheckoutProblem(
            _("The idempotency key is longer than %(max)d characters.")
            % {"max": MAX_IDEMPOTENCY_KEY_LENGTH}
        )
    # One checkout of this buyer at a time (module docstring): the limits, the one trial
    # and the idempotency key are decided under this lock.
    test_seller_id, wallet_id, reserved_id = _lock_buyer(buyer, reserve_order_id=write_later)
    now = timezone.now()
    read = _read(buyer=buyer, spec=spec, at=now, idempotency_key=idempotency_key)
    if read.existing is not None:
        return _Placed(order=read.existing, created=False)
    if not agreement_accepted:
        raise CheckoutProblem(
            _("Tick the box to accept the product service agreement."),
            field="agreement_accepted",
        )
    quote, quantity, periods, grant_ids = _evaluate(
        buyer=buyer,
        spec=spec,
        quantity=quantity,
        periods=periods,
        period=period,
        attributes=attributes,
        region=region,
        voucher_grant_ids=voucher_grant_ids,
        kind=kind,
        subscription=subscription,
        price_override=price_override,
        check_stock=False,  # taken below with a conditional UPDATE
        test_seller_id=test_seller_id,
        read=read,
    )
    version = spec.version
    product = quote.product
    order = Order(
        kind=quote.kind,
        buyer=buyer,
        seller_id=product.seller_id,
        product=product,
        spec=spec,
        subscription=subscription,
        product_name=version.name,
        version_number=version.number,
        spec_code=spec.code,
        spec_name=spec.name,
        delivery_type=product.delivery_type,
        billing_mode=spec.billing_mode,
        attributes=quote.attributes,
        region=quote.region,
        quantity=quantity,
        period=quote.period,
        periods=periods,
        unit_price=quote.unit_price,
        list_amount=quote.list_amount,
        offer_discount=quote.offer_discount,
        voucher_discount=quote.voucher_discount,
        amount=quote.amount,
        private_offer=quote.offer,
        # Settlement (later) leaves test orders out: no money moved (module docstring).
        is_test=quote.is_test,
        idempotency_key=idempotency_key,
        pay_by=now + timedelta(minutes=settings.ORDER_PAY_MINUTES),
        upgraded_from_spec_code=(
            subscription.spec_code if subscription and quote.kind == Order.Kind.UPGRADE else ""
        ),
    )
    agreement = SignedAgreement(
        buyer=buyer,
        seller_id=product.seller_id,
        product=product,
        product_name=version.name,
        version_number=version.number,
        kind=quote.agreement_kind,
        text=quote.agreement_text,
        signed_at=now,
    )
    if write_later:
        order.pk = reserved_id
        agreement.order = order
    # The order and its signed agreement: one statement on PostgreSQL.
    elif not rawsave.insert_pair(order, agreement, link="order", ignore_conflicts=True):
        # Another request with the same key won the race (the buyer lock makes this rare:
        # SQLite, or a key reused across buyers' sessions): answer with its order. (No
        # savepoint: the conflict wrote nothing and raised nothing.)
        winner = _existing(buyer=buyer, idempotency_key=idempotency_key)
        if winner is None:
            raise IntegrityError(f"order number {order.number} is taken")
        return _Placed(order=winner, created=False)
    if _takes_stock(order):
        stock_take(product=product, spec_code=spec.code, quantity=quantity)
    if grant_ids:
        order.voucher_grants.set(grant_ids)
    return _Placed(
        order=order,
        created=True,
        wallet_id=wallet_id,
        product=product,
        grant_ids=grant_ids,
        history=[history_row(order, action="place", to_state=order.status, actor=buyer)],
        unsaved=[order, agreement] if write_later else [],
    )


def _lock_buyer(buyer, *, reserve_order_id: bool = False) -> tuple:
    """Lock the buyer's account row; answer whose test account the buyer is, the id of
    the buyer's wallet (None: none) and, with `reserve_order_id` (PostgreSQL), a new
    order id from the orders' sequence (else None), in the same prepared statement.
    Subqueries, not joins: a join would lock, or refuse to lock, those rows too."""
    reserve = ", nextval(pg_get_serial_sequence('orders_order', 'id'))" if reserve_order_id else ""
    sql = (
        "SELECT (SELECT t.seller_id FROM sellers_testaccount t WHERE t.user_id = u.id "  # noqa: S608
        f"LIMIT 1), (SELECT w.id FROM buyers_wallet w WHERE w.buyer_id = u.id){reserve} "
        "FROM accounts_user u WHERE u.id = %s"
    )
    if connection.features.has_select_for_update:  # SQLite has none (nor needs it)
        sql += " FOR UPDATE"
    rows = rawload.fetch(sql, [buyer.pk], prepare=True)
    if not rows:
        return None, None, None
    return (*rows[0], None)[:3]


def _lock_own(*, order_id: int, buyer) -> Order:
    order = (
        Order.objects.select_for_update()
        .filter(pk=order_id, buyer_id=getattr(buyer, "pk", None))
        .first()
    )
    if order is None:
        raise DomainError(_("Order not found."))
    return order


@transaction.atomic
def order_pay(*, order_id: int, buyer, method: str = "balance", coupon_ids=()) -> Order:
    """Pay the buyer's order pending payment: charge, vouchers used, subscription
    updated, paid hooks run; one transaction. A zero amount (a trial, a test order) is
    paid with no charge. Paying twice, a cancelled or overdue order: `DomainError`,
    nothing changed."""
    order = _lock_own(order_id=order_id, buyer=buyer)
    return _pay(order, buyer=buyer, product=None, method=method, coupon_ids=coupon_ids)


def _pay(
    order: Order,
    *,
    buyer,
    product: Product | None,
    method: str,
    coupon_ids=(),
    grant_ids: list[int] | None = None,
    history: Sequence = (),
    wallet_id: int | None = None,
    unsaved: Sequence = (),
) -> Order:
    """`order_pay` of a locked (or just placed) order, in the caller's transaction.
    `product`: the order's product as read in this transaction (None: read it);
    `grant_ids`: the order's vouchers (None: read them); `history`: unsaved rows to
    insert with the payment's; `wallet_id`: the buyer's wallet if known (None: read it);
    `unsaved`: the order and its agreement, not yet written (`_place`'s `write_later`):
    inserted paid, with the history rows, instead of the order's UPDATE."""
    if order.payment_status != Order.PaymentStatus.UNPAID or order.status in (
        Order.Status.PAID,
        Order.Status.PROCESSING,
        Order.Status.COMPLETED,
    ):
        raise DomainError(_("This order is already paid."))
    if order.status == Order.Status.CANCELLED:
        raise DomainError(_("This order was cancelled: place a new one."))
    ORDER_STATUS.check(order, "pay")
    now = timezone.now()
    if order.pay_by <= now:
        raise DomainError(_("The time to pay this order has passed: place a new one."))
    if method not in PAYMENT_METHODS:
        raise DomainError(_("Choose how to pay: balance or credit line."))
    product = product or order.product
    # A test order may be of a product not on sale (module docstring).
    if (
        not order.is_test
        and order.kind != Order.Kind.RENEWAL
        and product.status != Product.Status.LISTED
    ):
        raise DomainError(_("This product is no longer on sale."))
    if order.amount > 0:
        # No savepoint of its own: an error leaves this block, which rolls back.
        charge = payment_charge_in_transaction(
            buyer=buyer,
            product=product,
            order_number=order.number,
            amount=order.amount,
            method=method,
            coupon_ids=tuple(coupon_ids or ()),
            order_held=True,  # locked or just inserted, and unpaid (checked above)
            wallet_id=wallet_id,
        )
    else:
        charge = Charge(balance=ZERO, credit=ZERO, coupon=ZERO)
    order.paid_balance = charge.balance
    order.paid_credit = charge.credit
    order.paid_coupon = charge.coupon
    order.paid_at = now
    # Both state fields move in one UPDATE (with what the subscription sets, below); the
    # two history rows are the ones `move_to` would write, inserted with the others.
    pay_action = "pay_on_credit" if charge.credit > 0 else "pay"
    payment_target = PAYMENT_STATUS.check(order, pay_action)
    status_target = ORDER_STATUS.check(order, "pay")
    rows = [
        *history,
        history_row(
            order,
            action=pay_action,
            from_state=order.payment_status,
            to_state=payment_target,
            actor=buyer,
        ),
        history_row(
            order, action="pay", from_state=order.status, to_state=status_target, actor=buyer
        ),
    ]
    order.payment_status = payment_target
    order.status = status_target
    if grant_ids is None:
        grant_ids = list(order.voucher_grants.values_list("pk", flat=True))
    if grant_ids:
        voucher_grants_use(buyer=buyer, grant_ids=grant_ids, order_number=order.number)
    # Imported here: the lifecycle module places renewal orders through this one.
    from orders.services.subscriptions import subscription_apply_paid

    subscription_apply_paid(order=order, save=False, history=rows)
    # The paid hooks (supervision) see the paid order before its row is saved: a move
    # they make (paid → processing) goes into this UPDATE, its history rows into the
    # same INSERT as the payment's (orders/hooks.py).
    rows.extend(run_paid_hooks(order))
    if unsaved:
        # The order paid, its agreement and every history row: one INSERT statement.
        rawsave.insert_all([*unsaved, *rows])
    else:
        # The order's one UPDATE and every history row: one statement on PostgreSQL.
        rawsave.update_and_insert_many(order, PAID_FIELDS, rows)
    return order


# What paying sets on the order (with what the subscription and the paid hooks set).
PAID_FIELDS = (
    "payment_status",
    "status",
    "paid_balance",
    "paid_credit",
    "paid_coupon",
    "paid_at",
    "subscription",
    "effective_at",
    "ends_at",
)


def _cancel(order: Order, *, action: str, actor=None) -> Order:
    target = ORDER_STATUS.check(order, action)
    if _takes_stock(order):
        stock_return(product=order.product, spec_code=order.spec_code, quantity=order.quantity)
    move_to(order, target, action=action, actor=actor)
    return order


@transaction.atomic
def order_cancel(*, order_id: int, buyer) -> Order:
    """The buyer cancels an order pending payment; its stock goes back."""
    order = _lock_own(order_id=order_id, buyer=buyer)
    if order.status != Order.Status.PENDING_PAYMENT:
        raise DomainError(_("Only an order waiting for payment can be cancelled."))
    return _cancel(order, action="cancel", actor=buyer)


@transaction.atomic
def _order_expire(*, order_id: int, now: datetime) -> bool:
    # skip_locked: an order being paid right now is left alone (the payer holds its lock;
    # if the payment fails the next run takes it).
    order = (
        Order.objects.select_for_update(skip_locked=True)
        .filter(pk=order_id, status=Order.Status.PENDING_PAYMENT, pay_by__lte=now)
        .first()
    )
    if order is None:
        return False
    _cancel(order, action="expire")
    return True


def orders_expire_unpaid(*, now: datetime | None = None, batch: int = 500) -> int:
    """Cancel every order whose `pay_by` has passed, each in its own transaction with its
    stock returned; the number cancelled. Running it again finds nothing more to do."""
    now = now or timezone.now()
    expired = 0
    while True:
        ids = list(
            Order.objects.filter(status=Order.Status.PENDING_PAYMENT, pay_by__lte=now)
            .order_by("pay_by", "id")
            .values_list("id", flat=True)[:batch]
        )
        done = sum(_order_expire(order_id=order_id, now=now) for order_id in ids)
        expired += done
        if len(ids) < batch or not done:
            return expired
