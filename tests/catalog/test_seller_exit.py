"""A seller with listed products applies to exit; the operator delists them from a queue
and the exit completes with the last delisting (issue 6 item 11; 01 › Exit)."""

import pytest
from django.urls import reverse

from marketplace.catalog import services
from marketplace.catalog.models import DelistRequest, Product
from marketplace.core.audit import history_for
from marketplace.core.exceptions import DomainError, InvalidTransition, PermissionDenied
from sellers import exit_checks
from sellers import services as seller_services
from sellers.models import Seller
from tests.factories.accounts import ReviewerFactory, SupportFactory
from tests.factories.catalog_publishing import (
    PublishingSellerFactory,
    draft_product,
    listed_product,
)

pytestmark = pytest.mark.django_db

Status = Seller.Status


@pytest.fixture
def seller():
    seller = PublishingSellerFactory()
    listed_product(seller)
    listed_product(seller)
    draft_product(seller)  # not listed: nothing to delist
    return seller


@pytest.fixture
def reviewer():
    return ReviewerFactory()


def request_exit(seller):
    return seller_services.seller_request_exit(seller=seller, actor=seller.user, reason="Pivot")


def open_requests(seller):
    return DelistRequest.objects.filter(seller=seller, status=DelistRequest.Status.OPEN)


def test_listed_products_no_longer_refuse_the_exit_they_queue_delistings(seller):
    seller = request_exit(seller)
    assert seller.status == Status.EXIT_PENDING
    listed = set(
        Product.objects.filter(seller=seller, status="listed").values_list("pk", flat=True)
    )
    assert set(open_requests(seller).values_list("product_id", flat=True)) == listed
    assert len(listed) == 2


def test_the_last_delisting_completes_the_exit(seller, reviewer):
    request_exit(seller)
    first, second = open_requests(seller)
    services.delist_request_fulfil(delist_request=first, actor=reviewer)
    assert Seller.objects.get(pk=seller.pk).status == Status.EXIT_PENDING
    first.refresh_from_db()
    assert (first.status, first.resolved_by) == (DelistRequest.Status.DONE, reviewer)
    assert "Seller exit" in first.product.delist_reason
    services.delist_request_fulfil(delist_request=second, actor=reviewer)
    seller.refresh_from_db()
    assert seller.status == Status.EXITED
    assert seller.exited_at is not None
    assert [r.action for r in history_for(seller)][-1] == "complete_exit"
    assert not Product.objects.filter(seller=seller, status="listed").exists()
    assert not open_requests(seller).exists()


def test_a_delisting_done_elsewhere_answers_the_request_too(seller, reviewer):
    """The product admin's delist (or any delisting) closes the request and counts."""
    request_exit(seller)
    for product in Product.objects.filter(seller=seller, status="listed"):
        services.product_delist(product=product, actor=reviewer, reason="x", by_operator=True)
    assert not open_requests(seller).exists()
    assert Seller.objects.get(pk=seller.pk).status == Status.EXITED


def test_a_request_whose_product_was_delisted_meanwhile_is_recorded(seller, reviewer):
    request_exit(seller)
    first, second = open_requests(seller)
    Product.objects.filter(pk=first.product_id).update(status=Product.Status.DELISTED)
    services.delist_request_fulfil(delist_request=first, actor=reviewer)
    first.refresh_from_db()
    assert first.status == DelistRequest.Status.DONE
    services.delist_request_fulfil(delist_request=second, actor=reviewer)
    assert Seller.objects.get(pk=seller.pk).status == Status.EXITED


def test_withdrawing_cancels_the_open_requests(seller, reviewer):
    request_exit(seller)
    first, second = open_requests(seller)
    services.delist_request_fulfil(delist_request=first, actor=reviewer)
    seller_services.seller_withdraw_exit(seller=seller, actor=seller.user)
    assert not open_requests(seller).exists()
    assert DelistRequest.objects.filter(status=DelistRequest.Status.CANCELLED).count() == 1
    # What was delisted stays delisted; the other product stays on sale.
    assert Product.objects.filter(seller=seller, status="listed").count() == 1
    with pytest.raises(InvalidTransition):  # the request is closed
        services.delist_request_fulfil(delist_request=second, actor=reviewer)
    # Asking again queues only what is listed now.
    request_exit(Seller.objects.get(pk=seller.pk))
    assert open_requests(seller).count() == 1


def test_the_operator_cannot_approve_while_products_are_listed(seller, reviewer):
    request_exit(seller)
    with pytest.raises(DomainError, match="still listed"):
        seller_services.seller_approve_exit(seller=seller, actor=reviewer)


def test_without_listed_products_the_operator_approves(reviewer):
    seller = PublishingSellerFactory()
    request_exit(seller)
    assert not DelistRequest.objects.exists()
    seller = seller_services.seller_approve_exit(seller=seller, actor=reviewer)
    assert seller.status == Status.EXITED


def test_other_exit_checks_still_refuse_the_request(seller):
    def appeal_open(s):
        return ["An appeal is still open."]

    exit_checks.register(appeal_open)
    try:
        with pytest.raises(DomainError, match="appeal"):
            request_exit(seller)
    finally:
        exit_checks.unregister(appeal_open)
    assert not DelistRequest.objects.exists()
    assert Seller.objects.get(pk=seller.pk).status == Status.ACTIVE


def test_fulfilling_needs_the_delist_permission(seller):
    request_exit(seller)
    with pytest.raises(PermissionDenied):
        services.delist_request_fulfil(
            delist_request=open_requests(seller).first(), actor=SupportFactory()
        )
    assert open_requests(seller).count() == 2


# --- the admin queue ---------------------------------------------------------------------


QUEUE = reverse("admin:catalog_delistrequest_changelist")


def test_admin_queue_lists_and_delists(client, seller, reviewer):
    request_exit(seller)
    client.force_login(reviewer)
    page = client.get(QUEUE).content.decode()
    assert "Delist the requested products" in page
    ids = [str(pk) for pk in open_requests(seller).values_list("pk", flat=True)]
    response = client.post(QUEUE, {"action": "fulfil", "_selected_action": ids}, follow=True)
    assert "2 products delisted" in response.content.decode()
    assert Seller.objects.get(pk=seller.pk).status == Status.EXITED


def test_admin_action_hidden_without_the_permission(client, seller):
    request_exit(seller)
    client.force_login(SupportFactory())
    response = client.get(QUEUE)
    assert response.status_code in (200, 403)
    assert "Delist the requested products" not in response.content.decode()
    ids = [str(pk) for pk in open_requests(seller).values_list("pk", flat=True)]
    client.post(QUEUE, {"action": "fulfil", "_selected_action": ids})
    assert open_requests(seller).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_last_delistings_at_once_complete_the_exit_once():
    """Each delisting locks its product, then the seller: the second to get the seller
    sees the first's delisting committed and completes the exit (seller_complete_exit)."""
    import threading

    from django.db import connection

    seller = PublishingSellerFactory()
    listed_product(seller)
    listed_product(seller)
    reviewer = ReviewerFactory()
    request_exit(seller)
    requests = list(open_requests(seller))
    barrier = threading.Barrier(len(requests))
    errors: list[Exception] = []

    def fulfil(request):
        try:
            barrier.wait()
            services.delist_request_fulfil(delist_request=request, actor=reviewer)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=fulfil, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seller.refresh_from_db()
    assert seller.status == Status.EXITED
    assert [r.action for r in history_for(seller)].count("complete_exit") == 1
