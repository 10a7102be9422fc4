"""Joint-operation products and the certification that covers them (issue 6 item 9;
01 › Joint-operation certification; 02 › Preconditions)."""

import pytest
from django.core.exceptions import ValidationError

from marketplace.catalog import services
from marketplace.catalog.models import DeliveryType, Product
from marketplace.core.exceptions import DomainError
from sellers.models import JointCertification
from tests.factories.catalog_publishing import (
    JointCertificationFactory,
    PublishingSellerFactory,
    approved_joint_certification,
    draft_product,
    filled_support_terms,
    ready_fields,
)

pytestmark = pytest.mark.django_db

JOINT = DeliveryType.JOINT_SAAS


def joint_draft(seller=None, **overrides):
    return draft_product(seller, delivery_type=JOINT, certified=False, **overrides)


def submit(product):
    return services.product_submit(product=product, actor=product.seller.user)


def test_a_joint_draft_needs_no_certification_yet():
    seller = PublishingSellerFactory()
    product = services.product_create(
        seller=seller,
        delivery_type=JOINT,
        fields=ready_fields(seller, delivery_type=JOINT),
        actor=seller.user,
    )
    assert product.status == Product.Status.DRAFT
    assert not JointCertification.objects.exists()


def test_a_joint_product_no_certification_covers_is_refused():
    product = joint_draft()
    with pytest.raises(DomainError, match="certification of your own company entity covers it"):
        submit(product)
    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT
    problems = services.submission_problems(product, product.versions.get())
    assert "joint_certification" in problems  # the detail page says so before submitting


def test_an_approved_certification_of_other_products_does_not_cover_this_one():
    product = joint_draft()
    approved_joint_certification(product.seller, products=[joint_draft(product.seller)])
    with pytest.raises(DomainError):
        submit(product)


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_a_certification_not_approved_does_not_cover(status):
    product = joint_draft()
    JointCertificationFactory(seller=product.seller, status=status).products.add(product)
    with pytest.raises(DomainError):
        submit(product)


def test_a_certification_of_another_entity_does_not_cover():
    product = joint_draft()
    JointCertificationFactory(
        seller=product.seller, status="approved", company_name="Other Co."
    ).products.add(product)
    with pytest.raises(DomainError):
        submit(product)


def test_a_covered_joint_product_goes_to_review():
    product = joint_draft()
    approved_joint_certification(product.seller, products=[product])
    submit(product)
    product.refresh_from_db()
    assert product.status == Product.Status.PENDING_REVIEW


def test_the_terms_must_name_the_certified_company_as_the_seller():
    seller = PublishingSellerFactory()
    product = joint_draft(seller, support_terms_text=filled_support_terms(seller_name="ACME"))
    approved_joint_certification(seller, products=[product])
    with pytest.raises(ValidationError) as exc:
        submit(product)
    [message] = exc.value.message_dict["support_terms_text"]
    assert "ACME" in message and seller.company_name in message
    services.product_version_update(
        product=product,
        fields={"support_terms_text": filled_support_terms(seller_name=seller.company_name)},
    )
    submit(product)


def test_seeded_certifications_cover_the_existing_joint_products():
    """The data migration's rule: an approved certification from before products were
    named covers every joint product of its seller."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "marketplace.catalog.migrations.0009_joint_certifications_cover_existing_products"
    )
    seller = PublishingSellerFactory()
    joint, saas = joint_draft(seller), draft_product(seller)
    certification = JointCertificationFactory(seller=seller, status="approved")
    migration.cover(apps, None)
    assert list(certification.products.all()) == [joint]
    assert not saas.joint_certifications.exists()


def test_the_operator_sees_the_products_a_certification_covers(admin_client):
    from django.urls import reverse

    product = joint_draft(name="Joint Office")
    certification = JointCertificationFactory(seller=product.seller)
    certification.products.add(product)
    url = reverse("admin:sellers_jointcertification_change", args=[certification.pk])
    assert "Joint Office" in admin_client.get(url).content.decode()
