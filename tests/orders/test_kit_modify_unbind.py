"""Change and unbind a joint SaaS service's enterprise binding: the kit syncs with flag 2
(modify) and flag 0 (delete) against the real sample ISV on loopback (orders/isv/kit.py,
orders/views/kit.py). No automatic retry: the buyer retries, the seller is e-mailed."""

import time

import pytest
from django.core import mail
from django.urls import reverse

from marketplace.core.exceptions import DomainError
from orders.isv.kit import kit_sync_retry, kit_syncs_send, tenant_bind, tenant_modify, tenant_unbind
from orders.models import KitSync, TenantBinding
from tests.factories.accounts import UserFactory
from tests.orders.test_kit import (  # noqa: F401 (fixtures)
    bind,
    isv,
    isv_control,
    isv_kit,
    subscription,
)

pytestmark = pytest.mark.django_db


def modify(sub, name):
    tenant_modify(subscription_id=sub.pk, buyer=sub.buyer, name=name)
    return kit_syncs_send(subscription_id=sub.pk)


def unbind(sub):
    tenant_unbind(subscription_id=sub.pk, buyer=sub.buyer)
    return kit_syncs_send(subscription_id=sub.pk)


def retry(sub):
    return kit_sync_retry(subscription_id=sub.pk, buyer=sub.buyer)


def wait_until(check, seconds=5.0):
    """The sample ISV's `slow` fault sleeps, then does the work: wait for the work."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the sample ISV did not apply the call"
        time.sleep(0.05)


# --- change the enterprise name (flag 2) -----------------------------------------------------


def test_modify_renames_the_tenant_and_its_root_department(subscription, isv):  # noqa: F811
    bind(subscription, "Acme Ltd")
    binding = TenantBinding.objects.get()

    syncs = modify(subscription, "  Acme   Group ")

    assert [(s.path, s.payload["flag"], s.status) for s in syncs] == [
        ("tenantSync", 2, "succeeded"),
        ("singleOrgSync", 2, "succeeded"),
    ]
    assert {s.operation for s in syncs} == {"modify"}
    binding.refresh_from_db()
    assert binding.name == "Acme Group"
    kit = isv_kit(isv)
    assert [(t["tenantId"], t["name"]) for t in kit["tenant"]] == [
        (binding.tenant_id, "Acme Group")
    ]
    assert kit["tenant"][0]["domainName"] == binding.domain_name  # the domain stays
    assert [(o["orgCode"], o["orgName"]) for o in kit["org"]] == [("root", "Acme Group")]
    assert len(kit["application"]) == len(kit["user"]) == 1  # untouched
    assert mail.outbox == []


def test_a_failed_modify_tells_the_seller_and_retry_sends_it_again(
    subscription,  # noqa: F811
    isv,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    bind(subscription, "Acme Ltd")
    # `slow`: the sample ISV applies the change but answers after our timeout, so the
    # call failed for us; the retry sends the same modify again (idempotent upsert).
    settings.ISV_QUERY_TIMEOUT_SECONDS = 0.3
    isv_control(isv, fail_mode="slow", slow_ms=900)
    with django_capture_on_commit_callbacks(execute=True):
        syncs = modify(subscription, "Acme Group")

    assert [(s.path, s.status) for s in syncs] == [
        ("tenantSync", "failed"),
        ("singleOrgSync", "pending"),
    ]
    seller = subscription.seller
    assert seller.user.notifications.filter(template="kit_sync_failed").count() == 1
    assert len(mail.outbox) == 2  # the seller's account and the service group's mailbox
    assert all("tenantSync" in m.subject for m in mail.outbox)
    assert all("renamed the enterprise" in m.body for m in mail.outbox)
    assert all("Acme Group" in m.body for m in mail.outbox)
    wait_until(lambda: [t["name"] for t in isv_kit(isv)["tenant"]] == ["Acme Group"])

    isv_control(isv, reset=True)
    syncs = retry(subscription)

    assert [(s.path, s.status, s.attempts) for s in syncs] == [
        ("tenantSync", "succeeded", 2),
        ("singleOrgSync", "succeeded", 1),
    ]
    kit = isv_kit(isv)
    assert [t["name"] for t in kit["tenant"]] == ["Acme Group"]  # one tenant, not two
    assert [o["orgName"] for o in kit["org"]] == ["Acme Group"]


def test_modify_refusals(subscription, isv):  # noqa: F811
    with pytest.raises(DomainError):  # not bound
        tenant_modify(subscription_id=subscription.pk, buyer=subscription.buyer, name="X")
    isv_control(isv, fail_mode="http500")
    bind(subscription, "Acme Ltd")
    with pytest.raises(DomainError, match="retry"):  # the bind has not gone through
        tenant_modify(subscription_id=subscription.pk, buyer=subscription.buyer, name="X")
    isv_control(isv, reset=True)
    retry(subscription)
    for name in ("Acme Ltd", "   ", "x" * 256):  # unchanged, empty, too long
        with pytest.raises(DomainError):
            tenant_modify(subscription_id=subscription.pk, buyer=subscription.buyer, name=name)
    with pytest.raises(DomainError):  # another buyer
        tenant_modify(subscription_id=subscription.pk, buyer=UserFactory(), name="Evil")
    subscription.status = "frozen"
    subscription.save()
    with pytest.raises(DomainError):
        tenant_modify(subscription_id=subscription.pk, buyer=subscription.buyer, name="Y")
    assert KitSync.objects.filter(operation="modify").count() == 0
    assert TenantBinding.objects.get().name == "Acme Ltd"


# --- unbind (flag 0) -------------------------------------------------------------------------


def test_unbind_deletes_everything_in_reverse_and_frees_the_service(subscription, isv):  # noqa: F811
    bind(subscription, "Acme Ltd")
    old = TenantBinding.objects.get()

    syncs = unbind(subscription)

    assert [(s.path, s.payload["flag"], s.status) for s in syncs] == [
        ("authSync", 0, "succeeded"),
        ("singleOrgSync", 0, "succeeded"),
        ("applicationSync", 0, "succeeded"),
        ("tenantSync", 0, "succeeded"),
    ]
    assert syncs[0].payload["userList"][0]["userName"] == subscription.buyer.username
    assert isv_kit(isv) == {"tenant": [], "application": [], "user": [], "org": []}
    assert not TenantBinding.objects.exists()
    # The calls stay as the record of what was sent; they outlive the binding.
    assert KitSync.objects.filter(subscription=subscription, binding=None).count() == 8

    # The service can be bound again: a new tenant.
    tenant_bind(subscription_id=subscription.pk, buyer=subscription.buyer, name="Acme Two")
    assert [s.status for s in kit_syncs_send(subscription_id=subscription.pk)] == ["succeeded"] * 4
    assert TenantBinding.objects.get().tenant_id != old.tenant_id
    assert [t["name"] for t in isv_kit(isv)["tenant"]] == ["Acme Two"]


def test_a_failed_unbind_keeps_the_binding_until_the_retry_went_through(
    subscription,  # noqa: F811
    isv,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    bind(subscription, "Acme Ltd")
    settings.ISV_QUERY_TIMEOUT_SECONDS = 0.3
    isv_control(isv, fail_mode="slow", slow_ms=900)  # deleted there, too late for us
    with django_capture_on_commit_callbacks(execute=True):
        syncs = unbind(subscription)

    assert [s.status for s in syncs] == ["failed", "pending", "pending", "pending"]
    binding = TenantBinding.objects.get()
    assert binding.unbind_requested_at is not None
    wait_until(lambda: isv_kit(isv)["user"] == [])  # the first delete was done there
    assert all("unbound your joint-operation product" in m.body for m in mail.outbox)
    assert all("authSync" in m.subject for m in mail.outbox) and len(mail.outbox) == 2
    with pytest.raises(DomainError):  # no second unbinding, no change meanwhile
        tenant_unbind(subscription_id=subscription.pk, buyer=subscription.buyer)
    with pytest.raises(DomainError):
        tenant_modify(subscription_id=subscription.pk, buyer=subscription.buyer, name="New")

    isv_control(isv, reset=True)
    syncs = retry(subscription)  # the repeated delete of the user succeeds (§1.9)

    assert [(s.status, s.attempts) for s in syncs] == [("succeeded", 2)] + [("succeeded", 1)] * 3
    assert not TenantBinding.objects.exists()
    assert isv_kit(isv) == {"tenant": [], "application": [], "user": [], "org": []}


def test_unbinding_a_bind_that_never_went_through_cancels_it(subscription, isv):  # noqa: F811
    isv_control(isv, fail_mode="http500")
    bind(subscription, "Acme Ltd")  # tenantSync failed, the rest pending

    isv_control(isv, reset=True)
    syncs = unbind(subscription)

    bind_rows = KitSync.objects.filter(operation="bind").order_by("pk")
    assert [(s.status, s.attempts) for s in bind_rows] == [("cancelled", 1)] + [
        ("cancelled", 0)
    ] * 3
    assert [s.status for s in syncs] == ["succeeded"] * 4
    assert not TenantBinding.objects.exists()
    assert isv_kit(isv) == {"tenant": [], "application": [], "user": [], "org": []}


def test_unbind_of_another_buyer_or_an_unbound_service_is_refused(subscription, isv):  # noqa: F811
    with pytest.raises(DomainError):
        tenant_unbind(subscription_id=subscription.pk, buyer=subscription.buyer)
    bind(subscription)
    with pytest.raises(DomainError):
        tenant_unbind(subscription_id=subscription.pk, buyer=UserFactory())
    assert TenantBinding.objects.get().unbind_requested_at is None
    assert KitSync.objects.filter(operation="unbind").count() == 0


# --- pages -----------------------------------------------------------------------------------


def test_modify_and_unbind_through_the_pages(client, subscription, isv):  # noqa: F811
    bind(subscription, "Acme Ltd")
    client.force_login(subscription.buyer)
    detail = reverse("orders:service_detail", args=[subscription.pk])
    page = client.get(detail).content.decode()
    assert 'data-testid="kit-modify"' in page and 'data-testid="kit-unbind"' in page

    isv_control(isv, fail_mode="http500")
    response = client.post(
        reverse("orders:service_kit_modify", args=[subscription.pk]), {"name": "Acme Group"}
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert 'data-testid="kit-retry"' in page and "HTTP status 500" in page
    assert 'data-testid="kit-modify"' not in page  # retry first

    isv_control(isv, reset=True)
    client.post(reverse("orders:service_kit_retry", args=[subscription.pk]))
    page = client.get(detail).content.decode()
    assert 'data-testid="kit-retry"' not in page
    assert [t["name"] for t in isv_kit(isv)["tenant"]] == ["Acme Group"]

    isv_control(isv, fail_mode="http500")
    response = client.post(reverse("orders:service_kit_unbind", args=[subscription.pk]))
    page = client.get(response.url).content.decode()
    assert 'data-testid="kit-unbinding"' in page and 'data-testid="kit-retry"' in page
    assert 'data-testid="kit-unbind"' not in page

    isv_control(isv, reset=True)
    client.post(reverse("orders:service_kit_retry", args=[subscription.pk]))
    page = client.get(detail).content.decode()
    assert 'data-testid="kit-bind"' in page  # unbound: it can be bound again
    assert not TenantBinding.objects.exists()


def test_another_buyers_binding_is_404_and_nothing_is_sent(client, subscription, isv):  # noqa: F811
    bind(subscription, "Acme Ltd")
    before_kit, before_rows = isv_kit(isv), list(KitSync.objects.values())
    for intruder in (UserFactory(), subscription.seller.user):
        client.force_login(intruder)
        for name, data in (
            ("orders:service_kit_modify", {"name": "Evil"}),
            ("orders:service_kit_unbind", {}),
        ):
            response = client.post(reverse(name, args=[subscription.pk]), data)
            assert response.status_code == 404, (intruder, name)
    assert isv_kit(isv) == before_kit
    assert list(KitSync.objects.values()) == before_rows
    binding = TenantBinding.objects.get()
    assert (binding.name, binding.unbind_requested_at) == ("Acme Ltd", None)


def test_anonymous_is_sent_to_log_in_and_get_is_refused(client, subscription):  # noqa: F811
    for name in ("orders:service_kit_modify", "orders:service_kit_unbind"):
        url = reverse(name, args=[subscription.pk])
        response = client.post(url, {"name": "X"})
        assert response.status_code == 302 and "login" in response.url
        client.force_login(subscription.buyer)
        assert client.get(url).status_code == 405
        client.logout()
