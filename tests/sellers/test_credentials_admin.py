"""The credentials admins: metadata only, read-only for support, revoke for superusers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sellers.services import credentials
from tests.factories.accounts import FinanceFactory, SupportFactory, UserFactory
from tests.factories.isv import AccessKeyFactory, ProductInterfaceFactory, TestAccountFactory

pytestmark = pytest.mark.django_db


def _pages(interface, account):
    key = interface.access_key
    return [
        reverse("admin:sellers_accesskey_changelist"),
        reverse("admin:sellers_accesskey_change", args=[key.pk]),
        reverse("admin:orders_productinterface_changelist"),
        reverse("admin:orders_productinterface_change", args=[interface.pk]),
        reverse("admin:sellers_testaccount_changelist"),
        reverse("admin:sellers_testaccount_change", args=[account.pk]),
    ]


def test_support_views_metadata_but_never_the_secret(client):
    interface = ProductInterfaceFactory()
    account = TestAccountFactory()
    key = interface.access_key
    secret = credentials.access_key_secret(key)
    client.force_login(SupportFactory())
    for url in _pages(interface, account):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert secret not in body and key.secret_encrypted not in body
    change = reverse("admin:sellers_accesskey_change", args=[key.pk])
    assert key.key_id in client.get(change).content.decode()
    assert client.post(change, {}).status_code == 403
    changelist = client.get(reverse("admin:sellers_accesskey_changelist"))
    assert "revoke_keys" not in changelist.content.decode()
    response = client.post(
        reverse("admin:sellers_accesskey_changelist"),
        {"action": "revoke_keys", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.revoked_at is None


def test_other_operators_may_not_view(client):
    interface = ProductInterfaceFactory()
    account = TestAccountFactory()
    client.force_login(FinanceFactory())
    for url in _pages(interface, account):
        assert client.get(url).status_code == 403, url


def test_superuser_revokes_keys(client):
    keys = AccessKeyFactory.create_batch(2)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:sellers_accesskey_changelist"),
        {"action": "revoke_keys", "_selected_action": [k.pk for k in keys]},
        follow=True,
    )
    assert response.status_code == 200
    for key in keys:
        key.refresh_from_db()
        assert key.revoked_at is not None
