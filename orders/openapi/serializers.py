"""Input and output shapes of the open API, field names as on the wire (§4)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.services.metering import MAX_USAGE_RECORDS

SDK_TIME = "%Y%m%dT%H%M%SZ"  # usage times: yyyyMMdd'T'HHmmss'Z', UTC
ORDER_TIME = "%Y%m%d%H%M%S"  # order / licence times: yyyyMMddHHmmss, UTC
SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


@extend_schema_field(OpenApiTypes.STR)
class UtcTimeField(serializers.Field):
    """A UTC time in a fixed compact format, e.g. 20240101T080000Z."""

    def __init__(self, *, fmt: str, **kwargs) -> None:
        self.fmt = fmt
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return dt.datetime.strptime(str(data), self.fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            raise serializers.ValidationError(
                f"Expected a UTC time formatted {self.fmt.replace('%', '')}."
            ) from None

    def to_representation(self, value):
        return value.astimezone(dt.UTC).strftime(self.fmt)


@extend_schema_field(OpenApiTypes.NUMBER)
class UsageValueField(serializers.Field):
    """A number (JSON number or string) kept exactly as a Decimal."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            raise serializers.ValidationError("A number is required.")
        try:
            value = Decimal(str(data))
        except InvalidOperation:
            raise serializers.ValidationError("A number is required.") from None
        if not value.is_finite() or abs(value) >= Decimal("1e12"):
            raise serializers.ValidationError("The number is out of range.")
        return value

    def to_representation(self, value):
        return str(value)


# --- order query (§4.1) ----------------------------------------------------------------------


class OpenApiOrderQueryIn(serializers.Serializer):
    orderId = serializers.CharField(max_length=64)  # noqa: N815 - wire names
    orderLineId = serializers.CharField(max_length=64, required=False)  # noqa: N815


class OpenApiProductInfoOut(serializers.Serializer):
    skuCode = serializers.CharField(help_text="The spec code.")  # noqa: N815
    productId = serializers.CharField()  # noqa: N815
    linearValue = serializers.IntegerField(help_text="The quantity bought.")  # noqa: N815


class OpenApiOrderLineOut(serializers.Serializer):
    orderLineId = serializers.CharField(help_text="`<orderId>-000001`.")  # noqa: N815
    chargingMode = serializers.ChoiceField(  # noqa: N815
        choices=["ON_DEMAND", "ONE_TIME", "PERIOD", "ON_DEMAND_PKG"]
    )
    expireTime = serializers.CharField(required=False, help_text="yyyyMMddHHmmss, UTC.")  # noqa: N815
    periodType = serializers.CharField(required=False, help_text="year, month or day.")  # noqa: N815
    periodNumber = serializers.IntegerField(required=False)  # noqa: N815
    productInfo = OpenApiProductInfoOut(many=True)  # noqa: N815


class OpenApiBuyerInfoOut(serializers.Serializer):
    customerId = serializers.CharField(help_text="The buyer's account ID.")  # noqa: N815
    customerName = serializers.CharField(help_text="The buyer's account name.")  # noqa: N815


class OpenApiOrderInfoOut(serializers.Serializer):
    orderId = serializers.CharField()  # noqa: N815
    orderType = serializers.ChoiceField(  # noqa: N815
        choices=["NEW", "TRIAL", "TRIAL_TO_FORMAL", "UNSUBSCRIBE", "RENEW", "CHANGE"]
    )
    createTime = serializers.CharField(help_text="When the order was placed, yyyyMMddHHmmss UTC.")  # noqa: N815
    orderLine = OpenApiOrderLineOut(many=True)  # noqa: N815
    buyerInfo = OpenApiBuyerInfoOut(required=False)  # noqa: N815


class OpenApiOrderQueryOut(serializers.Serializer):
    resultCode = serializers.CharField(help_text="MKT.0000 on success.")  # noqa: N815
    resultMsg = serializers.CharField()  # noqa: N815
    orderInfo = OpenApiOrderInfoOut(required=False)  # noqa: N815


class OpenApiResultErrorOut(serializers.Serializer):
    resultCode = serializers.CharField()  # noqa: N815
    resultMsg = serializers.CharField()  # noqa: N815
    extra_info = serializers.JSONField(required=False)


class OpenApiErrorOut(serializers.Serializer):
    error_code = serializers.CharField()
    error_msg = serializers.CharField()
    extra_info = serializers.JSONField(required=False)


# --- upload (§4.2) ---------------------------------------------------------------------------


class OpenApiUploadMetaIn(serializers.Serializer):
    """The `isvUpdateFileReq` part (JSON)."""

    type = serializers.ChoiceField(choices=["CHARACTERS", "FILE"])
    file_name = serializers.CharField(max_length=1024, required=False, default="")
    sha256 = serializers.CharField(max_length=64, required=False, default="")
    characters = serializers.CharField(
        max_length=1024, required=False, default="", trim_whitespace=False
    )

    def validate_sha256(self, value: str) -> str:
        if value and not SHA256.match(value):
            raise serializers.ValidationError("64 hexadecimal characters expected.")
        return value


class OpenApiUploadIn(serializers.Serializer):
    """The multipart request (documentation of the parts)."""

    file = serializers.FileField(required=False, help_text="The file stream (type FILE).")
    isvUpdateFileReq = serializers.CharField(  # noqa: N815
        help_text='JSON: {"type": "CHARACTERS"|"FILE", "file_name", "sha256", "characters"}.'
    )


# --- usage push (§4.3) -----------------------------------------------------------------------


class OpenApiUsageRecordIn(serializers.Serializer):
    instance_id = serializers.CharField(max_length=64)
    record_time = UtcTimeField(fmt=SDK_TIME, help_text="yyyyMMddTHHmmssZ, UTC.")
    begin_time = UtcTimeField(fmt=SDK_TIME, help_text="yyyyMMddTHHmmssZ, UTC.")
    end_time = UtcTimeField(fmt=SDK_TIME, help_text="yyyyMMddTHHmmssZ, UTC.")
    usage_value = UsageValueField(help_text="Above 0, at most 4 decimals.")
    metering_sn = serializers.CharField(max_length=64)
    relate_pkg_instance = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True
    )


class OpenApiUsagePushIn(serializers.Serializer):
    # No max_length here: more than MAX_USAGE_RECORDS is its own code (MKT.9003), checked
    # by the view before the records are validated one by one.
    usage_records = OpenApiUsageRecordIn(
        many=True, help_text=f"At most {MAX_USAGE_RECORDS} records (MKT.9003 above)."
    )


# --- licences (§4.4) -------------------------------------------------------------------------


class OpenApiLicenseActivateIn(serializers.Serializer):
    license = serializers.CharField(max_length=64)
    real_effect_time = UtcTimeField(
        fmt=ORDER_TIME, required=False, help_text="yyyyMMddHHmmss, UTC; not before the order."
    )


class OpenApiLicenseHeartbeatInfoIn(serializers.Serializer):
    thirdPartyAccount = serializers.CharField(max_length=256)  # noqa: N815
    ip = serializers.CharField(max_length=64, required=False)


class OpenApiLicenseHeartbeatIn(serializers.Serializer):
    license = serializers.CharField(max_length=64)
    heartbeatInfo = OpenApiLicenseHeartbeatInfoIn(required=False, help_text="Deprecated; ignored.")  # noqa: N815


class OpenApiLicenseActivateDataOut(serializers.Serializer):
    license_code_info = serializers.CharField(
        help_text="A JSON string: {status, expire_time, product_id, order_id, amount}."
    )


class OpenApiLicenseActivateOut(serializers.Serializer):
    error_code = serializers.CharField()
    error_msg = serializers.CharField()
    data = OpenApiLicenseActivateDataOut(required=False)


class OpenApiLicenseHeartbeatDataOut(serializers.Serializer):
    license_code = serializers.CharField()
    status = serializers.CharField(help_text="ALIVE, EXPIRED or RELEASED.")
    activate_time = serializers.CharField(required=False, help_text="yyyyMMddHHmmss, UTC.")
    expire_time = serializers.CharField(required=False, help_text="yyyyMMddHHmmss, UTC.")


class OpenApiLicenseHeartbeatOut(serializers.Serializer):
    error_code = serializers.CharField()
    error_msg = serializers.CharField()
    data = OpenApiLicenseHeartbeatDataOut(required=False)
