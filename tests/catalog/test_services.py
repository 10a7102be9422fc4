"""Publishing, review, delisting and sales-configuration services (02-products)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace.catalog import services
from marketplace.catalog.models import (
    AllowlistEntry,
    AttributeName,
    DeliveryType,
    Product,
    ProductVersion,
    SpecSales,
)
from marketplace.core.audit import history_for
from marketplace.core.exceptions import DomainError, InvalidTransition, PermissionDenied
from marketplace.core.files import original_name
from sellers import exit_checks
from sellers.models import Seller
from tests.factories.accounts import UserFactory
from tests.factories.catalog import RegionFactory
from tests.factories.catalog_publishing import (
    AttributeNameFactory,
    PublishingSellerFactory,
    draft_product,
    filled_support_terms,
    listed_product,
    operator,
    pending_product,
    ready_fields,
    ready_specs,
)

pytestmark = pytest.mark.django_db


def submit_errors(product) -> dict:
    with pytest.raises(ValidationError) as exc:
        services.product_submit(product=product, actor=product.seller.user)
    return exc.value.message_dict


def update_specs(product, specs):
    return services.product_version_update(product=product, specs=specs, actor=None)


# --- create --------------------------------------------------------------------------------


def test_create_makes_a_draft_product_with_its_first_version():
    product = draft_product()
    assert product.status == Product.Status.DRAFT
    version = product.versions.get()
    assert (version.number, version.status) == (1, ProductVersion.Status.DRAFT)
    assert list(version.specs.values_list("code", flat=True)) == ["basic", "trial"]
    assert version.specs.get(code="basic").prices.count() == 2
    assert [h.action for h in history_for(product)] == ["create"]


@pytest.mark.parametrize(
    "status",
    [Seller.Status.PENDING, Seller.Status.APPROVED, Seller.Status.EXIT_PENDING],
)
def test_only_an_active_seller_may_create(status):
    seller = PublishingSellerFactory(status=status)
    with pytest.raises(PermissionDenied):
        services.product_create(
            seller=seller, delivery_type=DeliveryType.SAAS, fields=ready_fields(seller)
        )
    assert not Product.objects.exists()


# Joint products and their certification: tests/catalog/test_joint_products.py


def test_joint_product_with_approved_certification_goes_to_review():
    product = draft_product(delivery_type=DeliveryType.JOINT_SAAS)
    services.product_submit(product=product, actor=None)
    product.refresh_from_db()
    assert product.status == Product.Status.PENDING_REVIEW


def test_service_group_of_another_seller_is_refused():
    seller = PublishingSellerFactory()
    other = ready_fields(PublishingSellerFactory())["service_group"]
    with pytest.raises(ValidationError) as exc:
        services.product_create(
            seller=seller,
            delivery_type=DeliveryType.SAAS,
            fields=ready_fields(seller, service_group=other),
        )
    assert "service_group" in exc.value.message_dict


# --- editing the draft -----------------------------------------------------------------------


def test_update_changes_fields_and_replaces_specs():
    product = draft_product()
    specs = ready_specs()[:1]
    services.product_version_update(product=product, fields={"name": "New name"}, specs=specs)
    version = product.versions.get()
    assert version.name == "New name"
    assert list(version.specs.values_list("code", flat=True)) == ["basic"]


def test_a_submitted_version_is_frozen():
    product = pending_product()
    with pytest.raises(DomainError, match="no draft"):
        services.product_version_update(product=product, fields={"name": "Changed"})


def test_attribute_min_above_max_is_refused():
    product = draft_product()
    users = AttributeNameFactory(seller=product.seller)
    specs = ready_specs()
    specs[0]["attributes"] = [{"attribute": users, "min_value": 500, "max_value": 1, "step": 1}]
    with pytest.raises(ValidationError) as exc:
        update_specs(product, specs)
    assert "minimum" in str(exc.value.message_dict["specs"])


def test_attribute_of_another_seller_is_refused():
    product = draft_product()
    specs = ready_specs()
    specs[0]["attributes"] = [{"attribute": AttributeNameFactory(), "min_value": 1, "max_value": 5}]
    with pytest.raises(ValidationError):
        update_specs(product, specs)


def test_enum_and_quantity_attributes_are_stored():
    product = draft_product()
    edition = AttributeNameFactory(seller=product.seller, kind=AttributeName.Kind.ENUM)
    users = AttributeNameFactory(seller=product.seller)
    specs = ready_specs()
    specs[0]["attributes"] = [
        {"attribute": edition, "options": "basic, pro ,"},
        {"attribute": users, "min_value": 1, "max_value": 500, "step": 1, "unit": "users"},
    ]
    update_specs(product, specs)
    attrs = {
        a.attribute_id: a for a in product.versions.get().specs.get(code="basic").attributes.all()
    }
    assert attrs[edition.pk].options == "basic,pro"
    assert (attrs[users.pk].min_value, attrs[users.pk].max_value) == (1, 500)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("-1"), "negative"),
        (Decimal("10000000.01"), "above"),
        ("abc", "valid price"),
        (Decimal("1.001"), "two decimal"),
    ],
)
def test_bad_prices_are_refused(amount, message):
    product = draft_product()
    specs = ready_specs()
    specs[0]["prices"][0]["amount"] = amount
    with pytest.raises(ValidationError) as exc:
        update_specs(product, specs)
    assert message in str(exc.value.message_dict["specs"])


@pytest.mark.parametrize("days", [None, 0, 91])
def test_trial_days_must_be_1_to_90(days):
    product = draft_product()
    specs = ready_specs()
    specs[1]["trial_days"] = days
    with pytest.raises(ValidationError, match="trial lasts"):
        update_specs(product, specs)


def test_a_trial_is_free():
    product = draft_product()
    specs = ready_specs()
    specs[1]["prices"][0]["amount"] = Decimal("1.00")
    with pytest.raises(ValidationError, match="trial is free"):
        update_specs(product, specs)


def test_price_period_must_fit_the_billing_mode():
    product = draft_product()
    specs = ready_specs()
    specs[0]["prices"][0]["period"] = "unit"
    with pytest.raises(ValidationError, match="period doesn"):
        update_specs(product, specs)


@pytest.mark.parametrize("quota", [-5, 2**31])
def test_package_quota_out_of_range_is_refused_and_nothing_changes(quota):
    """The API passes any integer; the service answers with a message, not a database
    error, and the draft keeps its specs."""
    product = draft_product()
    specs = ready_specs()
    specs.append(
        {
            "code": "pack",
            "name": "Pack",
            "billing_mode": "package",
            "package_kind": "stop_when_used_up",
            "package_quota": quota,
            "prices": [{"period": "package", "amount": Decimal("10.00")}],
        }
    )
    with pytest.raises(ValidationError, match="quota"):
        update_specs(product, specs)
    assert sorted(product.versions.get().specs.values_list("code", flat=True)) == [
        "basic",
        "trial",
    ]


def test_absurd_max_periods_is_refused():
    product = draft_product()
    specs = ready_specs()
    specs[0]["prices"][0]["max_periods"] = 40000
    with pytest.raises(ValidationError, match="periods per order"):
        update_specs(product, specs)


def test_unknown_package_kind_is_refused():
    product = draft_product()
    specs = ready_specs()
    specs.append(
        {
            "code": "pack",
            "name": "Pack",
            "billing_mode": "package",
            "package_kind": "forever",
            "package_quota": 100,
            "prices": [{"period": "package", "amount": Decimal("10.00")}],
        }
    )
    with pytest.raises(ValidationError, match="package kind"):
        update_specs(product, specs)


@pytest.mark.parametrize(("low", "high", "step"), [(1, 2**31, 1), (1, 10, 2**31)])
def test_quantity_attribute_out_of_range_is_refused(low, high, step):
    seller = PublishingSellerFactory()
    product = draft_product(seller)
    specs = ready_specs()
    specs[0]["attributes"] = [
        {
            "attribute": AttributeNameFactory(seller=seller),
            "min_value": low,
            "max_value": high,
            "step": step,
        }
    ]
    with pytest.raises(ValidationError, match="too large"):
        update_specs(product, specs)


def test_hardware_is_sold_one_off_only():
    seller = PublishingSellerFactory()
    with pytest.raises(ValidationError, match="can't be sold"):
        services.product_create(
            seller=seller,
            delivery_type=DeliveryType.HARDWARE,
            fields=ready_fields(seller),
            specs=ready_specs(),
        )


def test_duplicate_spec_codes_are_refused():
    product = draft_product()
    specs = ready_specs()
    specs[1]["code"] = "basic"
    with pytest.raises(ValidationError, match="different"):
        update_specs(product, specs)


def test_spec_save_adds_and_replaces_one_spec():
    product = draft_product()
    spec = {
        "code": "pro",
        "name": "Pro",
        "billing_mode": "period",
        "prices": [{"period": "month", "amount": "199"}],
    }
    services.spec_save(product=product, spec=spec)
    spec["name"] = "Professional"
    services.spec_save(product=product, spec=spec, original_code="pro")
    version = product.versions.get()
    assert version.specs.get(code="pro").name == "Professional"
    assert version.specs.count() == 3
    with pytest.raises(ValidationError, match="already has this code"):
        services.spec_save(product=product, spec={**spec, "code": "basic"}, original_code="pro")
    services.spec_delete(product=product, code="pro")
    assert version.specs.count() == 2


def test_text_renamed_to_pdf_or_png_is_refused():
    product = draft_product()
    fake_pdf = SimpleUploadedFile("cert.pdf", b"just text", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        services.product_version_update(product=product, fields={"copyright_certificate": fake_pdf})
    assert "copyright_certificate" in exc.value.message_dict
    fake_png = SimpleUploadedFile("logo.png", b"just text", content_type="image/png")
    with pytest.raises(ValidationError) as exc:
        services.product_version_update(product=product, fields={"logo": fake_png})
    assert "logo" in exc.value.message_dict


def test_real_pdf_and_image_are_accepted(image_file):
    product = draft_product()
    pdf = SimpleUploadedFile("cert.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", "application/pdf")
    services.product_version_update(
        product=product, fields={"copyright_certificate": pdf, "logo": image_file("logo.png")}
    )
    version = product.versions.get()
    # Stored under a generated key; the uploaded name is kept for display.
    assert version.copyright_certificate.name.endswith(".pdf")
    assert original_name(version.copyright_certificate) == "cert.pdf"
    assert version.logo


# --- submit ------------------------------------------------------------------------------


def test_submit_sends_the_draft_to_review():
    product = draft_product()
    version = services.product_submit(product=product, actor=product.seller.user)
    product.refresh_from_db()
    assert product.status == Product.Status.PENDING_REVIEW
    assert version.status == ProductVersion.Status.PENDING_REVIEW
    assert version.submitted_at is not None
    assert [h.action for h in history_for(version)] == ["submit"]


def test_submit_twice_is_refused():
    product = pending_product()
    with pytest.raises(InvalidTransition):
        services.product_submit(product=product, actor=None)


def test_submit_needs_specs_and_prices():
    product = draft_product()
    update_specs(product, [])
    assert "specs" in submit_errors(product)
    update_specs(product, [{"code": "a", "name": "A", "billing_mode": "period", "prices": []}])
    assert "needs a price" in str(submit_errors(product)["specs"])


def test_manual_service_needs_flow_template_and_delivery_days():
    product = draft_product(delivery_type=DeliveryType.MANUAL_SERVICE)
    services.product_version_update(
        product=product, fields={"flow_template": "", "avg_delivery_days": None}
    )
    errors = submit_errors(product)
    assert {"flow_template", "avg_delivery_days"} <= set(errors)
    services.product_version_update(
        product=product, fields={"flow_template": "site_building", "avg_delivery_days": 10}
    )
    services.product_submit(product=product, actor=None)


def test_submit_needs_a_service_group():
    product = draft_product()
    services.product_version_update(product=product, fields={"service_group": None})
    assert "service_group" in submit_errors(product)


@pytest.mark.parametrize(
    "bad_line",
    [
        "Party B: ________",
        "乙方（盖章）：",
        "签约地点：北京",
        "Buyer (signature)",
        "日期：    年    月    日",
        "联系人：（  ）",
    ],
)
def test_submit_refuses_agreement_with_blanks_or_stamps(bad_line):
    product = draft_product(agreement_text=f"Product service agreement\nFine line.\n{bad_line}")
    message = str(submit_errors(product)["agreement_text"])
    assert "line 3" in message


def test_joint_terms_edited_outside_the_template_are_refused():
    text = filled_support_terms().replace("第四条 平台的责任", "第四条 卖家的特权")
    product = draft_product(delivery_type=DeliveryType.JOINT_SAAS, support_terms_text=text)
    assert "template" in str(submit_errors(product)["support_terms_text"])


def test_submit_is_refused_when_the_seller_is_no_longer_active():
    product = draft_product()
    Seller.objects.filter(pk=product.seller_id).update(status=Seller.Status.EXIT_PENDING)
    with pytest.raises(PermissionDenied):
        services.product_submit(product=product, actor=None)


# --- review ------------------------------------------------------------------------------


def test_approve_lists_the_product_and_refreshes_the_listing_fields():
    product = pending_product(tags="Office,Docs")
    version = product.versions.get()
    services.product_approve(version=version, actor=operator())
    product.refresh_from_db()
    version.refresh_from_db()
    assert product.status == Product.Status.LISTED
    assert product.listed_version == version
    assert version.status == ProductVersion.Status.APPROVED
    assert product.listed_at is not None
    assert product.name == "Cloud Office"
    assert product.category_id == version.category_id
    assert product.min_price == Decimal("99.00")  # the free trial isn't the "from" price
    assert product.billing_modes == ",period,trial,"
    assert product.search_text == (
        f"cloud office documents and spreadsheets online office,docs "
        f"{product.seller.store_name.lower()}"
    )


def test_only_operators_review():
    product = pending_product()
    with pytest.raises(PermissionDenied):
        services.product_approve(version=product.versions.get(), actor=product.seller.user)
    with pytest.raises(PermissionDenied):
        services.product_reject(version=product.versions.get(), actor=None, reason="x")


def test_reject_needs_a_reason_and_the_seller_sees_it():
    product = pending_product()
    version = product.versions.get()
    with pytest.raises(ValidationError):
        services.product_reject(version=version, actor=operator(), reason="  ")
    services.product_reject(version=version, actor=operator(), reason="Logo is blurry")
    product.refresh_from_db()
    version.refresh_from_db()
    assert product.status == Product.Status.REJECTED
    assert version.rejection_reason == "Logo is blurry"
    assert history_for(product).last().reason == "Logo is blurry"


def test_a_version_of_a_seller_who_left_is_not_approved():
    """Only a listed product blocks the exit, so a version still in review outlives it;
    approving it would list a product of an exited seller in the catalog."""
    from sellers import services as seller_services

    product = pending_product()
    seller = product.seller
    seller_services.seller_request_exit(seller=seller, actor=seller.user)
    seller_services.seller_approve_exit(seller=seller, actor=operator())
    with pytest.raises(DomainError, match="no longer sell"):
        services.product_approve(version=product.versions.get(), actor=operator())
    product.refresh_from_db()
    assert product.status == Product.Status.PENDING_REVIEW
    assert product.listed_version is None
    assert product.versions.get().status == ProductVersion.Status.PENDING_REVIEW


def test_a_version_of_a_seller_leaving_is_not_approved():
    product = pending_product()
    Seller.objects.filter(pk=product.seller_id).update(status=Seller.Status.EXIT_PENDING)
    with pytest.raises(DomainError, match="no longer sell"):
        services.product_approve(version=product.versions.get(), actor=operator())
    product.refresh_from_db()
    assert product.status == Product.Status.PENDING_REVIEW


def test_approving_a_draft_is_refused():
    product = draft_product()
    with pytest.raises(InvalidTransition):
        services.product_approve(version=product.versions.get(), actor=operator())


def test_rejected_product_is_revised_from_the_rejected_version_and_resubmitted():
    product = pending_product()
    services.product_reject(version=product.versions.get(), actor=operator(), reason="No")
    draft = services.product_revise(product=product, actor=None)
    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT
    assert draft.number == 2
    assert draft.specs.count() == 2
    services.product_submit(product=product, actor=None)
    services.product_approve(version=draft, actor=operator())
    product.refresh_from_db()
    assert product.listed_version == draft


def test_edit_listed_keeps_the_old_version_on_sale_until_the_new_one_is_approved():
    product = listed_product()
    old = product.listed_version
    draft = services.product_edit_listed(product=product, actor=None)
    assert draft.number == 2
    assert draft.specs.get(code="basic").prices.count() == 2
    with pytest.raises(DomainError):
        services.product_edit_listed(product=product, actor=None)
    services.product_version_update(product=product, fields={"name": "Cloud Office 2"})
    services.product_submit(product=product, actor=None)
    product.refresh_from_db()
    assert product.status == Product.Status.LISTED
    assert product.name == "Cloud Office"

    services.product_approve(version=draft, actor=operator())
    product.refresh_from_db()
    old.refresh_from_db()
    assert product.listed_version == draft
    assert product.name == "Cloud Office 2"
    assert old.status == ProductVersion.Status.SUPERSEDED


def test_rejected_edit_of_a_listed_product_leaves_it_listed():
    product = listed_product()
    draft = services.product_edit_listed(product=product, actor=None)
    services.product_version_update(product=product, fields={"summary": "Edited summary"})
    services.product_submit(product=product, actor=None)
    services.product_reject(version=draft, actor=operator(), reason="Too vague")
    product.refresh_from_db()
    assert product.status == Product.Status.LISTED
    again = services.product_edit_listed(product=product, actor=None)
    assert again.summary == "Edited summary"  # continues from the rejected attempt


# --- delist / relist ----------------------------------------------------------------------


def test_seller_delists_and_the_open_version_is_closed():
    product = listed_product()
    services.product_edit_listed(product=product, actor=None)
    services.product_delist(product=product, actor=product.seller.user, reason="End of life")
    product.refresh_from_db()
    assert product.status == Product.Status.DELISTED
    assert product.delist_reason == "End of life"
    assert not product.versions.filter(status__in=["draft", "pending_review"]).exists()


def test_operator_delist_needs_a_reason():
    product = listed_product()
    with pytest.raises(ValidationError):
        services.product_delist(product=product, actor=operator(), by_operator=True)
    services.product_delist(
        product=product, actor=operator(), reason="ISV interface failing", by_operator=True
    )
    assert history_for(product).last().action == "delist_by_operator"


def test_delisting_a_draft_is_refused():
    with pytest.raises(InvalidTransition):
        services.product_delist(product=draft_product(), actor=None)


def test_relist_goes_back_through_review():
    product = listed_product()
    services.product_delist(product=product, actor=None)
    draft = services.product_relist(product=product, actor=None)
    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT
    services.product_submit(product=product, actor=None)
    services.product_approve(version=draft, actor=operator())
    product.refresh_from_db()
    assert product.status == Product.Status.LISTED
    assert product.delist_reason == ""


def test_listed_products_keep_the_sellers_exit_waiting():
    """They don't refuse the exit (blocking), the exit waits for their delisting."""
    product = listed_product()
    assert exit_checks.blocking_reasons(product.seller) == []
    reasons = exit_checks.waiting_reasons(product.seller)
    assert reasons == ["1 product is still listed: delist it first."]
    services.product_delist(product=product, actor=None)
    assert exit_checks.waiting_reasons(product.seller) == []


# --- sales configuration --------------------------------------------------------------------


def test_spec_sales_set_and_stock_below_zero_is_refused():
    product = listed_product()
    row = services.spec_sales_set(
        product=product,
        spec_code="basic",
        stock=10,
        max_quantity_per_buyer=2,
        max_orders_per_buyer=None,
    )
    assert (row.stock, row.max_quantity_per_buyer) == (10, 2)
    with pytest.raises(ValidationError) as exc:
        services.spec_sales_set(
            product=product,
            spec_code="basic",
            stock=-1,
            max_quantity_per_buyer=None,
            max_orders_per_buyer=None,
        )
    assert "stock" in exc.value.message_dict
    assert SpecSales.objects.get().stock == 10
    with pytest.raises(DomainError):
        services.spec_sales_set(
            product=product,
            spec_code="nope",
            stock=1,
            max_quantity_per_buyer=None,
            max_orders_per_buyer=None,
        )


def test_allowlist_needs_matching_name_and_id():
    product = listed_product()
    buyer = UserFactory()
    other = UserFactory()
    for name, account_id in [
        (buyer.username, other.account_id),
        (other.username, buyer.account_id),
        ("nobody", buyer.account_id),
    ]:
        with pytest.raises(ValidationError, match="No account"):
            services.allowlist_add(
                product=product, kind="sales", account_name=name, account_id=account_id
            )
    entry = services.allowlist_add(
        product=product, kind="sales", account_name=buyer.username, account_id=buyer.account_id
    )
    with pytest.raises(DomainError, match="already"):
        services.allowlist_add(
            product=product,
            kind="sales",
            account_name=buyer.username,
            account_id=buyer.account_id,
        )
    services.allowlist_remove(entry=entry)
    assert not AllowlistEntry.objects.exists()


def test_sales_switches_and_regions():
    product = listed_product()
    east = RegionFactory()
    services.product_sales_update(
        product=product,
        allowlist_enabled=True,
        trial_allowlist_enabled=True,
        credit_line_allowed=True,
        cash_coupon_allowed=False,
        credit_specified_users_only=True,
        regions=[east],
    )
    product.refresh_from_db()
    assert product.allowlist_enabled and product.credit_line_allowed
    assert list(product.regions.all()) == [east]


def test_attribute_names_are_unique_and_protected_while_used():
    seller = PublishingSellerFactory()
    users = services.attribute_name_create(seller=seller, kind="quantity", name="Users")
    with pytest.raises(ValidationError):
        services.attribute_name_create(seller=seller, kind="quantity", name="Users")
    product = draft_product(seller)
    specs = ready_specs()
    specs[0]["attributes"] = [{"attribute": users, "min_value": 1, "max_value": 5}]
    update_specs(product, specs)
    with pytest.raises(DomainError, match="used"):
        services.attribute_name_delete(attribute=users)
    update_specs(product, ready_specs())
    services.attribute_name_delete(attribute=users)


def test_trial_days_on_a_non_trial_spec_are_dropped():
    product = draft_product()
    specs = ready_specs()
    specs[0]["trial_days"] = -1  # not a trial: the value means nothing and is not stored
    update_specs(product, specs)
    spec = product.versions.get().specs.get(code=specs[0]["code"])
    assert spec.trial_days is None
