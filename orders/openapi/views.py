"""The open API for sellers' servers (isv-api-reference §4), mounted by marketplace/urls.py
at /api/mkp-openapi-public/global/v1/ (the reference's paths, no trailing slash).

Every view: AK/SK SDK-HMAC-SHA256 authentication (auth.py), scoped to the key's seller,
rate-limited per key (throttling.py), errors as the reference's bodies (errors.py), and
one `OpenApiLog` row per request, refused ones included. I/O only: input serializer →
service → output serializer.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import time

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.models import OpenApiLog, Order
from orders.services.licenses import (
    LicenseRefused,
    license_activate,
    license_heartbeat,
    license_state,
)
from orders.services.metering import MAX_USAGE_RECORDS, UsageRefused, metering_records_push
from orders.services.metering import UsageRecordIn as UsageRecordData
from sellers.models import AccessKey
from sellers.services.credentials import access_key_secret, access_key_usable

from . import errors, selectors, serializers
from .auth import SdkHmacAuthentication
from .services import isv_upload_create
from .throttling import OpenApiKeyRateThrottle

TAG = "Open API for sellers' servers"
MAX_META_BYTES = 64 * 1024


class HasOpenApiKey(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, AccessKey)


def _log(request, response, started: float) -> None:
    data = getattr(response, "data", None)
    code = ""
    if isinstance(data, dict):
        code = str(data.get("resultCode") or data.get("error_code") or "")[:16]
    OpenApiLog.objects.create(
        seller=getattr(request, "open_api_seller", None),
        access_key_id=getattr(request, "open_api_key_id", "")[:40],
        method=request.method[:8],
        path=request.path[:500],
        http_status=response.status_code,
        result_code=code,
        latency_ms=int((time.monotonic() - started) * 1000),
    )


class OpenApiView(APIView):
    authentication_classes = [SdkHmacAuthentication]
    permission_classes = [HasOpenApiKey]
    throttle_classes = [OpenApiKeyRateThrottle]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    result_style = errors.ERROR_STYLE
    invalid_parameter_code = errors.INVALID_PARAMETER

    def get_exception_handler(self):
        return errors.exception_handler

    def dispatch(self, request, *args, **kwargs):
        started = time.monotonic()
        response = super().dispatch(request, *args, **kwargs)
        _log(request, response, started)
        return response

    def validated(self, serializer_class, data) -> dict:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


ERRORS = {
    400: serializers.OpenApiErrorOut,
    401: serializers.OpenApiErrorOut,
    406: serializers.OpenApiErrorOut,
}


# --- §4.1 query order ------------------------------------------------------------------------


class OrderQueryView(OpenApiView):
    result_style = errors.RESULT_STYLE

    @extend_schema(
        tags=[TAG],
        summary="Query one of your orders (or a mock order)",
        description="Mock order ids answer fixed example data for any valid key: "
        + ", ".join(selectors.MOCK_ORDER_IDS)
        + ". Another seller's or an unknown order: MKT.0150.",
        parameters=[
            OpenApiParameter("orderId", str, required=True, description="Order number."),
            OpenApiParameter("orderLineId", str, required=False, description="<orderId>-000001"),
        ],
        responses={
            200: serializers.OpenApiOrderQueryOut,
            400: serializers.OpenApiResultErrorOut,
            401: serializers.OpenApiResultErrorOut,
            406: serializers.OpenApiResultErrorOut,
        },
    )
    def get(self, request):
        params = self.validated(serializers.OpenApiOrderQueryIn, request.query_params)
        order_id = params["orderId"]
        info = selectors.mock_order_info(order_id)
        if info is None:
            order = selectors.order_for_seller(seller=request.auth.seller, number=order_id)
            if order is None:
                raise errors.OpenApiError(
                    errors.ILLEGAL_OPERATION,
                    "No order with this orderId for this access key's seller.",
                    extra_info={"orderId": order_id},
                )
            info = selectors.order_info(order)
        line = params.get("orderLineId")
        if line and line != selectors.line_id(order_id):
            raise errors.OpenApiError(
                errors.INVALID_PARAMETER, "orderLineId is not a line of this order."
            )
        body = {"resultCode": errors.SUCCESS, "resultMsg": "success", "orderInfo": info}
        return Response(serializers.OpenApiOrderQueryOut(body).data)


# --- §4.2 upload string / file -----------------------------------------------------------------


def _upload_meta(value) -> dict:
    """The isvUpdateFileReq part: a form field, or a part with a file name (some HTTP
    clients send JSON parts that way)."""
    if isinstance(value, UploadedFile):
        if value.size > MAX_META_BYTES:
            raise errors.OpenApiError(errors.INVALID_PARAMETER, "isvUpdateFileReq is too large.")
        value = value.read().decode("utf-8", "replace")
    try:
        meta = json.loads(value or "")
    except ValueError:
        raise errors.OpenApiError(
            errors.INVALID_PARAMETER, "isvUpdateFileReq must be a JSON object."
        ) from None
    if not isinstance(meta, dict):
        raise errors.OpenApiError(
            errors.INVALID_PARAMETER, "isvUpdateFileReq must be a JSON object."
        )
    return meta


class UploadView(OpenApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=[TAG],
        summary="Upload a string or a file for a marketplace event",
        request={"multipart/form-data": serializers.OpenApiUploadIn},
        responses={200: serializers.OpenApiErrorOut, **ERRORS},
    )
    def post(self, request, event_id: str):
        meta = self.validated(
            serializers.OpenApiUploadMetaIn,
            _upload_meta(request.data.get("isvUpdateFileReq")),
        )
        isv_upload_create(
            seller=request.auth.seller,
            event_id=event_id,
            type=meta["type"],
            characters=meta["characters"],
            file=request.FILES.get("file"),
            file_name=meta["file_name"],
            sha256=meta["sha256"],
        )
        return errors.answer(self.result_style, errors.SUCCESS, "success")


# --- §4.3 usage push -----------------------------------------------------------------------


def _canonical_json(body) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def check_body_signature(request, seller) -> None:
    """§4.3's body signature, checked when any of its headers is sent (AK/SK alone is
    enough): base64(HMAC_SHA256(interface key, "ts=..&nonce=..&body=<sorted JSON>")),
    verified against each usable production-interface key of the seller; `ts` (ms)
    within the same clock window as X-Sdk-Date. Wrong → MKT.0102."""
    ts = request.headers.get("ts")
    nonce = request.headers.get("nonce")
    sent = request.headers.get("signature")
    if ts is None and nonce is None and sent is None:
        return
    refused = errors.OpenApiError(errors.INVALID_BODY_SIGN, "Invalid body signature.")
    if not (ts and nonce and sent) or not ts.isdigit():
        raise refused
    skew_ms = settings.OPEN_API_CLOCK_SKEW_MINUTES * 60_000
    if abs(timezone.now().timestamp() * 1000 - int(ts)) > skew_ms:
        raise refused
    try:
        sent_bytes = base64.b64decode(sent, validate=True)
    except (binascii.Error, ValueError):
        raise refused from None
    message = f"ts={ts}&nonce={nonce}&body={_canonical_json(request.data)}".encode()
    now = timezone.now()
    keys = AccessKey.objects.filter(seller=seller, kind=AccessKey.Kind.INTERFACE)
    for key in keys:
        if not access_key_usable(key, at=now):
            continue
        digest = hmac.new(access_key_secret(key).encode(), message, "sha256").digest()
        if hmac.compare_digest(digest, sent_bytes):
            return
    raise refused


class UsageDataView(OpenApiView):
    @extend_schema(
        tags=[TAG],
        summary="Push pay-per-use usage records (idempotent per metering_sn)",
        request=serializers.OpenApiUsagePushIn,
        parameters=[
            OpenApiParameter("ts", str, OpenApiParameter.HEADER, required=False),
            OpenApiParameter("nonce", str, OpenApiParameter.HEADER, required=False),
            OpenApiParameter(
                "signature",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="Optional body signature (§4.3); checked when sent (MKT.0102).",
            ),
        ],
        responses={200: serializers.OpenApiErrorOut, **ERRORS},
    )
    def post(self, request):
        seller = request.auth.seller
        check_body_signature(request, seller)
        records = request.data.get("usage_records") if isinstance(request.data, dict) else None
        if isinstance(records, list) and len(records) > MAX_USAGE_RECORDS:
            raise errors.OpenApiError(
                errors.TOO_MANY_RECORDS,
                f"At most {MAX_USAGE_RECORDS} usage records per request.",
            )
        data = self.validated(serializers.OpenApiUsagePushIn, request.data)
        try:
            metering_records_push(
                seller=seller,
                records=[UsageRecordData(**record) for record in data["usage_records"]],
            )
        except UsageRefused as exc:
            raise errors.OpenApiError(exc.code, exc.message, extra_info=exc.extra_info) from exc
        return errors.answer(self.result_style, errors.SUCCESS, "success")


# --- §4.4 licences ---------------------------------------------------------------------------


class LicenseView(OpenApiView):
    invalid_parameter_code = errors.LICENSE_INVALID_PARAMETER

    def refused(self, exc: LicenseRefused) -> errors.OpenApiError:
        return errors.OpenApiError(exc.code, exc.message)


def _first_order_number(subscription_id: int) -> str:
    return (
        Order.objects.filter(subscription_id=subscription_id)
        .order_by("created_at", "id")
        .values_list("number", flat=True)
        .first()
        or ""
    )


class LicenseActivateView(LicenseView):
    @extend_schema(
        tags=[TAG],
        summary="Activate a license code the buyer has received",
        request=serializers.OpenApiLicenseActivateIn,
        responses={
            200: serializers.OpenApiLicenseActivateOut,
            403: serializers.OpenApiErrorOut,
            **ERRORS,
        },
    )
    def post(self, request):
        data = self.validated(serializers.OpenApiLicenseActivateIn, request.data)
        try:
            license = license_activate(
                seller=request.auth.seller,
                code=data["license"],
                real_effect_time=data.get("real_effect_time"),
            )
        except LicenseRefused as exc:
            raise self.refused(exc) from exc
        subscription = license.subscription
        info = {
            "status": "ALIVE",
            "expire_time": selectors.wire_time(subscription.expires_at),
            "product_id": str(subscription.product_id),
            "order_id": _first_order_number(subscription.pk),
            "amount": subscription.quantity,
        }
        return errors.answer(
            self.result_style,
            errors.LICENSE_SUCCESS,
            "success",
            data={"license_code_info": json.dumps(info, separators=(",", ":"))},
        )


class LicenseHeartbeatView(LicenseView):
    @extend_schema(
        tags=[TAG],
        summary="Heartbeat / state of an activated license code",
        request=serializers.OpenApiLicenseHeartbeatIn,
        responses={
            200: serializers.OpenApiLicenseHeartbeatOut,
            403: serializers.OpenApiErrorOut,
            **ERRORS,
        },
    )
    def post(self, request):
        data = self.validated(serializers.OpenApiLicenseHeartbeatIn, request.data)
        try:
            license = license_heartbeat(seller=request.auth.seller, code=data["license"])
        except LicenseRefused as exc:
            raise self.refused(exc) from exc
        body = {
            "license_code": license.code,
            "status": license_state(license),
            "activate_time": selectors.wire_time(license.activated_at),
            "expire_time": selectors.wire_time(license.subscription.expires_at),
        }
        data_out = serializers.OpenApiLicenseHeartbeatDataOut(
            {k: v for k, v in body.items() if v is not None}
        ).data
        return errors.answer(self.result_style, errors.LICENSE_SUCCESS, "success", data=data_out)
