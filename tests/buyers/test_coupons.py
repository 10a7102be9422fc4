"""Cash coupons: issued and revoked by finance (service and admin), listed for the buyer."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from buyers.models import CashCoupon, LedgerEntry
from buyers.selectors import ledger_mismatches
from buyers.services.coupons import cash_coupon_issue, cash_coupon_revoke
from marketplace.core.exceptions import DomainError, PermissionDenied
from marketplace.core.models import Notification
from tests.factories.accounts import FinanceFactory, ReviewerFactory, SupportFactory, UserFactory
from tests.factories.buyers import CashCouponFactory

pytestmark = pytest.mark.django_db

D = Decimal


def issue(actor, buyer=None, amount="20.00", days=30):
    now = timezone.now()
    return cash_coupon_issue(
        buyer=buyer or UserFactory(),
        amount=D(amount),
        valid_from=now,
        valid_until=now + timedelta(days=days),
        actor=actor,
        note="Welcome",
    )


def test_finance_issues_with_a_ledger_entry_and_a_mail():
    coupon = issue(FinanceFactory())

    assert coupon.remaining == coupon.amount == D("20.00")
    assert coupon.status == CashCoupon.Status.ACTIVE
    entry = LedgerEntry.objects.get(coupon=coupon)
    assert (entry.kind, entry.account, entry.amount) == ("coupon_issue", "coupon", D("20.00"))
    assert Notification.objects.filter(user=coupon.buyer, template="cash_coupon_issued").exists()
    assert ledger_mismatches() == []


@pytest.mark.parametrize("make_actor", [SupportFactory, ReviewerFactory, UserFactory])
def test_others_may_not_issue_or_revoke(make_actor):
    with pytest.raises(PermissionDenied):
        issue(make_actor())
    coupon = CashCouponFactory()
    with pytest.raises(PermissionDenied):
        cash_coupon_revoke(coupon_id=coupon.pk, actor=make_actor())
    assert CashCoupon.objects.get().status == CashCoupon.Status.ACTIVE


def test_bad_amount_or_validity_is_refused():
    with pytest.raises(DomainError):
        issue(FinanceFactory(), amount="0")
    with pytest.raises(DomainError):
        issue(FinanceFactory(), days=-1)
    assert not CashCoupon.objects.exists()


def test_revoke_takes_back_what_is_left():
    coupon = CashCouponFactory(amount=D("20.00"))

    cash_coupon_revoke(coupon_id=coupon.pk, actor=FinanceFactory(), reason="Issued by mistake")

    coupon.refresh_from_db()
    assert coupon.status == CashCoupon.Status.REVOKED and coupon.remaining == 0
    assert LedgerEntry.objects.get(coupon=coupon, kind="coupon_revoke").amount == D("-20.00")
    assert ledger_mismatches() == []
    with pytest.raises(DomainError):
        cash_coupon_revoke(coupon_id=coupon.pk, actor=FinanceFactory())


def test_buyer_sees_only_their_coupons(client, django_assert_max_num_queries):
    buyer = UserFactory()
    CashCouponFactory(buyer=buyer, note="Mine")
    CashCouponFactory(note="Someone else's")
    client.force_login(buyer)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("buyer:coupons"))
    assert response.status_code == 200
    assert b"Mine" in response.content and b"Someone else" not in response.content


# --- admin ----------------------------------------------------------------------------------


def add_data(buyer) -> dict:
    now = timezone.localtime()
    later = now + timedelta(days=10)
    return {
        "buyer": buyer.pk,
        "amount": "15.00",
        "valid_from_0": now.strftime("%Y-%m-%d"),
        "valid_from_1": now.strftime("%H:%M:%S"),
        "valid_until_0": later.strftime("%Y-%m-%d"),
        "valid_until_1": later.strftime("%H:%M:%S"),
        "note": "Compensation",
    }


def test_finance_issues_in_the_admin(client):
    buyer = UserFactory()
    client.force_login(FinanceFactory())
    url = reverse("admin:buyers_cashcoupon_add")
    assert client.get(url).status_code == 200

    response = client.post(url, add_data(buyer))

    assert response.status_code == 302, response.content.decode()[:2000]
    coupon = CashCoupon.objects.get()
    assert (coupon.buyer, coupon.amount, coupon.remaining) == (buyer, D("15.00"), D("15.00"))
    assert LedgerEntry.objects.filter(coupon=coupon, kind="coupon_issue").exists()
    assert (
        client.get(reverse("admin:buyers_cashcoupon_change", args=[coupon.pk])).status_code == 200
    )


@pytest.mark.parametrize("make_actor", [SupportFactory, ReviewerFactory])
def test_support_and_reviewer_may_not_issue_in_the_admin(client, make_actor):
    client.force_login(make_actor())
    assert (
        client.post(reverse("admin:buyers_cashcoupon_add"), add_data(UserFactory())).status_code
        == 403
    )
    assert not CashCoupon.objects.exists()


def test_finance_revokes_in_the_admin(client):
    coupon = CashCouponFactory()
    client.force_login(FinanceFactory())
    url = reverse("admin:buyers_cashcoupon_changelist")
    data = {"action": "revoke", "_selected_action": [coupon.pk]}
    page = client.post(url, data)
    assert page.status_code == 200 and b"reason" in page.content  # asks for the reason

    client.post(url, {**data, "confirm": "1", "reason": "Mistake"})

    coupon.refresh_from_db()
    assert coupon.status == CashCoupon.Status.REVOKED
