"""Product screenshots (02 › Information to fill in: logo/screenshots): part of the
reviewed version, uploaded on the seller's edit page, shown on the product page."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from marketplace.catalog import services
from marketplace.catalog.admin import version_sections
from marketplace.catalog.models import ProductScreenshot, ProductVersion
from marketplace.core.exceptions import DomainError
from marketplace.core.files import original_name
from tests.factories import catalog as public
from tests.factories.catalog_publishing import (
    PublishingSellerFactory,
    draft_product,
    listed_product,
    operator,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    return PublishingSellerFactory()


@pytest.fixture
def seller_client(client, seller):
    client.force_login(seller.user)
    return client


def edit_data(version: ProductVersion, **extra) -> dict:
    """The edit form as posted, unchanged, plus `extra`."""
    return {
        "name": version.name,
        "category": version.category_id,
        "summary": version.summary,
        "description": version.description,
        "tags": version.tags,
        "service_group": version.service_group_id,
        "agreement_text": version.agreement_text,
        **extra,
    }


def add_screenshots(product, image_file, how_many: int) -> list[ProductScreenshot]:
    return services.product_screenshots_update(
        product=product,
        add=[image_file(f"shot{i}.png") for i in range(how_many)],
        actor=product.seller.user,
    )


def edit_url(product) -> str:
    return reverse("seller:product_edit", args=[product.pk])


# --- seller's edit page --------------------------------------------------------------------


def test_upload_several_screenshots_on_the_edit_page(seller, seller_client, image_file):
    product = draft_product(seller)
    version = product.versions.get()
    response = seller_client.post(
        edit_url(product),
        edit_data(version, screenshots=[image_file("a.png"), image_file("b.jpg")]),
    )
    assert response.status_code == 302
    shots = list(version.screenshots.all())
    assert [s.position for s in shots] == [0, 1]
    assert original_name(shots[0].image) == "a.png"
    assert original_name(shots[1].image) == "b.jpg"
    assert shots[0].image.storage.exists(shots[0].image.name)


def test_text_file_renamed_png_is_refused_and_nothing_is_saved(
    seller, seller_client, image_file, fake_image_file
):
    product = draft_product(seller)
    version = product.versions.get()
    response = seller_client.post(
        edit_url(product),
        edit_data(version, name="Renamed", screenshots=[image_file("ok.png"), fake_image_file]),
    )
    assert response.status_code == 200
    assert "fake.png: This file is not a valid image" in response.content.decode()
    assert not version.screenshots.exists()
    assert product.versions.get().name != "Renamed"


def test_the_seventh_screenshot_is_refused(seller, seller_client, image_file):
    product = draft_product(seller)
    add_screenshots(product, image_file, 6)
    version = product.versions.get()
    response = seller_client.post(
        edit_url(product), edit_data(version, screenshots=[image_file("seventh.png")])
    )
    assert response.status_code == 200
    assert "at most 6 screenshots" in response.content.decode()
    assert version.screenshots.count() == 6


def test_the_service_refuses_a_seventh_screenshot_too(image_file):
    product = draft_product()
    add_screenshots(product, image_file, 5)
    with pytest.raises(ValidationError) as exc:
        add_screenshots(product, image_file, 2)
    assert "at most 6 screenshots" in str(exc.value)
    assert product.versions.get().screenshots.count() == 5


def test_remove_and_replace_keeps_the_limit(seller, seller_client, image_file):
    product = draft_product(seller)
    shots = add_screenshots(product, image_file, 6)
    version = product.versions.get()
    response = seller_client.post(
        edit_url(product),
        edit_data(version, remove_screenshots=[shots[0].pk], screenshots=[image_file("new.png")]),
    )
    assert response.status_code == 302
    names = [s.image.name for s in version.screenshots.all()]
    assert len(names) == 6
    assert shots[0].image.name not in names
    assert original_name(names[-1]) == "new.png"


def test_only_the_draft_has_screenshots_changed(image_file):
    product = listed_product()
    with pytest.raises(DomainError):
        add_screenshots(product, image_file, 1)


# --- versions ------------------------------------------------------------------------------


def test_screenshots_are_copied_into_the_next_version(image_file):
    product = draft_product()
    add_screenshots(product, image_file, 3)
    services.product_submit(product=product, actor=None)
    services.product_approve(version=product.versions.get(), actor=operator())
    listed = product.versions.get()
    draft = services.product_edit_listed(product=product, actor=None)
    assert draft.pk != listed.pk
    copied = [(s.image.name, s.position) for s in draft.screenshots.all()]
    assert copied == [(s.image.name, s.position) for s in listed.screenshots.all()]
    assert len(copied) == 3
    # Changing the draft's leaves the listed version's alone.
    services.product_screenshots_update(
        product=product, remove=[draft.screenshots.first().pk], actor=None
    )
    assert listed.screenshots.count() == 3
    assert draft.screenshots.count() == 2


def test_screenshots_are_copied_when_a_rejected_product_is_revised(image_file):
    product = draft_product()
    add_screenshots(product, image_file, 2)
    services.product_submit(product=product, actor=None)
    services.product_reject(version=product.versions.get(), actor=operator(), reason="Blurry")
    draft = services.product_revise(product=product, actor=None)
    assert draft.screenshots.count() == 2


def test_review_diff_lists_screenshot_file_names(image_file):
    product = draft_product()
    shots = add_screenshots(product, image_file, 2)
    sections = {key: text for key, _label, text in version_sections(product.versions.get())}
    assert sections["screenshots"].splitlines() == [shot.image.name for shot in shots]


def test_admin_review_page_shows_the_new_screenshot(admin_client, image_file):
    product = draft_product()
    add_screenshots(product, image_file, 1)
    services.product_submit(product=product, actor=None)
    services.product_approve(version=product.versions.get(), actor=operator())
    draft = services.product_edit_listed(product=product, actor=None)
    added = services.product_screenshots_update(
        product=product, add=[image_file("added.png")], actor=None
    )[-1]
    services.product_submit(product=product, actor=None)
    body = admin_client.get(
        reverse("admin:catalog_productversion_change", args=[draft.pk])
    ).content.decode()
    assert added.image.name in body


# --- ownership -----------------------------------------------------------------------------


def test_another_seller_cannot_touch_them(seller_client, image_file):
    other = draft_product()
    shots = add_screenshots(other, image_file, 2)
    version = other.versions.get()
    response = seller_client.post(
        edit_url(other),
        edit_data(version, remove_screenshots=[shots[0].pk], screenshots=[image_file("x.png")]),
    )
    assert response.status_code == 404
    assert seller_client.get(edit_url(other)).status_code == 404
    assert list(version.screenshots.all()) == shots


def test_another_sellers_screenshot_cannot_be_removed_through_own_product(
    seller, seller_client, image_file
):
    own = draft_product(seller)
    add_screenshots(own, image_file, 1)
    other = draft_product()
    theirs = add_screenshots(other, image_file, 1)[0]
    response = seller_client.post(
        edit_url(own), edit_data(own.versions.get(), remove_screenshots=[theirs.pk])
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert ProductScreenshot.objects.filter(pk=theirs.pk).exists()
    with pytest.raises(DomainError):
        services.product_screenshots_update(product=own, remove=[theirs.pk], actor=None)
    assert ProductScreenshot.objects.filter(pk=theirs.pk).exists()


# --- public product page and API -----------------------------------------------------------


def public_product_with_screenshots(image_file, how_many: int):
    product = public.listed_product()
    for position in range(how_many):
        ProductScreenshot.objects.create(
            version=product.listed_version,
            image=image_file(f"public{position}.png"),
            position=position,
        )
    return product


def test_product_page_shows_the_screenshots(client, image_file):
    product = public_product_with_screenshots(image_file, 2)
    body = client.get(reverse("catalog:product", args=[product.pk])).content.decode()
    assert 'data-testid="screenshots"' in body
    for shot in product.listed_version.screenshots.all():
        assert shot.image.url in body


def test_product_page_without_screenshots_has_no_carousel(client):
    product = public.listed_product()
    body = client.get(reverse("catalog:product", args=[product.pk])).content.decode()
    assert 'data-testid="screenshots"' not in body


@pytest.mark.parametrize("how_many", [0, 5])
def test_product_page_query_count_does_not_grow_with_screenshots(
    client, django_assert_num_queries, image_file, how_many
):
    product = public_product_with_screenshots(image_file, how_many)
    cache.clear()
    # one: the product with its specs, prices, attributes, screenshots, regions and
    # inventory rows as JSON columns (selectors.product_get_listed)
    with django_assert_num_queries(1):
        response = client.get(reverse("catalog:product", args=[product.pk]))
    body = response.content.decode()
    assert all(shot.image.url in body for shot in product.listed_version.screenshots.all())


def test_seller_api_lists_screenshot_urls(seller, image_file):
    product = draft_product(seller)
    shots = add_screenshots(product, image_file, 2)
    api = APIClient()
    api.force_authenticate(seller.user)
    data = api.get(f"/api/seller/products/{product.pk}/").json()
    assert data["current_version"]["screenshots"] == [
        {"url": shot.image.url, "position": shot.position} for shot in shots
    ]
