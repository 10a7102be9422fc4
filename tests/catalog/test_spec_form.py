"""The seller's spec form (seller center › a draft › add/edit a spec): no errors before
saving, attribute names created inline, only the fields the billing mode needs, a
generated spec code, the spec's name as heading; and screenshots on the create form."""

import re

import pytest
from django.urls import reverse

from marketplace.catalog.models import AttributeName, Product, ProductScreenshot
from tests.factories.catalog_publishing import (
    AttributeNameFactory,
    CategoryFactory,
    PublishingSellerFactory,
    ServiceGroupFactory,
    draft_product,
)

pytestmark = pytest.mark.django_db

REQUIRED = "This field is required"


@pytest.fixture
def seller():
    return PublishingSellerFactory()


@pytest.fixture
def seller_client(client, seller):
    client.force_login(seller.user)
    return client


@pytest.fixture
def product(seller):
    return draft_product(seller)


def new_spec_url(product):
    return reverse("seller:spec_create", args=[product.pk])


def spec_data(**extra):
    data = {
        "name": "Standard",
        "billing_mode": "period",
        "prices-TOTAL_FORMS": "1",
        "prices-INITIAL_FORMS": "0",
        "prices-0-period": "month",
        "prices-0-amount": "99",
        "prices-0-max_periods": "1",
        "attributes-TOTAL_FORMS": "0",
        "attributes-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


def test_adding_a_row_shows_no_errors(seller_client, product):
    # The seller has typed nothing yet and asks for another price row.
    data = {
        "name": "",
        "billing_mode": "period",
        "prices-TOTAL_FORMS": "1",
        "prices-INITIAL_FORMS": "0",
        "prices-0-amount": "",
        "attributes-TOTAL_FORMS": "0",
        "attributes-INITIAL_FORMS": "0",
        "add": "price",
    }
    html = seller_client.post(new_spec_url(product), data).content.decode()
    assert REQUIRED not in html
    assert "is-invalid" not in html
    assert 'name="prices-TOTAL_FORMS" value="2"' in html
    html = seller_client.post(
        new_spec_url(product), {**data, "add": "attribute"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert REQUIRED not in html
    assert 'name="attributes-TOTAL_FORMS" value="1"' in html


def test_saving_ignores_untouched_added_rows(seller_client, seller, product):
    AttributeNameFactory(seller=seller)
    data = spec_data(
        **{
            "prices-TOTAL_FORMS": "2",
            "prices-1-period": "month",
            "prices-1-max_periods": "1",
            "attributes-TOTAL_FORMS": "1",
            "attributes-0-attribute": "",
        }
    )
    response = seller_client.post(new_spec_url(product), data)
    assert response.status_code == 302
    spec = product.versions.get().specs.get(name="Standard")
    assert spec.prices.count() == 1 and spec.attributes.count() == 0


def test_saving_shows_errors_when_the_seller_saves(seller_client, product):
    html = seller_client.post(new_spec_url(product), spec_data(name="")).content.decode()
    assert REQUIRED in html


def test_a_new_seller_adds_an_attribute_name_without_leaving_the_form(
    seller_client, seller, product
):
    html = seller_client.get(new_spec_url(product)).content.decode()
    assert 'data-testid="no-attribute-names"' in html
    data = spec_data(
        name="Team",
        **{
            "add": "attribute_name",
            "new_attribute-kind": "quantity",
            "new_attribute-name": "Users",
        },
    )
    response = seller_client.post(new_spec_url(product), data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    created = AttributeName.objects.get(seller=seller, name="Users")
    assert 'value="Team"' in html  # the input is kept
    assert 'name="attributes-TOTAL_FORMS" value="1"' in html
    assert re.search(rf'<option value="{created.pk}"[^>]*selected', html)
    assert REQUIRED not in html
    assert "<html" not in html  # htmx: just the form
    # The same name again is refused on the small form; the spec's input stays.
    html = seller_client.post(new_spec_url(product), data).content.decode()
    assert "You already have this attribute name." in html
    assert AttributeName.objects.filter(seller=seller).count() == 1


def test_trial_and_package_fields_show_only_for_their_mode(seller_client, product):
    html = seller_client.get(new_spec_url(product)).content.decode()
    assert re.search(r'id="field-trial_days"[^>]*data-modes="trial"[^>]*hidden', html)
    assert re.search(r'id="field-package_quota"[^>]*data-modes="package"[^>]*hidden', html)
    html = seller_client.post(
        new_spec_url(product), {**spec_data(billing_mode="trial"), "add": "price"}
    ).content.decode()
    assert not re.search(r'id="field-trial_days"[^>]*hidden', html)
    assert "js/spec_form.js" in html


def test_values_left_in_hidden_fields_are_dropped(seller_client, product):
    data = spec_data(trial_days="abc", package_kind="per_call", package_quota="0")
    assert seller_client.post(new_spec_url(product), data).status_code == 302
    spec = product.versions.get().specs.get(name="Standard")
    assert spec.trial_days is None and spec.package_kind == "" and spec.package_quota is None


def test_the_code_is_generated_and_kept_and_editable_under_advanced(seller_client, product):
    html = seller_client.get(new_spec_url(product)).content.decode()
    assert re.search(r'<details[^>]*data-testid="spec-advanced"', html)
    assert "Stable across versions" not in html
    seller_client.post(new_spec_url(product), spec_data(name="Team Plan"))
    spec = product.versions.get().specs.get(name="Team Plan")
    assert re.fullmatch(r"team-plan-[0-9a-f]{4}", spec.code)
    edit_url = reverse("seller:spec_edit", args=[product.pk, spec.code])
    html = seller_client.get(edit_url).content.decode()
    # The name, not the code, is the heading (marked as the seller's words).
    assert "Spec “<span data-user-content>Team Plan</span>”" in html
    seller_client.post(edit_url, spec_data(name="Team Plan 2", code=""))
    assert product.versions.get().specs.get(name="Team Plan 2").code == spec.code
    seller_client.post(edit_url, spec_data(name="Team Plan 2", code="team"))
    assert product.versions.get().specs.filter(code="team").exists()


def test_generated_codes_never_reuse_a_code_of_the_product():
    from marketplace.catalog.services.specs import _spec_code

    taken = {f"basic-{n:04x}" for n in range(65535)}
    assert _spec_code("Basic", taken=taken) == "basic-ffff"
    assert _spec_code("基础版", taken=set()).startswith("spec-")


def test_the_create_form_takes_screenshots(client, image_file):
    seller = PublishingSellerFactory()
    client.force_login(seller.user)
    page = client.get(reverse("seller:product_create", args=["saas"])).content.decode()
    assert 'name="screenshots"' in page
    data = {
        "name": "Shots",
        "category": CategoryFactory().pk,
        "summary": "With screenshots",
        "description": "Look.",
        "service_group": ServiceGroupFactory(seller=seller).pk,
        "screenshots": [image_file("a.png"), image_file("b.png")],
    }
    response = client.post(reverse("seller:product_create", args=["saas"]), data)
    assert response.status_code == 302
    product = Product.objects.get(seller=seller)
    assert ProductScreenshot.objects.filter(version__product=product).count() == 2
