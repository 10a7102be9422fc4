# ruff: noqa: F811 - the fixtures imported from isv_helpers are test parameters
"""Instance data in the buyer's purchased services (item 5): instanceId and appInfo from
the real sample ISV, refreshed with queryInstance when the buyer opens the service (stale
data with a note when the seller's server fails), credentials decrypted per §2.3 — the
test vectors below were produced by Java's own SHA1PRNG + AES/CBC/PKCS5Padding."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orders.isv.appinfo import decrypt_value, encrypt_value, sha1prng_bytes
from orders.isv.instances import instance_view
from orders.models import Subscription
from orders.provisioning import calls_dispatch
from sample_isv.server import DEFAULT_ACCESS_KEY
from tests.orders.isv_helpers import buy, interface, isv  # noqa: F401

pytestmark = pytest.mark.django_db

# javax.crypto.KeyGenerator("AES").init(size, SecureRandom("SHA1PRNG") seeded "123456")
JAVA_KEYS = {
    16: "6bb4837eb74329105ee4568dda7dc67e",
    32: "6bb4837eb74329105ee4568dda7dc67ed2ca2ad91f652e46b1d1237dd8ecc811",
}
# Java: iv "0123456789abcdef" + base64(AES/CBC/PKCS5Padding("管理员 admin")), key = demo key
JAVA_256 = "0123456789abcdefTzXe9WmHslXSq9o3YUYNKA=="
JAVA_128 = "0123456789abcdefI3+M0q/wNsAoKP1PjW+aOg=="


def test_sha1prng_reproduces_java():
    for size, expected in JAVA_KEYS.items():
        assert sha1prng_bytes(b"123456", size).hex() == expected


def test_values_encrypted_by_java_decrypt():
    assert decrypt_value(JAVA_256, access_key=DEFAULT_ACCESS_KEY) == "管理员 admin"
    assert decrypt_value(JAVA_128, access_key=DEFAULT_ACCESS_KEY, encrypt_type="2") == (
        "管理员 admin"
    )
    assert decrypt_value(JAVA_256, access_key="another key") is None
    assert decrypt_value("plain-text-user", access_key=DEFAULT_ACCESS_KEY) is None
    again = encrypt_value("管理员 admin", access_key=DEFAULT_ACCESS_KEY, iv="0123456789abcdef")
    assert again == JAVA_256


@pytest.fixture
def bought(interface, isv, settings, django_capture_on_commit_callbacks):
    settings.PROVISIONING_DISPATCHER = "orders.isv.dispatcher.HttpDispatcher"
    order = buy(interface.product, capture=django_capture_on_commit_callbacks)
    calls_dispatch()
    return Subscription.objects.get(pk=order.subscription_id)


def test_the_buyer_sees_the_instance_refreshed_on_open(client, bought, isv):
    assert bought.status == Subscription.Status.ACTIVE
    Subscription.objects.filter(pk=bought.pk).update(access_info={"frontEndUrl": "http://old"})
    client.force_login(bought.buyer)

    response = client.get(reverse("orders:service_detail", kwargs={"pk": bought.pk}))

    body = response.content.decode()
    assert bought.instance_id in body
    assert f"{isv.url}/app/{bought.instance_id}" in body  # queried again, not the old one
    assert 'data-testid="instance-stale"' not in body
    bought.refresh_from_db()
    assert bought.access_info["frontEndUrl"] == f"{isv.url}/app/{bought.instance_id}"


def test_a_failing_seller_server_shows_stale_data_with_a_note(client, bought, isv):
    isv.behaviour.update({"fail_mode": "http500"})
    client.force_login(bought.buyer)
    response = client.get(reverse("orders:service_detail", kwargs={"pk": bought.pk}))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="instance-stale"' in body
    assert bought.access_info["frontEndUrl"] in body


def test_credentials_are_decrypted_or_shown_as_returned(bought):
    bought.access_info = {
        "frontEndUrl": "javascript:alert(1)",
        "userName": JAVA_256,
        "password": "not-encrypted",
    }
    view = instance_view(bought)
    assert view.front_end_url == ""  # never a javascript: link
    assert view.user_name == "管理员 admin"
    assert view.password == "not-encrypted" and view.encrypted == ["password"]


def test_another_buyer_cannot_open_the_service(client, bought):
    from tests.factories.accounts import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("orders:service_detail", kwargs={"pk": bought.pk}))
    assert response.status_code == 404
