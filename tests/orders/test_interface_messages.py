"""Seller center › Production interface messages, and the same for operators in the admin:
the list with filters (scoped to the seller), one call with every attempt, Restart on a
failed call (new window, pending, restarted_by, history), ownership (another seller's
call → 404, nothing changed), the admin action behind its permission."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from marketplace.core.audit import history_for
from orders.models import CallAttempt, ProvisioningCall, Subscription
from tests.factories.accounts import OperatorFactory, SupportFactory
from tests.factories.catalog import listed_product
from tests.factories.orders import SubscriptionFactory
from tests.factories.sellers import ActiveSellerFactory

pytestmark = pytest.mark.django_db
FAILED, PENDING = ProvisioningCall.Status.FAILED, ProvisioningCall.Status.PENDING


def make_call(product, *, activity="newInstance", status=FAILED, attempts=2, sequence=1):
    subscription = SubscriptionFactory(
        product=product, status=Subscription.Status.PENDING, instance_id=""
    )
    call = ProvisioningCall.objects.create(
        subscription=subscription,
        sequence=sequence,
        activity=activity,
        payload={"orderId": "O1", "orderLineId": "O1-000001"},
        status=status,
        attempts=attempts,
        last_error="HTTP status 500 (200 expected).",
        window_ends_at=timezone.now() - dt.timedelta(minutes=5),
        finished_at=timezone.now() if status == FAILED else None,
    )
    for number in range(1, attempts + 1):
        CallAttempt.objects.create(
            call=call,
            number=number,
            started_at=timezone.now(),
            url="http://isv.example.com/produce?signature=AB&timestamp=1&nonce=n",
            request_body={"activity": activity, "businessId": f"b{number}"},
            http_status=500,
            response_body="Internal Server Error",
            latency_ms=12,
            error="HTTP status 500 (200 expected).",
        )
    return call


@pytest.fixture
def seller():
    return ActiveSellerFactory()


@pytest.fixture
def product(seller):
    return listed_product(seller=seller, name="Cloud CRM")


def test_the_list_shows_only_the_sellers_calls_with_filters(
    client, seller, product, django_assert_max_num_queries
):
    mine = [make_call(product) for _ in range(3)]
    make_call(product, activity="releaseInstance", status=PENDING, attempts=0)
    theirs = make_call(listed_product(seller=ActiveSellerFactory(), name="Other"))
    client.force_login(seller.user)
    url = reverse("seller:interface_messages")

    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("newInstance") >= 3 and "releaseInstance" in body
    assert reverse("seller:interface_message_detail", kwargs={"pk": theirs.pk}) not in body

    response = client.get(url, {"status": "failed", "activity": "newInstance"})
    page = list(response.context["page"].object_list)
    assert sorted(c.pk for c in page) == sorted(c.pk for c in mine)
    response = client.get(url, {"product": product.pk, "status": "pending"})
    assert [c.activity for c in response.context["page"].object_list] == ["releaseInstance"]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.get(url, {"date_from": tomorrow})
    assert list(response.context["page"].object_list) == []


def test_the_detail_shows_the_request_and_every_attempt(client, seller, product):
    call = make_call(product, attempts=3)
    client.force_login(seller.user)
    response = client.get(reverse("seller:interface_message_detail", kwargs={"pk": call.pk}))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="attempt"') == 3
    assert "Internal Server Error" in body and "signature=AB" in body
    assert 'data-testid="restart"' in body


def test_restart_gives_a_new_window_and_sends_again(client, seller, product, settings):
    settings.PROVISIONING_DISPATCHER = "orders.provisioning.NullDispatcher"
    call = make_call(product)
    client.force_login(seller.user)
    url = reverse("seller:interface_message_restart", kwargs={"pk": call.pk})
    response = client.post(url)
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.status == PENDING and call.restarted_by == seller.user
    assert call.window_ends_at > timezone.now() + dt.timedelta(hours=2, minutes=59)
    assert call.finished_at is None and call.next_attempt_at <= timezone.now()
    assert [row.action for row in history_for(call)] == ["restart"]
    # Only failed calls: a second restart is refused with a message, nothing changes.
    response = client.post(url, follow=True)
    assert "Only a failed call can be restarted." in response.content.decode()


def test_a_refunded_orders_create_call_cannot_be_restarted(client, seller, product):
    call = make_call(product)
    Subscription.objects.filter(pk=call.subscription_id).update(status="unsubscribed")
    client.force_login(seller.user)
    client.post(reverse("seller:interface_message_restart", kwargs={"pk": call.pk}))
    call.refresh_from_db()
    assert call.status == FAILED


def test_another_sellers_call_is_a_404_and_nothing_changes(client, product):
    call = make_call(product)
    other = ActiveSellerFactory()
    client.force_login(other.user)
    detail = reverse("seller:interface_message_detail", kwargs={"pk": call.pk})
    restart = reverse("seller:interface_message_restart", kwargs={"pk": call.pk})
    assert client.get(detail).status_code == 404
    assert client.post(restart).status_code == 404
    call.refresh_from_db()
    assert call.status == FAILED and call.restarted_by is None


def test_a_buyer_is_refused(client, product):
    call = make_call(product)
    client.force_login(call.subscription.buyer)
    response = client.get(reverse("seller:interface_messages"))
    assert response.status_code == 403


def test_admin_shows_attempts_and_support_restarts(client, product, settings):
    settings.PROVISIONING_DISPATCHER = "orders.provisioning.NullDispatcher"
    call = make_call(product, attempts=2)
    support = SupportFactory()
    client.force_login(support)
    change = reverse("admin:orders_provisioningcall_change", args=[call.pk])
    response = client.get(change)
    assert response.status_code == 200
    assert response.content.decode().count("Internal Server Error") == 2
    changelist = reverse("admin:orders_provisioningcall_changelist")
    assert "restart" in dict(response_actions(client, changelist))
    client.post(changelist, {"action": "restart", "_selected_action": [call.pk]})
    call.refresh_from_db()
    assert call.status == PENDING and call.restarted_by == support


def test_admin_restart_needs_the_permission(client, product):
    call = make_call(product)
    operator = OperatorFactory()
    operator.user_permissions.add(*Permission.objects.filter(codename="view_provisioningcall"))
    client.force_login(operator)
    changelist = reverse("admin:orders_provisioningcall_changelist")
    assert "restart" not in dict(response_actions(client, changelist))
    client.post(changelist, {"action": "restart", "_selected_action": [call.pk]})
    call.refresh_from_db()
    assert call.status == FAILED


def response_actions(client, url):
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["action_form"]
    return form.fields["action"].choices if form is not None else []
