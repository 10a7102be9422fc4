"""Log-in throttling (django-axes): per account and per client address, on the log-in
page, the admin's log-in and the API's basic auth; password-reset e-mails are limited."""

import base64

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.catalog_publishing import PublishingSellerFactory

pytestmark = pytest.mark.django_db

LOG_IN = reverse("accounts:login")
ADMIN_LOG_IN = reverse("admin:login")
API = "/api/seller/products/"
LIMIT = 3


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def log_in(client, username, password, ip="10.0.0.1", url=LOG_IN):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_an_account_is_locked_after_failures_from_anywhere(client):
    user = UserFactory()
    statuses = [
        log_in(client, user.username, "wrong", ip=f"10.0.0.{n + 1}").status_code
        for n in range(LIMIT)
    ]
    # The failure that reaches the limit is answered with the lockout already.
    assert statuses == [200] * (LIMIT - 1) + [429]

    response = log_in(client, user.username, PASSWORD, ip="10.9.9.9")

    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert response["Retry-After"] == "900"
    assert not logged_in(client)


def test_case_and_width_variants_share_the_account_counter(client):
    UserFactory(username="victim")
    for n, variant in enumerate(["Victim", "VICTIM", "ｖｉｃｔｉｍ"]):
        log_in(client, variant, "wrong", ip=f"10.0.1.{n + 1}")

    assert log_in(client, "victim", PASSWORD, ip="10.9.9.9").status_code == 429


def test_an_address_is_locked_after_failures_on_any_accounts(client):
    for n in range(LIMIT):
        log_in(client, f"guess{n}", "wrong", ip="10.0.0.7")
    user = UserFactory()

    assert log_in(client, user.username, PASSWORD, ip="10.0.0.7").status_code == 429
    assert not logged_in(client)
    # The same account from another address is fine: its own counter is empty.
    assert log_in(client, user.username, PASSWORD, ip="10.0.0.8").status_code == 302
    assert logged_in(client)


def test_the_lock_ends_after_the_cool_off(client):
    user = UserFactory()
    for _ in range(LIMIT):
        log_in(client, user.username, "wrong")
    assert log_in(client, user.username, PASSWORD).status_code == 429

    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=16)):
        assert log_in(client, user.username, PASSWORD).status_code == 302


def test_failures_below_the_limit_do_not_lock(client):
    user = UserFactory()
    for _ in range(LIMIT - 1):
        log_in(client, user.username, "wrong")

    assert log_in(client, user.username, PASSWORD).status_code == 302


def test_the_admin_log_in_is_throttled_too(client):
    staff = UserFactory(is_staff=True)
    for _ in range(LIMIT - 1):
        assert log_in(client, staff.username, "wrong", url=ADMIN_LOG_IN).status_code == 200
    assert log_in(client, staff.username, "wrong", url=ADMIN_LOG_IN).status_code == 429

    response = log_in(client, staff.username, PASSWORD, url=ADMIN_LOG_IN)

    assert response.status_code == 429
    assert not logged_in(client)


# --- the API's basic auth --------------------------------------------------------------------


def basic(username, password, ip="10.0.0.1"):
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return APIClient().get(API, HTTP_AUTHORIZATION=f"Basic {token}", REMOTE_ADDR=ip)


def test_wrong_basic_credentials_answer_401_with_a_challenge():
    user = UserFactory()

    response = basic(user.username, "wrong")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="api"'


def test_anonymous_api_calls_get_the_challenge_too():
    response = APIClient().get(API)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="api"'


def test_basic_auth_is_locked_after_failures():
    seller = PublishingSellerFactory()
    username = seller.user.username
    assert basic(username, PASSWORD).status_code == 200
    for n in range(LIMIT - 1):
        assert basic(username, "wrong", ip=f"10.0.2.{n + 1}").status_code == 401
    assert basic(username, "wrong", ip="10.0.2.9").status_code == 429

    response = basic(username, PASSWORD, ip="10.0.3.1")

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "Too many failed log-ins" in response.json()["detail"]


def test_basic_auth_failures_count_for_the_log_in_page(client):
    user = UserFactory()
    for _ in range(LIMIT):
        basic(user.username, "wrong")

    assert log_in(client, user.username, PASSWORD, ip="10.0.4.1").status_code == 429


# --- password reset ---------------------------------------------------------------------------

RESET = reverse("accounts:password_reset")


def test_password_reset_is_limited_per_address(client, settings):
    settings.PASSWORD_RESET_RATE_PER_HOUR = 2
    users = [UserFactory() for _ in range(3)]

    statuses = [
        client.post(RESET, {"email": u.email}, REMOTE_ADDR="10.0.5.1").status_code for u in users
    ]

    assert statuses == [302, 302, 429]
    assert len(mail.outbox) == 2
    # Another address may still ask.
    assert client.post(RESET, {"email": users[2].email}, REMOTE_ADDR="10.0.5.2").status_code == 302


def test_password_reset_is_limited_per_e_mail_address(client, settings):
    settings.PASSWORD_RESET_RATE_PER_HOUR = 2
    user = UserFactory(email="erin@example.com")

    statuses = [
        client.post(RESET, {"email": email}, REMOTE_ADDR=f"10.0.6.{n}").status_code
        for n, email in enumerate(["erin@example.com", "ERIN@example.com", "erin@example.com"])
    ]

    assert statuses == [302, 302, 429]
    assert len(mail.outbox) == 2
    assert mail.outbox[0].to == [user.email]


def test_password_reset_limit_does_not_tell_whether_an_account_exists(client, settings):
    settings.PASSWORD_RESET_RATE_PER_HOUR = 1
    first = client.post(RESET, {"email": "nobody@example.com"}, REMOTE_ADDR="10.0.7.1")
    second = client.post(RESET, {"email": "nobody@example.com"}, REMOTE_ADDR="10.0.7.2")

    assert (first.status_code, second.status_code) == (302, 429)


# --- the client's address -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "10.0.0.1"),
        (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 1.2.3.4"}, "1.2.3.4"),
        (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "not-an-ip"}, "10.0.0.1"),
        (1, {"REMOTE_ADDR": "10.0.0.1"}, "10.0.0.1"),
        (0, {}, None),
    ],
)
def test_client_address(rf, settings, count, meta, expected):
    from marketplace.accounts.throttling import client_ip

    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/")
    request.META.pop("REMOTE_ADDR", None)
    request.META.update(meta)

    assert client_ip(request) == expected
