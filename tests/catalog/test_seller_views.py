"""Seller center › product management pages (02-products)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from marketplace.catalog.models import AllowlistEntry, Product, ProductVersion, SpecSales
from sellers.models import Seller
from tests.factories.accounts import UserFactory
from tests.factories.catalog import CategoryFactory
from tests.factories.catalog_publishing import (
    GOOD_AGREEMENT,
    AttributeNameFactory,
    PublishingSellerFactory,
    ServiceGroupFactory,
    draft_product,
    listed_product,
    pending_product,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    return PublishingSellerFactory()


@pytest.fixture
def seller_client(client, seller):
    client.force_login(seller.user)
    return client


def url(name, *args):
    return reverse(f"seller:{name}", args=args)


def product_urls(product):
    """Every product URL with the method it answers."""
    pk = product.pk
    return [
        ("get", url("product_detail", pk)),
        ("get", url("product_edit", pk)),
        ("get", url("spec_create", pk)),
        ("get", url("spec_edit", pk, "basic")),
        ("post", url("spec_delete", pk, "basic")),
        ("post", url("product_submit", pk)),
        ("post", url("product_edit_listed", pk)),
        ("post", url("product_revise", pk)),
        ("post", url("product_relist", pk)),
        ("get", url("product_delist", pk)),
        ("post", url("product_delist", pk)),
        ("get", url("product_sales", pk)),
        ("post", url("product_sales", pk)),
        ("post", url("spec_sales", pk, "basic")),
        ("post", url("allowlist_add", pk, "sales")),
        ("post", url("allowlist_remove", pk, 1)),
    ]


# --- access ------------------------------------------------------------------------------


def test_another_sellers_product_is_404_on_every_url(seller_client):
    other = draft_product()
    for method, target in product_urls(other):
        response = getattr(seller_client, method)(target)
        assert response.status_code == 404, target
    assert Product.objects.get(pk=other.pk).status == Product.Status.DRAFT


def test_another_sellers_allowlist_entry_and_attribute_are_404(seller, seller_client):
    own = listed_product(seller)
    other = listed_product()
    buyer = UserFactory()
    entry = AllowlistEntry.objects.create(product=other, kind="sales", user=buyer)
    response = seller_client.post(url("allowlist_remove", own.pk, entry.pk))
    assert response.status_code == 404
    attribute = AttributeNameFactory()
    assert seller_client.post(url("attribute_name_delete", attribute.pk)).status_code == 404


@pytest.mark.parametrize(
    "status",
    [Seller.Status.PENDING, Seller.Status.REJECTED, Seller.Status.APPROVED, Seller.Status.EXITED],
)
def test_non_active_seller_gets_403(client, status):
    seller = PublishingSellerFactory(status=status)
    product = draft_product(PublishingSellerFactory())
    Product.objects.filter(pk=product.pk).update(seller=seller)
    client.force_login(seller.user)
    targets = [
        ("get", url("product_list")),
        ("get", url("product_new")),
        ("get", url("product_create", "saas")),
        ("get", url("attribute_names")),
        ("get", url("product_templates")),
        *product_urls(product),
    ]
    for method, target in targets:
        assert getattr(client, method)(target).status_code == 403, target


def test_account_without_seller_gets_403(client):
    client.force_login(UserFactory())
    assert client.get(url("product_list")).status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(url("product_list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_post_without_csrf_token_is_refused(seller):
    product = draft_product(seller)
    client = Client(enforce_csrf_checks=True)
    client.force_login(seller.user)
    response = client.post(url("product_submit", product.pk))
    assert response.status_code == 403
    assert Product.objects.get(pk=product.pk).status == Product.Status.DRAFT


def test_navigation_shows_product_management_to_active_sellers_only(client, seller_client):
    response = seller_client.get(reverse("seller:dashboard"))
    assert url("product_list") in response.content.decode()
    pending = PublishingSellerFactory(status=Seller.Status.PENDING)
    client.force_login(pending.user)
    assert url("product_list") not in client.get(reverse("seller:dashboard")).content.decode()


# --- my products ---------------------------------------------------------------------------


def test_list_shows_status_and_rejection_reason_in_constant_queries(
    seller, seller_client, django_assert_max_num_queries
):
    from marketplace.catalog import services
    from tests.factories.catalog_publishing import operator

    rejected = pending_product(seller)
    services.product_reject(
        version=rejected.versions.get(), actor=operator(), reason="Screenshots missing"
    )
    response = seller_client.get(url("product_list"))
    body = response.content.decode()
    assert "Screenshots missing" in body
    assert "Rejected" in body

    with django_assert_max_num_queries(50) as few:
        seller_client.get(url("product_list"))
    for _ in range(5):
        draft_product(seller)
        listed_product(seller)
    with django_assert_max_num_queries(50) as many:
        response = seller_client.get(url("product_list"))
    assert len(response.context["page"].object_list) == 11
    assert len(many.captured_queries) == len(few.captured_queries)


def test_list_shows_only_own_products(seller, seller_client):
    own = draft_product(seller, name="Mine")
    draft_product(name="Someone else's")
    body = seller_client.get(url("product_list")).content.decode()
    assert "Mine" in body and "Someone else" not in body
    assert own.pk


# --- publishing flow ---------------------------------------------------------------------


def test_publish_flow_choose_type_fill_in_add_spec_submit(seller, seller_client):
    category = CategoryFactory()
    group = ServiceGroupFactory(seller=seller)
    response = seller_client.get(url("product_new"), {"delivery_type": "manual_service"})
    assert response["Location"] == url("product_create", "manual_service")

    form_page = seller_client.get(url("product_create", "manual_service")).content.decode()
    assert 'name="flow_template"' in form_page
    assert 'name="support_terms_text"' not in form_page

    response = seller_client.post(
        url("product_create", "manual_service"),
        {
            "name": "Data migration",
            "category": category.pk,
            "summary": "We move your data",
            "description": "Done by engineers.",
            "service_group": group.pk,
            "agreement_text": GOOD_AGREEMENT,
            "flow_template": "standard",
            "avg_delivery_days": 7,
        },
    )
    product = Product.objects.get(seller=seller)
    assert response["Location"] == url("product_detail", product.pk)
    detail = seller_client.get(url("product_detail", product.pk)).content.decode()
    assert "Add at least one spec" in detail

    spec_data = {
        "code": "standard",
        "name": "Standard",
        "billing_mode": "one_off",
        "prices-TOTAL_FORMS": "1",
        "prices-INITIAL_FORMS": "0",
        "prices-0-period": "once",
        "prices-0-amount": "5000",
        "prices-0-max_periods": "1",
        "attributes-TOTAL_FORMS": "0",
        "attributes-INITIAL_FORMS": "0",
    }
    response = seller_client.post(url("spec_create", product.pk), spec_data)
    assert response.status_code == 302
    assert product.versions.get().specs.get().prices.get().amount == 5000

    response = seller_client.post(url("product_submit", product.pk), follow=True)
    assert "Submitted for review" in response.content.decode()
    product.refresh_from_db()
    assert product.status == Product.Status.PENDING_REVIEW


def test_joint_form_starts_from_the_terms_template(seller, seller_client):
    from tests.factories.catalog_publishing import approved_joint_certification

    approved_joint_certification(seller)
    page = seller_client.get(url("product_create", "joint_saas")).content.decode()
    assert 'name="support_terms_text"' in page
    assert "{{seller_name}}" in page
    assert 'name="agreement_text"' not in page


def test_unknown_delivery_type_is_404(seller_client):
    assert seller_client.get(url("product_create", "teleportation")).status_code == 404


def test_edit_draft_refuses_a_text_file_renamed_png(seller, seller_client):
    product = draft_product(seller)
    fake = SimpleUploadedFile("logo.png", b"not an image", content_type="image/png")
    response = seller_client.post(
        url("product_edit", product.pk),
        {
            "name": "Cloud Office",
            "category": product.versions.get().category_id,
            "summary": "s",
            "description": "d",
            "agreement_text": GOOD_AGREEMENT,
            "logo": fake,
        },
    )
    assert response.status_code == 200
    assert "not a valid image" in response.content.decode()
    assert not product.versions.get().logo


def test_edit_draft_saves_changed_fields(seller, seller_client):
    product = draft_product(seller)
    version = product.versions.get()
    response = seller_client.post(
        url("product_edit", product.pk),
        {
            "name": "Renamed",
            "category": version.category_id,
            "summary": version.summary,
            "description": version.description,
            "tags": version.tags,
            "service_group": version.service_group_id,
            "agreement_text": version.agreement_text,
        },
    )
    assert response.status_code == 302
    assert product.versions.get().name == "Renamed"


def test_spec_with_min_above_max_shows_the_error(seller, seller_client):
    product = draft_product(seller)
    users = AttributeNameFactory(seller=seller)
    response = seller_client.post(
        url("spec_edit", product.pk, "basic"),
        {
            "code": "basic",
            "name": "Basic",
            "billing_mode": "period",
            "prices-TOTAL_FORMS": "1",
            "prices-INITIAL_FORMS": "0",
            "prices-0-period": "month",
            "prices-0-amount": "-5",
            "prices-0-max_periods": "1",
            "attributes-TOTAL_FORMS": "1",
            "attributes-INITIAL_FORMS": "0",
            "attributes-0-attribute": users.pk,
            "attributes-0-min_value": "10",
            "attributes-0-max_value": "1",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "negative" in body
    assert "minimum" in body


def test_add_price_row_with_htmx_returns_the_form_with_one_more_row(seller, seller_client):
    product = draft_product(seller)
    response = seller_client.post(
        url("spec_create", product.pk),
        {
            "add": "price",
            "code": "pro",
            "prices-TOTAL_FORMS": "1",
            "prices-INITIAL_FORMS": "0",
            "attributes-TOTAL_FORMS": "0",
            "attributes-INITIAL_FORMS": "0",
        },
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert "<html" not in body
    assert 'name="prices-1-amount"' in body
    assert product.versions.get().specs.count() == 2  # nothing saved


def test_spec_edit_of_a_submitted_product_is_404(seller, seller_client):
    product = pending_product(seller)
    assert seller_client.get(url("spec_edit", product.pk, "basic")).status_code == 404


def test_submit_of_incomplete_draft_shows_what_is_missing(seller, seller_client):
    product = draft_product(seller, agreement_text="Seller: ______")
    response = seller_client.post(url("product_submit", product.pk), follow=True)
    assert "line 1" in response.content.decode()
    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT


def test_edit_listed_and_delist(seller, seller_client):
    product = listed_product(seller)
    seller_client.post(url("product_edit_listed", product.pk))
    assert product.versions.filter(status=ProductVersion.Status.DRAFT).exists()
    response = seller_client.post(url("product_delist", product.pk), {"reason": "Retired"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.status == Product.Status.DELISTED
    seller_client.post(url("product_relist", product.pk))
    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT


def test_review_history_is_on_the_detail_page(seller, seller_client):
    from marketplace.catalog import services
    from tests.factories.catalog_publishing import operator

    product = pending_product(seller)
    services.product_reject(version=product.versions.get(), actor=operator(), reason="Blurry logo")
    body = seller_client.get(url("product_detail", product.pk)).content.decode()
    assert "Blurry logo" in body
    assert "Review history" in body


# --- sales configuration ---------------------------------------------------------------------


def test_sales_page_and_settings(seller, seller_client):
    product = listed_product(seller)
    assert seller_client.get(url("product_sales", product.pk)).status_code == 200
    response = seller_client.post(
        url("product_sales", product.pk), {"allowlist_enabled": "on", "credit_line_allowed": "on"}
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.allowlist_enabled and product.credit_line_allowed
    assert not product.cash_coupon_allowed


def test_stock_below_zero_is_refused(seller, seller_client):
    product = listed_product(seller)
    response = seller_client.post(url("spec_sales", product.pk, "basic"), {"basic-stock": "-3"})
    assert response.status_code == 200
    assert "below zero" in response.content.decode()
    assert not SpecSales.objects.exists()
    response = seller_client.post(url("spec_sales", product.pk, "basic"), {"basic-stock": "7"})
    assert response.status_code == 302
    assert SpecSales.objects.get().stock == 7


def test_allowlist_add_with_mismatched_name_and_id_says_so(seller, seller_client):
    product = listed_product(seller)
    buyer, other = UserFactory(), UserFactory()
    response = seller_client.post(
        url("allowlist_add", product.pk, "trial"),
        {
            "trial-kind": "trial",
            "trial-account_name": buyer.username,
            "trial-account_id": other.account_id,
        },
    )
    assert "No account has this account name and account ID" in response.content.decode()
    assert not AllowlistEntry.objects.exists()
    response = seller_client.post(
        url("allowlist_add", product.pk, "trial"),
        {
            "trial-kind": "trial",
            "trial-account_name": buyer.username,
            "trial-account_id": buyer.account_id,
        },
    )
    assert response.status_code == 302
    entry = AllowlistEntry.objects.get()
    assert entry.kind == "trial"
    seller_client.post(url("allowlist_remove", product.pk, entry.pk))
    assert not AllowlistEntry.objects.exists()


# --- attribute names and templates -------------------------------------------------------------


def test_attribute_names(seller, seller_client):
    response = seller_client.post(url("attribute_names"), {"kind": "enum", "name": "Edition"})
    assert response.status_code == 302
    response = seller_client.post(url("attribute_names"), {"kind": "enum", "name": "Edition"})
    assert "already have" in response.content.decode()
    attribute = seller.attribute_names.get()
    seller_client.post(url("attribute_name_delete", attribute.pk))
    assert not seller.attribute_names.exists()


@pytest.mark.parametrize("name", ["agreement", "support-terms"])
def test_template_downloads(seller_client, name):
    response = seller_client.get(url("product_template_download", name))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "条" in response.content.decode()
    assert seller_client.get(url("product_templates")).status_code == 200
