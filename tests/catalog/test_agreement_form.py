"""The product form shows agreement problems on the field, with the offending lines
highlighted, as soon as the seller saves; it offers to start from the template
(issue 7 item 8)."""

import pytest
from django.urls import reverse

from marketplace.catalog.agreements import agreement_template
from marketplace.catalog.models import Product, ProductVersion
from tests.factories.catalog import CategoryFactory
from tests.factories.catalog_publishing import (
    GOOD_AGREEMENT,
    PublishingSellerFactory,
    ServiceGroupFactory,
    draft_product,
)

pytestmark = pytest.mark.django_db

BAD_AGREEMENT = "商品服务协议\n本协议一式两份。\n卖家按约定提供服务。\n甲方：\n乙方（盖-章）"


@pytest.fixture
def seller():
    return PublishingSellerFactory()


@pytest.fixture
def seller_client(client, seller):
    client.force_login(seller.user)
    return client


def _data(seller, **overrides):
    return {
        "name": "Cloud Office",
        "category": CategoryFactory().pk,
        "summary": "Docs online",
        "description": "A suite.",
        "service_group": ServiceGroupFactory(seller=seller).pk,
        "agreement_text": GOOD_AGREEMENT,
        **overrides,
    }


def test_saving_a_bad_agreement_shows_the_lines_on_the_field(seller, seller_client):
    response = seller_client.post(
        reverse("seller:product_create", args=["saas"]),
        _data(seller, agreement_text=BAD_AGREEMENT),
    )
    assert response.status_code == 200
    assert not Product.objects.filter(seller=seller).exists()
    form = response.context["form"]
    [error] = form.errors["agreement_text"]
    assert "line 2" in error and "line 4" in error and "line 5" in error
    assert "line 3" not in error
    page = response.content.decode()
    assert 'data-testid="agreement-problems"' in page
    for number in (2, 4, 5):
        assert f'data-line="{number}"' in page
    assert 'data-line="3"' not in page
    assert "offline-contract wording" in page  # what is wrong with line 2


def test_editing_a_draft_with_a_bad_agreement_is_refused_with_the_lines(seller, seller_client):
    product = draft_product(seller)
    version = product.versions.get()
    response = seller_client.post(
        reverse("seller:product_edit", args=[product.pk]),
        {
            "name": version.name,
            "category": version.category_id,
            "summary": version.summary,
            "description": version.description,
            "service_group": version.service_group_id,
            "agreement_text": "Agreement\nCustomer name:\u3000\u3000\nSign here",
        },
    )
    assert response.status_code == 200
    assert 'data-line="2"' in response.content.decode()
    assert product.versions.get().agreement_text == GOOD_AGREEMENT


def test_a_draft_saved_elsewhere_shows_its_problems_when_opened(seller, seller_client):
    product = draft_product(seller)
    ProductVersion.objects.filter(product=product).update(agreement_text=BAD_AGREEMENT)
    page = seller_client.get(reverse("seller:product_edit", args=[product.pk])).content.decode()
    assert 'data-line="4"' in page


def test_a_good_agreement_saves_without_highlights(seller, seller_client):
    response = seller_client.post(reverse("seller:product_create", args=["saas"]), _data(seller))
    assert response.status_code == 302
    assert Product.objects.filter(seller=seller).exists()


def test_form_offers_to_start_from_the_template(seller, seller_client):
    page = seller_client.get(reverse("seller:product_create", args=["saas"])).content.decode()
    assert 'data-fill-template="id_agreement_text"' in page
    assert 'id="id_agreement_text-template"' in page
    assert "第一条 服务内容" in page  # the template text travels with the page
    assert agreement_template().splitlines()[0] in page
    assert "js/agreement_template.js" in page
    assert 'data-testid="agreement-problems"' not in page
