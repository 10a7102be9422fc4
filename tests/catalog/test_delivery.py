"""What each delivery type sells and describes (catalog/delivery.py): billing modes per
type, trial only for SaaS, service forms and scope, the delivery-type fields (required on
submit, copied into new versions, shown on the product page, returned by the APIs)."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from marketplace.catalog import delivery, services
from marketplace.catalog.forms import ProductContentForm, SpecForm
from marketplace.catalog.models import BillingMode, DeliveryType, ProductVersion
from tests.factories.catalog import RegionFactory
from tests.factories.catalog_publishing import (
    CategoryFactory,
    PublishingSellerFactory,
    ServiceGroupFactory,
    delivery_fields,
    draft_product,
    listed_product,
    operator,
    ready_fields,
    ready_specs,
)

pytestmark = pytest.mark.django_db

PRICE_OF_MODE = {
    "period": {"period": "month", "amount": "10.00"},
    "on_demand": {"period": "unit", "amount": "0.10", "unit": "hour"},
    "one_off": {"period": "once", "amount": "10.00"},
    "package": {"period": "package", "amount": "10.00"},
    "trial": {"period": "free", "amount": "0"},
}


def spec_of_mode(mode: str) -> dict:
    spec = {"code": "x", "name": "X", "billing_mode": mode, "prices": [PRICE_OF_MODE[mode]]}
    if mode == "package":
        spec.update(package_kind="per_call", package_quota=100)
    if mode == "trial":
        spec["trial_days"] = 14
    return spec


# --- billing modes per delivery type --------------------------------------------------------


def test_every_delivery_type_has_its_billing_modes():
    assert set(delivery.MODES_BY_TYPE) == set(DeliveryType.values)
    assert delivery.allowed_modes(DeliveryType.IMAGE) == ["period", "on_demand"]
    assert delivery.allowed_modes(DeliveryType.HARDWARE) == ["one_off"]
    assert delivery.allowed_modes(DeliveryType.API_APIG) == ["on_demand", "package"]
    assert {DeliveryType.SAAS, DeliveryType.JOINT_SAAS} == delivery.TRIAL_TYPES


@pytest.mark.parametrize(
    "delivery_type",
    # Joint SaaS needs a joint certification and has the same modes as SaaS.
    [t for t in DeliveryType.values if t != DeliveryType.JOINT_SAAS],
)
def test_service_accepts_exactly_the_modes_of_the_type(delivery_type):
    product = draft_product(delivery_type=delivery_type)
    for mode in BillingMode.values:
        spec = spec_of_mode(mode)
        if mode in delivery.MODES_BY_TYPE[delivery_type]:
            services.spec_save(product=product, spec=spec)
            assert product.versions.get().specs.filter(billing_mode=mode).exists()
            services.spec_delete(product=product, code="x")
        else:
            with pytest.raises(ValidationError):
                services.spec_save(product=product, spec=spec)


@pytest.mark.parametrize("delivery_type", [DeliveryType.IMAGE, DeliveryType.API_AGENTS])
def test_trial_on_a_non_saas_product_is_refused_with_a_reason(delivery_type):
    product = draft_product(delivery_type=delivery_type)
    with pytest.raises(ValidationError, match="only SaaS products can offer a free trial"):
        services.spec_save(product=product, spec=spec_of_mode("trial"))


def test_image_sells_by_period_or_pay_as_you_go_only():
    product = draft_product(delivery_type=DeliveryType.IMAGE)
    for mode in ("one_off", "package", "trial"):
        with pytest.raises(ValidationError):
            services.spec_save(product=product, spec=spec_of_mode(mode))


@pytest.mark.parametrize("delivery_type", DeliveryType.values)
def test_spec_form_offers_only_the_types_modes(delivery_type):
    form = SpecForm(delivery_type=delivery_type)
    offered = [value for value, _label in form.fields["billing_mode"].choices]
    assert offered == delivery.allowed_modes(delivery_type)


def test_spec_form_refuses_a_mode_of_another_type():
    form = SpecForm(
        {"name": "Trial", "billing_mode": "trial", "trial_days": "7"},
        delivery_type=DeliveryType.IMAGE,
    )
    assert not form.is_valid()
    assert "billing_mode" in form.errors


def test_seller_api_refuses_a_mode_the_type_does_not_sell():
    seller = PublishingSellerFactory()
    api = APIClient()
    api.force_authenticate(seller.user)
    body = {
        "delivery_type": "hardware",
        "name": "Edge Box",
        "category": CategoryFactory().slug,
        "summary": "A box",
        "specs": [{"code": "m", "name": "Monthly", "billing_mode": "period", **{}}],
    }
    body["specs"][0]["prices"] = [{"period": "month", "amount": "10"}]
    response = api.post("/api/seller/products/", body, format="json")
    assert response.status_code == 400
    assert "can't be sold" in str(response.data)
    body["delivery_type"] = "api_apig"
    body["specs"] = [spec_of_mode("trial")]
    response = api.post("/api/seller/products/", body, format="json")
    assert response.status_code == 400
    assert "free trial" in str(response.data)


# --- service forms and scope ------------------------------------------------------------------


def test_service_forms_and_scope_are_stored_as_choices_in_order():
    product = draft_product(service_forms=["email", "phone", "email"], service_scope=["consulting"])
    version = product.versions.get()
    assert version.service_forms == ["phone", "email"]
    assert version.service_form_labels() == ["Phone support", "E-mail support"]
    assert version.service_scope_labels() == ["Consulting"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("service_forms", ["fax"]), ("service_scope", ["everything"]), ("service_forms", "phone")],
)
def test_unknown_service_choices_are_refused(field, value):
    with pytest.raises(ValidationError) as exc:
        draft_product(**{field: value})
    assert field in exc.value.message_dict


def test_support_options_show_on_the_product_page_as_badges_and_text(client):
    product = listed_product(
        service_forms=["onsite_emergency", "phone"],
        service_scope=["running_maintenance"],
        service_notes="Urgent issues answered 24/7.",
    )
    html = client.get(reverse("catalog:product", args=[product.pk])).content.decode()
    assert 'data-testid="support-options"' in html
    assert "On-site and emergency support" in html
    assert "Phone support" in html
    assert "Running and maintenance" in html
    assert "Urgent issues answered 24/7." in html
    assert "E-mail support" not in html


# --- delivery-type fields ---------------------------------------------------------------------

TYPES_WITH_FIELDS = [t for t in DeliveryType.values if delivery.delivery_fields(t)]


@pytest.mark.parametrize("delivery_type", TYPES_WITH_FIELDS)
def test_delivery_fields_are_required_on_submit(delivery_type):
    seller = PublishingSellerFactory()
    fields = ready_fields(seller, delivery_type=delivery_type)
    for name in delivery.delivery_fields(delivery_type):
        fields.pop(name)
    product = services.product_create(
        seller=seller, delivery_type=delivery_type, fields=fields, specs=ready_specs(delivery_type)
    )
    with pytest.raises(ValidationError) as exc:
        services.product_submit(product=product)
    assert set(delivery.delivery_fields(delivery_type)) <= set(exc.value.message_dict)


@pytest.mark.parametrize("delivery_type", TYPES_WITH_FIELDS)
def test_complete_delivery_fields_pass_submit(delivery_type):
    product = draft_product(delivery_type=delivery_type)
    services.product_submit(product=product)


def test_a_fixed_license_term_needs_its_months():
    product = draft_product(delivery_type=DeliveryType.LICENSE_CODE, license_term="fixed")
    with pytest.raises(ValidationError) as exc:
        services.product_submit(product=product)
    assert "license_term_months" in exc.value.message_dict
    services.product_version_update(product=product, fields={"license_term_months": 12})
    services.product_submit(product=product)


def test_fields_of_another_delivery_type_are_refused():
    with pytest.raises(ValidationError, match="don't apply"):
        draft_product(delivery_type=DeliveryType.SAAS, image_os="Ubuntu")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"method": "FETCH", "path": "/a", "description": "x"}], "method"),
        ([{"method": "GET", "path": "a", "description": "x"}], "path"),
        ([{"method": "GET", "path": "/a", "description": ""}], "description"),
        ([{"method": "GET", "path": "/a", "description": "x"}] * 2, "twice"),
    ],
)
def test_bad_api_rows_are_refused(rows, message):
    with pytest.raises(ValidationError, match=message):
        draft_product(delivery_type=DeliveryType.API_APIG, api_endpoints=rows)


def test_image_region_rows_are_checked():
    region = RegionFactory()
    rows = [{"region": region, "image_id": "a"}, {"region": region, "image_id": "b"}]
    with pytest.raises(ValidationError, match="twice"):
        draft_product(delivery_type=DeliveryType.IMAGE, image_regions=rows)
    with pytest.raises(ValidationError, match="image ID"):
        draft_product(
            delivery_type=DeliveryType.IMAGE, image_regions=[{"region": region, "image_id": " "}]
        )


def _delivery_snapshot(version: ProductVersion) -> dict:
    return {
        "columns": {
            name: getattr(version, name)
            for name in services.VERSION_FIELDS
            if name in delivery.TYPE_SPECIFIC_FIELDS or name.startswith("service")
        },
        "images": [(r.region_id, r.image_id) for r in version.image_regions.all()],
        "shipping": [r.pk for r in version.shipping_regions.all()],
        "apis": [(a.method, a.path, a.description) for a in version.api_endpoints.all()],
    }


@pytest.mark.parametrize(
    "delivery_type", [DeliveryType.IMAGE, DeliveryType.HARDWARE, DeliveryType.API_AGENTS]
)
def test_new_versions_copy_the_delivery_fields_and_rows(delivery_type):
    product = listed_product(
        delivery_type=delivery_type, service_forms=["phone"], service_notes="Call us."
    )
    listed = product.listed_version
    draft = services.product_edit_listed(product=product)
    assert _delivery_snapshot(draft) == _delivery_snapshot(listed)
    snapshot = _delivery_snapshot(draft)
    assert snapshot["images"] or snapshot["shipping"] or snapshot["apis"]
    assert snapshot["columns"]["service_forms"] == ["phone"]


def test_delivery_rows_are_replaced_only_when_given():
    product = draft_product(delivery_type=DeliveryType.API_APIG)
    services.product_version_update(product=product, fields={"api_quota_unit": "page"})
    version = product.versions.get()
    assert version.api_endpoints.count() == 1
    services.product_version_update(
        product=product,
        fields={
            "api_endpoints": [
                {"method": "get", "path": "/v1/a", "description": "A"},
                {"method": "POST", "path": "/v1/b", "description": "B"},
            ]
        },
    )
    assert [str(a) for a in version.api_endpoints.all()] == ["GET /v1/a", "POST /v1/b"]


def test_delivery_details_show_on_the_product_page(client):
    north = RegionFactory(name_en="North China")
    product = listed_product(
        delivery_type=DeliveryType.IMAGE,
        image_os="Ubuntu 24.04 LTS",
        image_architecture="arm64",
        image_regions=[{"region": north, "image_id": "img-lamp-north"}],
    )
    html = client.get(reverse("catalog:product", args=[product.pk])).content.decode()
    assert 'data-testid="delivery-details"' in html
    assert "Ubuntu 24.04 LTS" in html
    assert "Arm64" in html
    assert "North China" in html
    assert "img-lamp-north" in html


def test_hardware_license_and_api_details_show_on_the_product_page(client):
    hardware = listed_product(delivery_type=DeliveryType.HARDWARE)
    html = client.get(reverse("catalog:product", args=[hardware.pk])).content.decode()
    assert "4 cores, 8 GB" in html and "2.50 kg" in html and "30 × 20 × 5" in html
    license_ = listed_product(delivery_type=DeliveryType.LICENSE_AUTO)
    html = client.get(reverse("catalog:product", args=[license_.pk])).content.decode()
    assert "Per named user" in html and "Perpetual" in html and "GitLab CE 17" in html
    api = listed_product(delivery_type=DeliveryType.API_APIG)
    html = client.get(reverse("catalog:product", args=[api.pk])).content.decode()
    assert "/v1/ocr" in html and "Read text" in html and "call" in html


def test_a_saas_page_shows_no_delivery_rows(client):
    product = listed_product()
    html = client.get(reverse("catalog:product", args=[product.pk])).content.decode()
    assert 'data-testid="delivery-details"' not in html


@pytest.mark.parametrize("kind", [DeliveryType.SAAS, DeliveryType.API_APIG])
def test_a_product_page_is_one_query_whatever_its_delivery_rows(client, kind):
    # the delivery type's rows come as JSON columns of the page's one query
    product = listed_product(delivery_type=kind)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("catalog:product", args=[product.pk]))
    assert len(queries.captured_queries) == 1
    assert "catalog_apiendpoint" in queries.captured_queries[0]["sql"]


def test_catalog_api_returns_service_choices_and_delivery_fields(client):
    product = listed_product(
        delivery_type=DeliveryType.API_APIG,
        service_forms=["email"],
        service_scope=["consulting"],
        service_notes="Mail us.",
    )
    data = client.get(f"/api/catalog/products/{product.pk}/").json()
    assert data["service_forms"] == [{"code": "email", "label": "E-mail support"}]
    assert data["service_scope"] == [{"code": "consulting", "label": "Consulting"}]
    assert data["service_notes"] == "Mail us."
    assert data["delivery"]["api_quota_unit"] == "call"
    assert data["delivery"]["api_endpoints"] == [
        {"method": "POST", "path": "/v1/ocr", "description": "Read text"}
    ]


def test_seller_api_takes_and_returns_the_delivery_fields():
    seller = PublishingSellerFactory()
    region = RegionFactory(code="cn-north")
    api = APIClient()
    api.force_authenticate(seller.user)
    body = {
        "delivery_type": "image",
        "name": "LAMP image",
        "category": CategoryFactory().slug,
        "summary": "A machine image",
        "service_group": ServiceGroupFactory(seller=seller).pk,
        "service_forms": ["phone"],
        "service_scope": ["operation_guidance"],
        "image_os": "Debian 12",
        "image_architecture": "x86_64",
        "image_regions": [{"region": "cn-north", "image_id": "img-1"}],
        "specs": [
            {
                "name": "Monthly",
                "billing_mode": "period",
                "prices": [{"period": "month", "amount": "30"}],
            }
        ],
    }
    response = api.post("/api/seller/products/", body, format="json")
    assert response.status_code == 201, response.data
    version = response.data["current_version"]
    assert version["image_regions"] == [{"region": "cn-north", "image_id": "img-1"}]
    assert version["service_forms"] == ["phone"]
    assert version["image_os"] == "Debian 12"
    assert version["specs"][0]["code"].startswith("monthly-")  # generated
    pk = response.data["id"]
    response = api.patch(
        f"/api/seller/products/{pk}/draft/",
        {"image_regions": [{"region": region.code, "image_id": "img-2"}]},
        format="json",
    )
    assert response.status_code == 200
    assert response.data["current_version"]["image_regions"][0]["image_id"] == "img-2"
    response = api.patch(
        f"/api/seller/products/{pk}/draft/", {"service_forms": ["fax"]}, format="json"
    )
    assert response.status_code == 400


# --- the seller's product form ----------------------------------------------------------------


def form_data(seller, delivery_type, **extra):
    data = {
        "name": "Thing",
        "category": CategoryFactory().pk,
        "summary": "A thing",
        "description": "It does things.",
        "service_group": ServiceGroupFactory(seller=seller).pk,
        "agreement_text": "Plain terms.",
    }
    data.update(extra)
    return data


def test_product_form_shows_only_the_types_fields():
    seller = PublishingSellerFactory()
    RegionFactory(code="cn-east")
    image = ProductContentForm(seller=seller, delivery_type=DeliveryType.IMAGE)
    assert {"image_os", "image_architecture", "image_id_cn-east"} <= set(image.fields)
    assert "hardware_spec" not in image.fields and "api_endpoints" not in image.fields
    saas = ProductContentForm(seller=seller, delivery_type=DeliveryType.SAAS)
    assert not set(saas.fields) & delivery.TYPE_SPECIFIC_FIELDS
    assert "service_forms" in saas.fields and "service_notes" in saas.fields


def test_product_form_turns_inputs_into_rows():
    seller = PublishingSellerFactory()
    east = RegionFactory(code="cn-east")
    form = ProductContentForm(
        form_data(
            seller,
            DeliveryType.IMAGE,
            image_os="Debian",
            image_architecture="x86_64",
            **{"image_id_cn-east": " img-e "},
            service_forms=["phone", "email"],
        ),
        seller=seller,
        delivery_type=DeliveryType.IMAGE,
    )
    assert form.is_valid(), form.errors
    fields = form.service_fields(changed_only=False)
    assert fields["image_regions"] == [{"region": east, "image_id": "img-e"}]
    assert fields["service_forms"] == ["phone", "email"]
    api = ProductContentForm(
        form_data(seller, DeliveryType.API_APIG, api_endpoints="get /v1/a Read A\n\nPOST /b"),
        seller=seller,
        delivery_type=DeliveryType.API_APIG,
    )
    assert not api.is_valid()
    assert "Line 3" in str(api.errors["api_endpoints"])


def test_seller_publishes_hardware_through_the_form(client):
    seller = PublishingSellerFactory()
    region = RegionFactory(code="cn-south")
    client.force_login(seller.user)
    data = form_data(
        seller,
        DeliveryType.HARDWARE,
        hardware_spec="8 cores",
        hardware_weight_kg="1.5",
        hardware_size="10 × 10 × 10",
        shipping_regions=[region.pk],
        avg_delivery_days="4",
    )
    response = client.post(reverse("seller:product_create", args=["hardware"]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    version = ProductVersion.objects.get(name="Thing")
    assert list(version.shipping_regions.all()) == [region]
    assert version.hardware_weight_kg == Decimal("1.50")
    page = client.get(reverse("seller:product_edit", args=[version.product_id])).content.decode()
    assert "8 cores" in page


def test_approved_product_keeps_its_delivery_fields_on_the_page(client):
    product = draft_product(delivery_type=DeliveryType.LICENSE_CODE, license_type="device")
    version = services.product_submit(product=product)
    services.product_approve(version=version, actor=operator())
    html = client.get(reverse("catalog:product", args=[product.pk])).content.decode()
    assert "Per device or node" in html
    assert delivery_fields(DeliveryType.LICENSE_CODE)["license_term"] == "perpetual"


def test_readme_table_matches_the_billing_modes():
    from pathlib import Path

    from django.conf import settings

    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    columns = ["period", "on_demand", "one_off", "package", "trial"]
    for delivery_type in DeliveryType:
        row = next(
            line for line in readme.splitlines() if line.startswith(f"| {delivery_type.label} |")
        )
        cells = [c.strip() for c in row.strip("|").split("|")][1:]
        ticked = {mode for mode, cell in zip(columns, cells, strict=True) if cell == "✓"}
        assert ticked == set(delivery.MODES_BY_TYPE[delivery_type]), delivery_type


def test_the_trial_allowlist_is_only_for_saas(client):
    image = draft_product(delivery_type=DeliveryType.IMAGE)
    switches = {
        "allowlist_enabled": False,
        "trial_allowlist_enabled": True,
        "credit_line_allowed": False,
        "cash_coupon_allowed": False,
        "credit_specified_users_only": False,
    }
    with pytest.raises(ValidationError, match="Only SaaS"):
        services.product_sales_update(product=image, **switches)
    services.product_sales_update(product=draft_product(), **switches)
    client.force_login(image.seller.user)
    html = client.get(reverse("seller:product_sales", args=[image.pk])).content.decode()
    assert 'name="trial_allowlist_enabled"' not in html
    response = client.post(
        reverse("seller:product_sales", args=[image.pk]), {"credit_line_allowed": "on"}
    )
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.credit_line_allowed and not image.trial_allowlist_enabled


def test_the_data_migration_maps_old_free_text_to_choices():
    import importlib

    migration = importlib.import_module(
        "marketplace.catalog.migrations.0006_service_support_choices_data"
    )
    assert migration._codes("电话支持、邮件支持 / Phone and e-mail support", migration.FORMS) == [
        "phone",
        "email",
    ]
    assert migration._codes("咨询、操作指导、运行维护", migration.SCOPE) == [
        "consulting",
        "operation_guidance",
        "running_maintenance",
    ]
    assert migration._codes("", migration.FORMS) == []


@pytest.mark.parametrize("delivery_type", DeliveryType.values)
def test_create_and_spec_pages_render_for_every_type(client, delivery_type):
    seller = PublishingSellerFactory()
    RegionFactory()
    client.force_login(seller.user)
    html = client.get(reverse("seller:product_create", args=[delivery_type])).content.decode()
    for name in delivery.delivery_fields(delivery_type):
        if name == "image_regions":
            assert 'name="image_id_' in html
        else:
            assert f'name="{name}"' in html
    product = draft_product(seller, delivery_type=delivery_type)
    html = client.get(reverse("seller:spec_create", args=[product.pk])).content.decode()
    offered = re.findall(r'<option value="(\w+)"', html.split('name="billing_mode"')[1])
    assert offered[: len(delivery.allowed_modes(delivery_type))] == delivery.allowed_modes(
        delivery_type
    )


def test_the_review_diff_compares_the_new_fields_and_rows():
    from marketplace.catalog.admin import version_sections

    product = listed_product(delivery_type=DeliveryType.API_APIG, service_forms=["phone"])
    draft = services.product_edit_listed(product=product)
    services.product_version_update(
        product=product,
        fields={
            "api_quota_unit": "page",
            "service_forms": ["phone", "email"],
            "api_endpoints": [{"method": "GET", "path": "/v2/x", "description": "X"}],
        },
    )
    draft.refresh_from_db()
    old = {key: text for key, _label, text in version_sections(product.listed_version)}
    new = {key: text for key, _label, text in version_sections(draft)}
    changed = {key for key in new if new[key] != old.get(key)}
    assert {"api_quota_unit", "service_forms", "api_endpoints"} <= changed
    assert new["service_forms"] == "Phone support\nE-mail support"
    assert new["api_endpoints"] == "GET /v2/x X"
