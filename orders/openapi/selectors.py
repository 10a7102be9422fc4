"""Reads of the open API: one order of the calling seller in the reference's wire shape
(isv-api-reference §4.1), and the fixed mock orders for debugging.

Mapping of our orders to the reference's fields:
- `orderId` = `Order.number`; the one order line is `<number>-000001` (as newInstance sends it).
- `orderType`: kind new / package repurchase → NEW, trial → TRIAL, renewal → RENEW,
  upgrade → CHANGE; an order that was unsubscribed or refunded → UNSUBSCRIBE (we keep no
  separate unsubscribe order). TRIAL_TO_FORMAL is only answered by its mock order: a trial
  is converted by buying a new subscription here.
- `chargingMode`: period and trial → PERIOD, one-off → ONE_TIME, pay-as-you-go →
  ON_DEMAND, package → ON_DEMAND_PKG. `periodType`/`periodNumber` for monthly / yearly
  orders (month|year × periods) and trials (day × trial days).
- Times are `yyyyMMddHHmmss` UTC; `createTime` is when the order was placed.
- `productInfo` = [{skuCode: spec code, productId, linearValue: quantity}].
- `buyerInfo` is minimal: `customerId` = the buyer's account ID, `customerName` = the
  account name. E-mail and mobile are not shared (the seller's server gets what it needs
  to provision in newInstance; contact data stays with the marketplace).
"""

from __future__ import annotations

import datetime as dt

from marketplace.catalog.models import BillingMode

from ..models import Order

LINE_SUFFIX = "-000001"

ORDER_TYPES = {
    Order.Kind.NEW: "NEW",
    Order.Kind.PACKAGE_REPURCHASE: "NEW",
    Order.Kind.TRIAL: "TRIAL",
    Order.Kind.RENEWAL: "RENEW",
    Order.Kind.UPGRADE: "CHANGE",
}
CHARGING_MODES = {
    BillingMode.PERIOD: "PERIOD",
    BillingMode.TRIAL: "PERIOD",
    BillingMode.ONE_OFF: "ONE_TIME",
    BillingMode.ON_DEMAND: "ON_DEMAND",
    BillingMode.PACKAGE: "ON_DEMAND_PKG",
}
UNSUBSCRIBED = (Order.Status.UNSUBSCRIBED, Order.Status.REFUNDED)


def wire_time(value: dt.datetime | None) -> str | None:
    """yyyyMMddHHmmss, UTC (the reference's format for order times)."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")


def line_id(order_id: str) -> str:
    return f"{order_id}{LINE_SUFFIX}"


def order_for_seller(*, seller, number: str) -> Order | None:
    """The seller's order with this number (another seller's: None, like an unknown one)."""
    return (
        Order.objects.filter(seller=seller, number=number)
        .select_related("buyer", "spec", "subscription")
        .first()
    )


def _order_type(order: Order) -> str:
    if order.status in UNSUBSCRIBED:
        return "UNSUBSCRIBE"
    return ORDER_TYPES.get(order.kind, "NEW")


def _period(order: Order) -> dict:
    if order.billing_mode == BillingMode.TRIAL or order.kind == Order.Kind.TRIAL:
        days = order.spec.trial_days if order.spec_id else None
        return {"periodType": "day", "periodNumber": days or 0}
    if order.period in ("month", "year"):
        return {"periodType": order.period, "periodNumber": order.periods}
    return {}


def order_info(order: Order) -> dict:
    """The `orderInfo` of §4.1 for one of our orders."""
    expire = order.ends_at or (order.subscription.expires_at if order.subscription else None)
    line = {
        "orderLineId": line_id(order.number),
        "chargingMode": CHARGING_MODES.get(order.billing_mode, "PERIOD"),
        "productInfo": [
            {
                "skuCode": order.spec_code,
                "productId": str(order.product_id),
                "linearValue": order.quantity,
            }
        ],
        **_period(order),
    }
    if expire is not None:
        line["expireTime"] = wire_time(expire)
    return {
        "orderId": order.number,
        "orderType": _order_type(order),
        "createTime": wire_time(order.created_at),
        "orderLine": [line],
        "buyerInfo": {
            "customerId": order.buyer.account_id,
            "customerName": order.buyer.username,
        },
    }


# --- mock orders (§4.1 "Mock orders for debugging") --------------------------------------

# id → (orderType, chargingMode, periodType, periodNumber)
_MOCKS = {
    "MOCKPERIODYEARNEW": ("NEW", "PERIOD", "year", 1),
    "MOCKONETIMENEW": ("NEW", "ONE_TIME", None, None),
    "MOCKONDEMAND": ("NEW", "ON_DEMAND", None, None),
    "MOCKONDEMANDPKG": ("NEW", "ON_DEMAND_PKG", None, None),
    "MOCKPERIODDAYTRIAL": ("TRIAL", "PERIOD", "day", 7),
    "MOCKMONTYTRIALTOFORMAL": ("TRIAL_TO_FORMAL", "PERIOD", "month", 1),
    "MOCKMONTYUNSUBSCRIBE": ("UNSUBSCRIBE", "PERIOD", "month", 1),
    "MOCKMONTYRENEW": ("RENEW", "PERIOD", "month", 1),
    "MOCKMONTYCHANGE": ("CHANGE", "PERIOD", "month", 1),
}
MOCK_ORDER_IDS = tuple(_MOCKS)
MOCK_CREATE_TIME = "20240101080000"
MOCK_EXPIRE_TIMES = {"year": "20250101080000", "month": "20240201080000", "day": "20240108080000"}


def mock_order_info(order_id: str) -> dict | None:
    """Fixed example data of a mock order id (any valid key may ask), else None."""
    mock = _MOCKS.get(order_id)
    if mock is None:
        return None
    order_type, charging_mode, period_type, period_number = mock
    line: dict = {
        "orderLineId": line_id(order_id),
        "chargingMode": charging_mode,
        "productInfo": [{"skuCode": "mock-sku", "productId": "MOCKPRODUCT", "linearValue": 1}],
    }
    if period_type:
        line.update(
            periodType=period_type,
            periodNumber=period_number,
            expireTime=MOCK_EXPIRE_TIMES[period_type],
        )
    return {
        "orderId": order_id,
        "orderType": order_type,
        "createTime": MOCK_CREATE_TIME,
        "orderLine": [line],
        "buyerInfo": {"customerId": "MOCKCUSTOMER", "customerName": "mock-buyer"},
    }
