"""Review outcomes and an operator's delisting e-mail the seller, after commit."""

import pytest
from django.core import mail
from django.urls import reverse

from marketplace.catalog import services
from marketplace.celery import app
from marketplace.core.models import Notification
from tests.factories.catalog_publishing import listed_product, operator, pending_product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def celery_eager(settings):
    """`.delay()` runs the task here and now, as a worker would, instead of queueing it."""
    settings.SITE_URL = "https://market.example.com"
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def test_approval(django_capture_on_commit_callbacks):
    product = pending_product()
    version = product.versions.get()

    with django_capture_on_commit_callbacks(execute=True):
        services.product_approve(version=version, actor=operator())

    (email,) = mail.outbox
    assert email.to == [product.seller.user.email]
    assert email.subject == f"“{version.name}” passed review"
    url = reverse("seller:product_detail", kwargs={"pk": product.pk})
    assert "https://market.example.com" + url in email.body


def test_rejection_in_chinese_with_the_reason(django_capture_on_commit_callbacks):
    product = pending_product()
    product.seller.user.language = "zh-hans"
    product.seller.user.save(update_fields=["language"])
    version = product.versions.get()

    with django_capture_on_commit_callbacks(execute=True):
        services.product_reject(version=version, actor=operator(), reason="截图不清晰。")

    (email,) = mail.outbox
    assert email.subject == f"商品“{version.name}”审核被驳回"
    assert "截图不清晰。" in email.body


def test_delisting_by_an_operator_tells_the_seller_why(django_capture_on_commit_callbacks):
    product = listed_product()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.product_delist(
            product=product, actor=operator(), reason="The API fails too often.", by_operator=True
        )

    (email,) = mail.outbox
    assert email.subject == f"“{product.name}” was delisted by the marketplace"
    assert "The API fails too often." in email.body


def test_the_seller_delisting_their_own_product_gets_no_email(django_capture_on_commit_callbacks):
    product = listed_product()

    with django_capture_on_commit_callbacks(execute=True):
        services.product_delist(product=product, actor=product.seller.user)

    assert mail.outbox == []
    assert not Notification.objects.filter(template="product_delisted").exists()
