"""Operations admin: review queue with diff, approve / reject, delist (02-products)."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from marketplace.catalog import services
from marketplace.catalog.models import Product, ProductVersion
from tests.factories.accounts import UserFactory
from tests.factories.catalog_publishing import (
    CategoryFactory,
    draft_product,
    listed_product,
    pending_product,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:catalog_productversion_changelist")
PRODUCTS = reverse("admin:catalog_product_changelist")


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_queue_shows_pending_versions_by_default(admin_client):
    pending = pending_product(name="Waiting product")
    draft_product(name="Draft product")
    body = admin_client.get(QUEUE).content.decode()
    assert "Waiting product" in body
    assert "Draft product" not in body
    assert "Draft product" in admin_client.get(QUEUE, {"status": "all"}).content.decode()
    assert pending


def test_change_page_diffs_the_new_version_against_the_listed_one(admin_client):
    product = listed_product()
    draft = services.product_edit_listed(product=product, actor=None)
    specs = [services.spec_as_input(spec) for spec in draft.specs.all()]
    specs[0]["prices"][0]["amount"] = "123.45"
    services.product_version_update(
        product=product, fields={"summary": "A <b>bold</b> new summary"}, specs=specs
    )
    services.product_submit(product=product, actor=None)
    body = admin_client.get(
        reverse("admin:catalog_productversion_change", args=[draft.pk])
    ).content.decode()
    assert 'class="diff"' in body
    assert "On sale: v1" in body and "Under review: v2" in body
    assert '<span class="diff_chg">123</span>' in body
    assert "&lt;b&gt;bold&lt;/b&gt;" in body  # seller text is escaped


def test_approve_action(admin_client):
    product = pending_product()
    version = product.versions.get()
    response = admin_client.post(
        QUEUE, {"action": "approve", ACTION_CHECKBOX_NAME: [version.pk]}, follow=True
    )
    assert "approved" in response.content.decode()
    product.refresh_from_db()
    assert product.status == Product.Status.LISTED


def test_reject_action_asks_for_a_reason_first(admin_client):
    product = pending_product()
    version = product.versions.get()
    response = admin_client.post(QUEUE, {"action": "reject", ACTION_CHECKBOX_NAME: [version.pk]})
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    version.refresh_from_db()
    assert version.status == ProductVersion.Status.PENDING_REVIEW

    admin_client.post(
        QUEUE,
        {
            "action": "reject",
            ACTION_CHECKBOX_NAME: [version.pk],
            "confirm": "1",
            "reason": "Category is wrong",
        },
    )
    version.refresh_from_db()
    assert version.status == ProductVersion.Status.REJECTED
    assert version.rejection_reason == "Category is wrong"


def test_approving_a_non_pending_version_reports_an_error(admin_client):
    product = listed_product()
    version = product.listed_version
    response = admin_client.post(
        QUEUE + "?status=all",
        {"action": "approve", ACTION_CHECKBOX_NAME: [version.pk]},
        follow=True,
    )
    assert (
        "can&#x27;t be done" in response.content.decode()
        or "can't be done" in response.content.decode()
    )


def test_delist_action_with_reason_and_history(admin_client):
    product = listed_product()
    admin_client.post(
        PRODUCTS,
        {
            "action": "delist",
            ACTION_CHECKBOX_NAME: [product.pk],
            "confirm": "1",
            "reason": "ISV interface keeps failing",
        },
    )
    product.refresh_from_db()
    assert product.status == Product.Status.DELISTED
    page = admin_client.get(reverse("admin:catalog_product_change", args=[product.pk]))
    body = page.content.decode()
    assert "ISV interface keeps failing" in body
    assert "delist_by_operator" in body


def test_product_list_filters_and_search(admin_client):
    listed_product(name="Findable Suite")
    response = admin_client.get(PRODUCTS, {"q": "findable", "status__exact": "listed"})
    assert "Findable Suite" in response.content.decode()


def test_categories_are_editable(admin_client):
    category = CategoryFactory()
    url = reverse("admin:catalog_category_change", args=[category.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(reverse("admin:catalog_region_add")).status_code == 200


def test_non_staff_cannot_open_the_queue(client):
    client.force_login(UserFactory())
    assert client.get(QUEUE).status_code == 302
