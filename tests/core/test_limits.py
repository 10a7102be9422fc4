"""Bounds on input (marketplace/core/limits.py), phone numbers, and the request-body
limit checked before the body is read (core/middleware.py)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from marketplace.accounts.validators import phone_uri, validate_phone
from marketplace.core import limits
from tests.factories.accounts import UserFactory


@pytest.mark.parametrize("value", ["Cloud\nOffice", "Cloud\rOffice", "a\tb", "x\u2028y", "\x00"])
def test_single_line_refuses_line_breaks_and_control_characters(value):
    with pytest.raises(ValidationError, match="single line"):
        limits.validate_single_line(value)


def test_single_line_accepts_any_script():
    limits.validate_single_line("云办公 Cloud Office — Pro 👩‍💻")


@pytest.mark.parametrize("value", [10**20, 3_000_000_000, limits.MAX_STOCK + 1])
def test_check_range_refuses_values_above_the_bound(value):
    errors = {}
    limits.check_range(errors, "stock", value, limits.MAX_STOCK)
    assert "less than or equal to 1,000,000,000" in errors["stock"][0]


def test_check_range_accepts_the_bound_and_none_and_refuses_non_integers():
    errors = {}
    limits.check_range(errors, "stock", limits.MAX_STOCK, limits.MAX_STOCK)
    limits.check_range(errors, "stock", None, limits.MAX_STOCK)
    assert errors == {}
    limits.check_range(errors, "stock", "12", limits.MAX_STOCK)
    assert errors == {"stock": ["Enter a whole number."]}


def test_check_length():
    errors = {}
    limits.check_length(errors, "text", "x" * 10, 10)
    assert errors == {}
    limits.check_length(errors, "text", "x" * 11, 10)
    assert "at most 10 characters" in errors["text"][0]


def test_integer_bounds_fit_a_32_bit_column():
    for bound in (
        limits.MAX_STOCK,
        limits.MAX_PURCHASE_LIMIT,
        limits.MAX_DELIVERY_DAYS,
        limits.MAX_PACKAGE_QUOTA,
        limits.MAX_ATTRIBUTE_VALUE,
    ):
        assert bound <= 2_147_483_647
    assert limits.MAX_PERIODS_PER_ORDER <= 32_767  # a PositiveSmallIntegerField


# --- phone numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "uri"),
    [
        ("400-800-8000", "tel:4008008000"),
        ("010-12345678", "tel:01012345678"),
        ("(010) 1234 5678", "tel:01012345678"),
        ("0755-1234567", "tel:07551234567"),
        ("13812345678", "tel:13812345678"),
        ("+86 138 1234 5678", "tel:+8613812345678"),
        ("95588", "tel:95588"),
        ("010-12345678 转 806", "tel:01012345678;ext=806"),
        ("400-800-8000 ext. 2", "tel:4008008000;ext=2"),
    ],
)
def test_valid_phones_and_their_tel_links(phone, uri):
    validate_phone(phone)
    assert phone_uri(phone) == uri


@pytest.mark.parametrize(
    "phone", ["abc", "", "123", "400-abc-8000", "1" * 16, "javascript:alert(1)", "+", "--"]
)
def test_invalid_phones_are_refused_and_get_no_link(phone):
    with pytest.raises(ValidationError, match="valid phone"):
        validate_phone(phone)
    assert phone_uri(phone) == ""


# --- request bodies ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_huge_upload_is_refused_before_its_body_is_read(client, settings):
    client.force_login(UserFactory())
    two_gb = str(2 * 1024**3)

    response = client.post(
        reverse("buyer:verify_enterprise"),
        data=b"--xyz--",  # (an empty body would go without a content type)
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=two_gb,
    )

    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert "150.0\xa0MB" in response.content.decode()


@pytest.mark.django_db
def test_the_refusal_is_translated_and_the_api_gets_json(client):
    response = client.post(
        "/api/seller/products/",
        data=b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(11 * 1024 * 1024),  # above DATA_UPLOAD_MAX_MEMORY_SIZE
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 413
    assert "请求过大" in response.json()["detail"]


@pytest.mark.django_db
def test_a_body_within_the_limits_goes_through(settings):
    # The CSRF check comes after the limit: a normal-sized post reaches it (403 here).
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    response = client.post(reverse("buyer:verify_enterprise"), {"company_name": "x"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_limits_come_from_settings(client, settings):
    settings.MAX_REQUEST_BODY_BYTES = 1000
    client.force_login(UserFactory())
    response = client.post(
        reverse("buyer:verify_enterprise"),
        data=b"--xyz--",  # (an empty body would go without a content type)
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH="1001",
    )
    assert response.status_code == 413
