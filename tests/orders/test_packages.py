"""API packages (03 › API packages and auto-repurchase)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from marketplace.catalog.models import DeliveryType, Spec
from marketplace.core.exceptions import DomainError
from orders.models import Order, Subscription, UsageRecord
from orders.services.packages import package_auto_repurchase_set, package_usage_deduct
from tests.factories.buyers import WalletFactory
from tests.factories.catalog import listed_product
from tests.factories.orders import PaidOrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def package():
    product = listed_product(
        delivery_type=DeliveryType.API_APIG,
        specs=[("1000 calls", "package", [("package", "100.00")])],
    )
    Spec.objects.filter(version=product.listed_version).update(
        package_quota=1000, package_kind="stop_when_used_up"
    )
    order = PaidOrderFactory(product=product)
    Subscription.objects.filter(pk=order.subscription_id).update(
        quota_total=1000, billing_mode="package", expires_at=None
    )
    return Subscription.objects.get(pk=order.subscription_id)


def test_deduct_is_idempotent_on_the_key(package):
    package_usage_deduct(subscription_id=package.pk, amount=300, key="call-1")
    package_usage_deduct(subscription_id=package.pk, amount=300, key="call-1")
    package.refresh_from_db()
    assert package.quota_used == 300
    assert UsageRecord.objects.count() == 1


def test_not_enough_quota_is_refused_and_nothing_recorded(package):
    package_usage_deduct(subscription_id=package.pk, amount=900, key="a")
    with pytest.raises(DomainError, match="Not enough"):
        package_usage_deduct(subscription_id=package.pk, amount=101, key="b")
    package_usage_deduct(subscription_id=package.pk, amount=100, key="c")
    package.refresh_from_db()
    assert package.quota_left == 0
    assert set(UsageRecord.objects.values_list("key", flat=True)) == {"a", "c"}
    # The refused key may be retried later (after a repurchase).


@pytest.mark.parametrize("amount", [0, -5, 1.5, True])
def test_bad_amounts_are_refused(package, amount):
    with pytest.raises(DomainError):
        package_usage_deduct(subscription_id=package.pk, amount=amount, key="k")


def test_auto_repurchase_settings_are_validated(package):
    buyer = package.buyer
    with pytest.raises(DomainError, match="either"):
        package_auto_repurchase_set(subscription_id=package.pk, buyer=buyer, enabled=True)
    with pytest.raises(DomainError, match="between 1 and 99"):
        package_auto_repurchase_set(
            subscription_id=package.pk, buyer=buyer, enabled=True, threshold_percent=100
        )
    with pytest.raises(DomainError):
        package_auto_repurchase_set(
            subscription_id=package.pk,
            buyer=buyer,
            enabled=True,
            threshold_amount=10,
            spec_code="unknown",
        )
    other = PaidOrderFactory().buyer
    with pytest.raises(DomainError, match="doesn't exist"):
        package_auto_repurchase_set(
            subscription_id=package.pk, buyer=other, enabled=True, threshold_percent=10
        )
    done = package_auto_repurchase_set(
        subscription_id=package.pk, buyer=buyer, enabled=True, threshold_percent=20
    )
    assert done.auto_repurchase and done.repurchase_spec_code == "spec-0"


def _crossing(package, django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    package_auto_repurchase_set(
        subscription_id=package.pk, buyer=package.buyer, enabled=True, threshold_percent=20
    )
    with django_capture_on_commit_callbacks(execute=True):
        package_usage_deduct(subscription_id=package.pk, amount=700, key="1")  # 300 left
    assert not Order.objects.filter(kind=Order.Kind.PACKAGE_REPURCHASE).exists()
    with django_capture_on_commit_callbacks(execute=True):
        package_usage_deduct(subscription_id=package.pk, amount=150, key="2")  # 150 ≤ 200


def test_crossing_the_threshold_repurchases_once(
    package, django_capture_on_commit_callbacks, settings
):
    WalletFactory(buyer=package.buyer, balance=Decimal("500.00"))
    _crossing(package, django_capture_on_commit_callbacks, settings)
    order = Order.objects.get(kind=Order.Kind.PACKAGE_REPURCHASE)
    assert order.status == Order.Status.PAID and order.paid_balance == Decimal("100.00")
    package.refresh_from_db()
    assert package.quota_total == 2000 and package.quota_used == 850
    assert package.repurchase_failure == ""
    # Further use above the new threshold (400) repurchases nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        package_usage_deduct(subscription_id=package.pk, amount=100, key="3")
    assert Order.objects.filter(kind=Order.Kind.PACKAGE_REPURCHASE).count() == 1


def test_failed_repurchase_is_recorded_and_mailed(
    package, django_capture_on_commit_callbacks, settings
):
    WalletFactory(buyer=package.buyer, balance=Decimal("10.00"))
    _crossing(package, django_capture_on_commit_callbacks, settings)
    assert not Order.objects.filter(kind=Order.Kind.PACKAGE_REPURCHASE).exists()
    package.refresh_from_db()
    assert package.repurchase_failure
    assert package.quota_total == 1000
    assert [m.to for m in mail.outbox] == [[package.buyer.email]]
    assert package.repurchase_failure in mail.outbox[0].body
