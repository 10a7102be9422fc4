"""Result codes of the open API (isv-api-reference §3.2) and the answers that carry them.

Two body shapes, as the reference shows them:
- query order answers `{"resultCode": ..., "resultMsg": ...}`;
- upload, usage push and the licence APIs answer `{"error_code": ..., "error_msg": ...}`.
A failure body carries `extra_info` for the codes the reference names (0100, 0150, 0250,
9001, 9002, 9004, 9005). Messages are English (machines read the code); they are not
translated.

Authentication and rate limiting are the same on every path (the gateway's job in the
reference): MKT.0154 "illegal token" 401 for a missing or malformed Authorization header,
an unknown or revoked AK, a bad signature, a date outside the 15-minute window or an
unsigned `host` / `x-sdk-date`; MKT.0250 406 when the key's rate is exceeded.
"""

from __future__ import annotations

import logging

from rest_framework import exceptions, status
from rest_framework.response import Response

logger = logging.getLogger(__name__)

SUCCESS = "MKT.0000"
INTERNAL_ERROR = "MKT.0999"
VALIDATION_FAILED = "MKT.0100"
INVALID_PARAMETER = "MKT.0101"
INVALID_BODY_SIGN = "MKT.0102"
OTHER_PARAMETER_ERROR = "MKT.0199"
ILLEGAL_OPERATION = "MKT.0150"
NO_PERMISSION = "MKT.0151"
ILLEGAL_TOKEN = "MKT.0154"  # noqa: S105 - a result code, not a secret
TOO_FREQUENT = "MKT.0250"
INSTANCE_NOT_FOUND = "MKT.9001"
INVALID_USAGE = "MKT.9002"
TOO_MANY_RECORDS = "MKT.9003"
BEGIN_TOO_OLD = "MKT.9004"

LICENSE_SUCCESS = "92020000"
LICENSE_UNAUTHORIZED = "92020001"
LICENSE_INVALID_PARAMETER = "92020002"
LICENSE_NOT_RECEIVED = "92020004"
LICENSE_NOT_FOUND = "92020005"

HTTP_STATUS = {
    SUCCESS: status.HTTP_200_OK,
    INTERNAL_ERROR: status.HTTP_500_INTERNAL_SERVER_ERROR,
    VALIDATION_FAILED: status.HTTP_500_INTERNAL_SERVER_ERROR,  # sic, as the reference says
    INVALID_PARAMETER: status.HTTP_400_BAD_REQUEST,
    INVALID_BODY_SIGN: status.HTTP_400_BAD_REQUEST,
    OTHER_PARAMETER_ERROR: status.HTTP_400_BAD_REQUEST,
    ILLEGAL_OPERATION: status.HTTP_401_UNAUTHORIZED,
    NO_PERMISSION: status.HTTP_401_UNAUTHORIZED,
    ILLEGAL_TOKEN: status.HTTP_401_UNAUTHORIZED,
    TOO_FREQUENT: status.HTTP_406_NOT_ACCEPTABLE,
    # The reference gives no HTTP status for the usage codes: a client error.
    INSTANCE_NOT_FOUND: status.HTTP_400_BAD_REQUEST,
    INVALID_USAGE: status.HTTP_400_BAD_REQUEST,
    TOO_MANY_RECORDS: status.HTTP_400_BAD_REQUEST,
    BEGIN_TOO_OLD: status.HTTP_400_BAD_REQUEST,
    LICENSE_SUCCESS: status.HTTP_200_OK,
    LICENSE_UNAUTHORIZED: status.HTTP_403_FORBIDDEN,
    LICENSE_INVALID_PARAMETER: status.HTTP_400_BAD_REQUEST,
    LICENSE_NOT_RECEIVED: status.HTTP_400_BAD_REQUEST,
    LICENSE_NOT_FOUND: status.HTTP_404_NOT_FOUND,
}
WITH_EXTRA_INFO = {
    VALIDATION_FAILED,
    ILLEGAL_OPERATION,
    TOO_FREQUENT,
    INSTANCE_NOT_FOUND,
    INVALID_USAGE,
    BEGIN_TOO_OLD,
    "MKT.9005",
}

# The two body shapes (a view's `result_style`).
RESULT_STYLE = "result"  # resultCode / resultMsg
ERROR_STYLE = "error"  # error_code / error_msg


class OpenApiError(exceptions.APIException):
    """A refusal with its open-API code; the HTTP status follows the code."""

    def __init__(self, code: str, message: str, *, extra_info=None) -> None:
        super().__init__(detail=message)
        self.code = code
        self.message = message
        self.extra_info = extra_info
        self.status_code = HTTP_STATUS.get(code, status.HTTP_400_BAD_REQUEST)


def body(style: str, code: str, message: str, *, extra_info=None, **fields) -> dict:
    if style == RESULT_STYLE:
        out = {"resultCode": code, "resultMsg": message}
    else:
        out = {"error_code": code, "error_msg": message}
    if extra_info is not None and code in WITH_EXTRA_INFO:
        out["extra_info"] = extra_info
    out.update(fields)
    return out


def answer(style: str, code: str, message: str, *, extra_info=None, **fields) -> Response:
    return Response(
        body(style, code, message, extra_info=extra_info, **fields),
        status=HTTP_STATUS.get(code, status.HTTP_400_BAD_REQUEST),
    )


def _flatten(detail) -> str:
    """DRF's validation detail as one line: `field: message; ...`."""
    if isinstance(detail, dict):
        return "; ".join(f"{name}: {_flatten(value)}" for name, value in detail.items())
    if isinstance(detail, list):
        return "; ".join(_flatten(item) for item in detail)
    return str(detail)


def exception_handler(exc, context):
    """Every error of an open-API view as the reference's body (never DRF's `detail`)."""
    view = context.get("view")
    style = getattr(view, "result_style", ERROR_STYLE)
    invalid = getattr(view, "invalid_parameter_code", INVALID_PARAMETER)
    if isinstance(exc, OpenApiError):
        response = answer(style, exc.code, exc.message, extra_info=exc.extra_info)
    elif isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 0)
        response = answer(
            style,
            TOO_FREQUENT,
            "Access frequency over limit.",
            extra_info={"retry_after_seconds": wait},
        )
        if wait:
            response["Retry-After"] = str(wait)
    elif isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        response = answer(style, ILLEGAL_TOKEN, "Illegal token.")
    elif isinstance(exc, exceptions.PermissionDenied):
        response = answer(style, NO_PERMISSION, "No API permission.")
    elif isinstance(exc, exceptions.ValidationError | exceptions.ParseError):
        response = answer(style, invalid, _flatten(exc.detail))
    elif isinstance(exc, exceptions.UnsupportedMediaType | exceptions.MethodNotAllowed):
        response = answer(style, invalid, str(exc.detail))
        response.status_code = exc.status_code
    elif isinstance(exc, exceptions.APIException):
        response = answer(style, OTHER_PARAMETER_ERROR, str(exc.detail))
        response.status_code = exc.status_code
    else:
        logger.exception("open API: unexpected error", exc_info=exc)
        response = answer(style, INTERNAL_ERROR, "Internal error.")
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = "SDK-HMAC-SHA256"
    return response
