"""Operator decisions on sellers e-mail the seller, in the seller's language, after commit."""

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from marketplace.celery import app
from marketplace.core.exceptions import InvalidTransition
from marketplace.core.models import Notification
from sellers import services
from tests.factories.accounts import EnterpriseUserFactory
from tests.factories.sellers import (
    ActiveSellerFactory,
    ExitPendingSellerFactory,
    JointCertificationFactory,
    SellerFactory,
)

pytestmark = pytest.mark.django_db

SITE_URL = "https://market.example.com"


@pytest.fixture(autouse=True)
def celery_eager(settings):
    """`.delay()` runs the task here and now, as a worker would, instead of queueing it."""
    settings.SITE_URL = SITE_URL
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def seller_of(language: str, factory=SellerFactory, **kwargs):
    return factory(user=EnterpriseUserFactory(language=language), **kwargs)


def test_approving_an_application_sends_one_email_in_the_sellers_language(
    operator, django_capture_on_commit_callbacks
):
    seller = seller_of("zh-hans", store_name="云工具")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.seller_approve(seller=seller, actor=operator)

    assert len(callbacks) == 1
    (email,) = mail.outbox
    assert email.to == [seller.user.email]
    assert email.subject == "您的店铺“云工具”的入驻申请已通过审核"
    assert SITE_URL + reverse("seller:business_info") in email.body
    notification = Notification.objects.get()
    assert (notification.user, notification.template) == (seller.user, "seller_approved")
    assert notification.sent_at is not None


def test_approval_in_english(operator, django_capture_on_commit_callbacks):
    seller = seller_of("en", store_name="Cloud Tools")

    with django_capture_on_commit_callbacks(execute=True):
        services.seller_approve(seller=seller, actor=operator)

    (email,) = mail.outbox
    assert email.subject == "Your onboarding application for “Cloud Tools” is approved"
    assert "business information" in email.body


def test_rejection_carries_the_reason(operator, django_capture_on_commit_callbacks):
    seller = seller_of("en", store_name="Cloud Tools")

    with django_capture_on_commit_callbacks(execute=True):
        services.seller_reject(seller=seller, actor=operator, reason="The licence is unreadable.")

    (email,) = mail.outbox
    assert "rejected" in email.subject
    assert "The licence is unreadable." in email.body
    assert SITE_URL + reverse("seller:dashboard") in email.body


def test_joint_certification_approved(operator, django_capture_on_commit_callbacks):
    certification = JointCertificationFactory(
        seller=seller_of("zh-hans", factory=ActiveSellerFactory)
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.joint_certification_approve(certification=certification, actor=operator)

    (email,) = mail.outbox
    assert email.to == [certification.seller.user.email]
    assert email.subject == "您的联营认证已通过审核"
    assert SITE_URL + reverse("seller:joint_certification") in email.body


def test_joint_certification_rejected(operator, django_capture_on_commit_callbacks):
    certification = JointCertificationFactory()

    with django_capture_on_commit_callbacks(execute=True):
        services.joint_certification_reject(
            certification=certification, actor=operator, reason="The letter is not signed."
        )

    (email,) = mail.outbox
    assert email.subject == "Your joint-operation certification was rejected"
    assert "The letter is not signed." in email.body


def test_exit_approved(operator, django_capture_on_commit_callbacks):
    seller = seller_of("en", factory=ExitPendingSellerFactory, store_name="Cloud Tools")

    with django_capture_on_commit_callbacks(execute=True):
        services.seller_approve_exit(seller=seller, actor=operator)

    (email,) = mail.outbox
    assert email.subject == "“Cloud Tools” has left the marketplace"
    assert "can't onboard again" in email.body


def test_a_rolled_back_service_sends_nothing(operator, django_capture_on_commit_callbacks):
    seller = seller_of("en")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.seller_approve(seller=seller, actor=operator)
        raise RuntimeError("something later in the same transaction failed")

    assert callbacks == []
    assert mail.outbox == []
    assert Notification.objects.count() == 0


def test_a_refused_decision_sends_nothing(operator, django_capture_on_commit_callbacks):
    seller = seller_of("en", factory=ActiveSellerFactory)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidTransition):
        services.seller_approve(seller=seller, actor=operator)

    assert mail.outbox == []
    assert Notification.objects.count() == 0
