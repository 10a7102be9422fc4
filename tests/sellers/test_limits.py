"""Bounds on what sellers send about themselves: customer-service phones (published as
tel: links), the credit code's one message, and text lengths (core/limits.py)."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from marketplace.accounts.forms import EnterpriseVerificationForm
from marketplace.core import limits
from sellers import services
from sellers.models import ServiceGroup
from tests.factories.accounts import make_uscc
from tests.factories.catalog import listed_product
from tests.factories.sellers import ActiveSellerFactory, ServiceGroupFactory

pytestmark = pytest.mark.django_db

GROUP = {"name": "Support", "email": "help@example.com", "hours": "Mon–Fri 9:00–18:00"}


@pytest.mark.parametrize("phone", ["abc", "123", "400-abc-8000"])
def test_a_phone_that_is_no_number_is_refused_by_the_form(client, phone):
    seller = ActiveSellerFactory()
    client.force_login(seller.user)

    response = client.post(reverse("seller:service_group_create"), {**GROUP, "phone": phone})

    assert response.status_code == 200
    assert "valid phone number" in " ".join(response.context["form"].errors["phone"])
    assert not ServiceGroup.objects.exists()


@pytest.mark.parametrize("phone", ["400-800-8000", "010-12345678", "13812345678"])
def test_landlines_400_numbers_and_mobiles_are_accepted(client, phone):
    seller = ActiveSellerFactory()
    client.force_login(seller.user)
    response = client.post(reverse("seller:service_group_create"), {**GROUP, "phone": phone})
    assert response.status_code == 302
    assert ServiceGroup.objects.get().phone == phone


def test_the_service_refuses_a_bad_phone_too():
    seller = ActiveSellerFactory()
    with pytest.raises(ValidationError) as exc:
        services.service_group_create(seller=seller, actor=seller.user, phone="abc", **GROUP)
    assert "phone" in exc.value.message_dict
    group = ServiceGroupFactory(seller=seller)
    with pytest.raises(ValidationError):
        services.service_group_update(group=group, actor=seller.user, phone="abc", **GROUP)


def test_a_group_name_is_one_line():
    seller = ActiveSellerFactory()
    with pytest.raises(ValidationError) as exc:
        services.service_group_create(
            seller=seller,
            actor=seller.user,
            phone="400-800-8000",
            **{**GROUP, "name": "Support\nteam"},
        )
    assert "name" in exc.value.message_dict


def test_the_product_page_links_only_a_real_phone(client):
    product = listed_product()
    group = product.listed_version.service_group
    page = client.get(reverse("catalog:product", args=[product.pk])).content.decode()
    assert 'href="tel:4008008000"' in page

    # A group saved before phones were checked: shown as text, never as a link.
    ServiceGroup.objects.filter(pk=group.pk).update(phone="abc")
    cache.clear()  # data as it was stored earlier: no page was cached from it
    page = client.get(reverse("catalog:product", args=[product.pk])).content.decode()
    assert "tel:" not in page
    assert "abc" in page


@pytest.mark.parametrize(
    "code",
    ["123", "9131000000000000000X", "91310000000000000I", make_uscc(3)[:17] + "?", ""],
)
def test_a_mistyped_credit_code_gets_one_message(code, image_file):
    data = {"company_name": "Example Co.", "credit_code": code, "legal_representative": "Li"}
    form = EnterpriseVerificationForm(data, {"licence": image_file("licence.png")})
    assert not form.is_valid()
    assert len(form.errors["credit_code"]) == 1


def test_the_credit_code_is_normalised_and_bounded_in_the_browser(image_file):
    code = make_uscc(3)
    data = {"company_name": "Example Co.", "credit_code": f" {code.lower()} "}
    form = EnterpriseVerificationForm(
        {**data, "legal_representative": "Li"}, {"licence": image_file("licence.png")}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["credit_code"] == code
    assert 'maxlength="18"' in str(form["credit_code"])


def test_a_long_brand_story_is_refused():
    seller = ActiveSellerFactory()
    with pytest.raises(ValidationError) as exc:
        services.store_page_update(
            seller=seller, actor=seller.user, brand_story="x" * (limits.MAX_BRAND_STORY_LENGTH + 1)
        )
    assert "brand_story" in exc.value.message_dict
    services.store_page_update(
        seller=seller, actor=seller.user, brand_story="x" * limits.MAX_BRAND_STORY_LENGTH
    )


def test_a_long_exit_reason_is_refused():
    seller = ActiveSellerFactory()
    with pytest.raises(ValidationError) as exc:
        services.seller_request_exit(
            seller=seller, actor=seller.user, reason="x" * (limits.MAX_REASON_LENGTH + 1)
        )
    assert "reason" in exc.value.message_dict
