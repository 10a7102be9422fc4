"""Buyer API: place, pay and read one's own orders (03-orders › Buying), mounted by
marketplace/urls.py at /api/buyer/.

Session or HTTP basic authentication, as the seller API. I/O only: input serializer →
`orders.services.checkout` → output serializer. Placing needs an `Idempotency-Key`
header: the same key of the same buyer answers the order it made the first time (200
instead of 201) and changes nothing. Refusals are JSON `{"detail": message}` with
`result_code` where one applies (000105 already subscribed, 000106 sold out) and
`field` when the refusal is about one input.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.core import limits
from marketplace.core.api_output import represent, represent_many
from marketplace.core.exceptions import DomainError, InvalidTransition

from . import selectors
from .models import Order
from .services.checkout import (
    MAX_IDEMPOTENCY_KEY_LENGTH,
    PAYMENT_METHODS,
    order_checkout,
    order_pay,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_VOUCHERS = 20
MAX_COUPONS = 20

# --- input ---------------------------------------------------------------------------------


class OrderPayIn(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=PAYMENT_METHODS,
        default="balance",
        help_text="balance, or credit where the product allows the credit line.",
    )
    coupon_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=limits.MAX_ID),
        required=False,
        default=list,
        max_length=MAX_COUPONS,
        help_text="Cash coupons to spend first, where the product allows them.",
    )


class BuyerOrderIn(serializers.Serializer):
    product = serializers.IntegerField(min_value=1, max_value=limits.MAX_ID)
    spec_code = serializers.SlugField(max_length=40)
    quantity = serializers.IntegerField(default=1)
    period = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        default="",
        help_text="One of the spec's price periods (month, year, once, package, free, "
        "unit); may be left out when the spec has one price.",
    )
    periods = serializers.IntegerField(default=1)
    attributes = serializers.DictField(
        child=serializers.CharField(max_length=100),
        required=False,
        default=dict,
        help_text="Attribute name → chosen option (enumerated) or number (quantity).",
    )
    region = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default="", help_text="Region code."
    )
    voucher_grant_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=limits.MAX_ID),
        required=False,
        default=list,
        max_length=MAX_VOUCHERS,
    )
    agreement_accepted = serializers.BooleanField(
        help_text="The buyer accepts the product service agreement (joint products: the "
        "service support terms); it is kept with the order."
    )
    pay = OrderPayIn(
        required=False,
        allow_null=True,
        default=None,
        help_text="Pay at once, in the same transaction: if the payment fails, no order is placed.",
    )


_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _plain_text(value, max_length: int) -> bool:
    # What CharField keeps as it is: no surrounding spaces to trim, no control, NUL or
    # surrogate characters (isprintable refuses them), within its length.
    return (
        type(value) is str
        and len(value) <= max_length
        and value.isprintable()
        and value == value.strip()
    )


def _whole(value, low: int | None = None, high: int | None = None) -> bool:
    return type(value) is int and (low is None or value >= low) and (high is None or value <= high)


def fast_order_input(data) -> dict | None:
    """`BuyerOrderIn(data=data).validated_data` for the plain shape most clients send
    (JSON numbers and strings as declared, no attributes, vouchers or coupons), without
    building the serializer's fields (a third of a millisecond per checkout: README ›
    Performance: checkout); None for anything else, which the serializer then judges,
    with its messages. A test holds the two together over valid and invalid bodies
    (tests/orders/test_order_input.py)."""
    if type(data) is not dict or not data.keys() <= _INPUT_KEYS:
        return None
    product, code = data.get("product"), data.get("spec_code")
    quantity, periods = data.get("quantity", 1), data.get("periods", 1)
    period, region = data.get("period", ""), data.get("region", "")
    attributes, vouchers = data.get("attributes", {}), data.get("voucher_grant_ids", [])
    accepted, pay = data.get("agreement_accepted"), data.get("pay")
    if not (
        _whole(product, 1, limits.MAX_ID)
        and type(code) is str
        and len(code) <= 40
        and _SLUG.fullmatch(code)
        and _whole(quantity)
        and _whole(periods)
        and _plain_text(period, 10)
        and _plain_text(region, 50)
        and attributes == {}
        and type(attributes) is dict
        and vouchers == []
        and type(vouchers) is list
        and type(accepted) is bool
    ):
        return None
    if pay is not None:
        if type(pay) is not dict or not pay.keys() <= {"method", "coupon_ids"}:
            return None
        method, coupons = pay.get("method", "balance"), pay.get("coupon_ids", [])
        if type(method) is not str or method not in PAYMENT_METHODS:
            return None
        if type(coupons) is not list or coupons:
            return None
        pay = {"method": method, "coupon_ids": []}
    return {
        "product": product,
        "spec_code": code,
        "quantity": quantity,
        "period": period,
        "periods": periods,
        "attributes": {},
        "region": region,
        "voucher_grant_ids": [],
        "agreement_accepted": accepted,
        "pay": pay,
    }


_INPUT_KEYS = frozenset(BuyerOrderIn().fields)


# --- output --------------------------------------------------------------------------------


class BuyerOrderOut(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id")
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    subscription = serializers.IntegerField(source="subscription_id", allow_null=True)

    class Meta:
        model = Order
        fields = [
            "number",
            "kind",
            "status",
            "payment_status",
            "product",
            "product_name",
            "version_number",
            "spec_code",
            "spec_name",
            "billing_mode",
            "quantity",
            "period",
            "periods",
            "attributes",
            "region",
            "unit_price",
            "list_amount",
            "offer_discount",
            "voucher_discount",
            "amount",
            "paid_balance",
            "paid_credit",
            "paid_coupon",
            "created_at",
            "pay_by",
            "paid_at",
            "subscription",
        ]


class OrderErrorOut(serializers.Serializer):
    detail = serializers.CharField()
    result_code = serializers.CharField(
        required=False, help_text="000105 already subscribed, 000106 sold out."
    )
    field = serializers.CharField(required=False)


# --- plumbing ------------------------------------------------------------------------------


def _refusal(exc: DomainError) -> Response:
    body: dict = {"detail": exc.message}
    code = getattr(exc, "result_code", "")
    if code:
        body["result_code"] = code
    field = getattr(exc, "field", "")
    if field:
        body["field"] = field
    conflict = bool(code) or isinstance(exc, InvalidTransition)
    return Response(
        body, status=status.HTTP_409_CONFLICT if conflict else status.HTTP_400_BAD_REQUEST
    )


def _not_found() -> Response:
    return Response({"detail": _("Order not found.")}, status=status.HTTP_404_NOT_FOUND)


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=IDEMPOTENCY_HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description="A key the client makes for this checkout (at most 100 characters). "
    "Sending it again returns the order the first request made (200) instead of placing "
    "another one.",
)


class BuyerOrderList(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=BuyerOrderOut(many=True), summary="Your orders, newest first")
    def get(self, request):
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            selectors.order_list_for_buyer_api(buyer=request.user), request, view=self
        )
        return paginator.get_paginated_response(represent_many(BuyerOrderOut, page))

    @extend_schema(
        request=BuyerOrderIn,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: BuyerOrderOut,
            200: BuyerOrderOut,
            400: OrderErrorOut,
            409: OrderErrorOut,
        },
        summary="Place an order (and pay it at once with `pay`)",
    )
    def post(self, request):
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key:
            return Response(
                {"detail": _("Send an Idempotency-Key header with each new order.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
            return Response(
                {
                    "detail": _("The idempotency key is longer than %(max)d characters.")
                    % {"max": MAX_IDEMPOTENCY_KEY_LENGTH}
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        data = fast_order_input(request.data)
        if data is None:
            serializer = BuyerOrderIn(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        spec = selectors.spec_for_checkout(
            product_id=data["product"], spec_code=data["spec_code"], buyer=request.user
        )
        if spec is None:
            # A repeated key still answers its order, even if the product left the shelf.
            earlier = selectors.order_list_for_buyer_api(buyer=request.user).filter(
                idempotency_key=key
            )
            if earlier:
                return Response(represent(BuyerOrderOut, earlier[0]), status=status.HTTP_200_OK)
            return Response(
                {"detail": _("This product or spec is not on sale."), "field": "spec_code"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        pay = data.get("pay")
        try:
            result = order_checkout(
                buyer=request.user,
                spec=spec,
                quantity=data["quantity"],
                periods=data["periods"],
                period=data["period"],
                attributes=data["attributes"],
                region=data["region"] or None,
                voucher_grant_ids=data["voucher_grant_ids"],
                agreement_accepted=data["agreement_accepted"],
                idempotency_key=key,
                pay_method=pay["method"] if pay else None,
                coupon_ids=pay["coupon_ids"] if pay else (),
            )
        except DomainError as exc:
            return _refusal(exc)
        # The service's order is what was just written (or read, for a repeated key): the
        # answer needs nothing more, so it is not read back.
        return Response(
            represent(BuyerOrderOut, result.order),
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


class BuyerOrderDetail(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: BuyerOrderOut, 404: OrderErrorOut}, summary="One of your orders")
    def get(self, request, number: str):
        order = selectors.order_get_own(buyer=request.user, number=number)
        if order is None:
            return _not_found()
        return Response(represent(BuyerOrderOut, order))


class BuyerOrderPay(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=OrderPayIn,
        responses={200: BuyerOrderOut, 400: OrderErrorOut, 404: OrderErrorOut, 409: OrderErrorOut},
        summary="Pay one of your orders waiting for payment",
    )
    def post(self, request, number: str):
        order = selectors.order_get_own(buyer=request.user, number=number)
        if order is None:
            return _not_found()
        serializer = OrderPayIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            order_pay(
                order_id=order.pk,
                buyer=request.user,
                method=serializer.validated_data["method"],
                coupon_ids=serializer.validated_data["coupon_ids"],
            )
        except DomainError as exc:
            return _refusal(exc)
        return Response(
            represent(BuyerOrderOut, selectors.order_get_own(buyer=request.user, number=number))
        )
