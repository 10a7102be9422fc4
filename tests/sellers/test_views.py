import html as html_lib

import pytest
from django.test import Client
from django.urls import reverse

from marketplace.core.audit import history_for
from sellers import exit_checks
from sellers.models import JointCertification, Seller, ServiceGroup
from tests.factories.accounts import EnterpriseUserFactory, UserFactory
from tests.factories.sellers import (
    ActiveSellerFactory,
    ApprovedSellerFactory,
    ExitedSellerFactory,
    ExitPendingSellerFactory,
    JointCertificationFactory,
    RejectedSellerFactory,
    SellerFactory,
    ServiceGroupFactory,
)

pytestmark = pytest.mark.django_db

# Pages that only an active seller may open (name, needs a group pk).
ACTIVE_ONLY = [
    ("seller:business_info_edit", False),
    ("seller:store_page", False),
    ("seller:joint_certification", False),
    ("seller:service_group_list", False),
    ("seller:service_group_create", False),
    ("seller:service_group_edit", True),
    ("seller:service_group_delete", True),
]
ALL_URLS = [
    ("seller:dashboard", False),
    ("seller:apply", False),
    ("seller:business_info", False),
    ("seller:region_cities", False),
    ("seller:region_districts", False),
    ("seller:exit", False),
    *ACTIVE_ONLY,
]


def url_for(name, needs_pk, pk=1):
    return reverse(name, kwargs={"pk": pk}) if needs_pk else reverse(name)


def login(client, user):
    client.force_login(user)
    return client


# --- who may open what ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "needs_pk"), ALL_URLS)
def test_anonymous_is_sent_to_login(client, name, needs_pk):
    url = url_for(name, needs_pk)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "needs_pk"), ACTIVE_ONLY)
def test_non_seller_gets_403_with_message(client, name, needs_pk):
    login(client, EnterpriseUserFactory())
    response = client.get(url_for(name, needs_pk, ServiceGroupFactory().pk))
    assert response.status_code == 403
    assert "onboard your company first" in response.content.decode()


@pytest.mark.parametrize(("name", "needs_pk"), ACTIVE_ONLY)
@pytest.mark.parametrize(
    "factory", [SellerFactory, RejectedSellerFactory, ApprovedSellerFactory, ExitedSellerFactory]
)
def test_non_active_seller_gets_403(client, name, needs_pk, factory):
    seller = factory()
    login(client, seller.user)
    response = client.get(url_for(name, needs_pk, ServiceGroupFactory().pk))
    assert response.status_code == 403
    assert seller.get_status_display() in response.content.decode()


@pytest.mark.parametrize("factory", [SellerFactory, RejectedSellerFactory, ExitedSellerFactory])
def test_business_info_and_exit_closed_before_approval(client, factory):
    login(client, factory().user)
    assert client.get(reverse("seller:business_info")).status_code == 403
    assert client.get(reverse("seller:exit")).status_code == 403


def test_non_seller_business_info_and_exit_403(client):
    login(client, UserFactory())
    assert client.get(reverse("seller:business_info")).status_code == 403
    assert client.get(reverse("seller:exit")).status_code == 403


@pytest.mark.parametrize("name", ["seller:service_group_edit", "seller:service_group_delete"])
def test_another_sellers_group_is_404(client, name):
    other = ServiceGroupFactory()
    login(client, ActiveSellerFactory().user)
    assert client.get(reverse(name, kwargs={"pk": other.pk})).status_code == 404
    assert client.post(reverse(name, kwargs={"pk": other.pk}), GROUP).status_code == 404
    assert ServiceGroup.objects.filter(pk=other.pk, name=other.name).exists()


@pytest.mark.parametrize(("name", "needs_pk"), ALL_URLS)
def test_active_seller_opens_every_page(client, name, needs_pk):
    group = ServiceGroupFactory()
    login(client, group.seller.user)
    response = client.get(url_for(name, needs_pk, group.pk))
    if name == "seller:apply":
        assert response.status_code == 302  # already a seller: back to the dashboard
    else:
        assert response.status_code == 200


def test_post_needs_csrf_token():
    seller = ActiveSellerFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(seller.user)
    response = client.post(reverse("seller:service_group_create"), GROUP)
    assert response.status_code == 403
    assert not ServiceGroup.objects.exists()


# --- navigation -----------------------------------------------------------------------------------


def test_nav_hides_pages_a_pending_seller_cannot_open(client):
    login(client, SellerFactory().user)
    html = client.get(reverse("seller:dashboard")).content.decode()
    assert reverse("seller:store_page") not in html
    assert reverse("seller:service_group_list") not in html
    assert reverse("seller:exit") not in html


def test_nav_shows_store_pages_to_an_active_seller(client):
    login(client, ActiveSellerFactory().user)
    html = client.get(reverse("seller:dashboard")).content.decode()
    for name in ("seller:store_page", "seller:service_group_list", "seller:exit"):
        assert reverse(name) in html
    assert reverse("seller:apply") not in html


# --- dashboard ------------------------------------------------------------------------------------


def test_dashboard_of_unverified_account_points_to_step_1(client):
    login(client, UserFactory())
    response = client.get(reverse("seller:dashboard"))
    html = response.content.decode()
    steps = response.context["steps"]
    assert [s.css for s in steps] == ["current", "", ""]
    assert reverse("seller:verify_enterprise") in html
    assert 'class="step current"' in html


def test_dashboard_of_verified_enterprise_points_to_application(client):
    login(client, EnterpriseUserFactory())
    response = client.get(reverse("seller:dashboard"))
    assert [s.css for s in response.context["steps"]] == ["done", "current", ""]
    assert reverse("seller:apply") in response.content.decode()


def test_dashboard_shows_rejection_reason(client):
    seller = RejectedSellerFactory(rejection_reason="Blurry licence")
    login(client, seller.user)
    html = client.get(reverse("seller:dashboard")).content.decode()
    assert "Blurry licence" in html
    assert "Correct and resubmit" in html


def test_dashboard_of_approved_seller_points_to_business_info(client):
    login(client, ApprovedSellerFactory().user)
    response = client.get(reverse("seller:dashboard"))
    assert [s.css for s in response.context["steps"]] == ["done", "done", "current"]
    assert reverse("seller:business_info") in response.content.decode()


def test_dashboard_of_active_seller_shows_real_data(client):
    seller = ActiveSellerFactory()
    ServiceGroupFactory.create_batch(2, seller=seller)
    JointCertificationFactory(seller=seller, status=JointCertification.Status.APPROVED)
    login(client, seller.user)
    response = client.get(reverse("seller:dashboard"))
    assert response.context["service_group_count"] == 2
    html = response.content.decode()
    assert 'data-testid="service-group-count">2<' in html
    assert "Approved" in html


def test_dashboard_of_exited_seller(client):
    login(client, ExitedSellerFactory().user)
    html = client.get(reverse("seller:dashboard")).content.decode()
    assert "can never onboard again" in html


# --- onboarding flow ------------------------------------------------------------------------------

APPLICATION = {
    "store_name": "Cloud Tools",
    "business_scope": "DevOps SaaS",
    "contact_name": "Wang Wu",
    "contact_mobile": "13700137000",
    "contact_email": "wang@example.com",
}


def test_apply(client):
    user = EnterpriseUserFactory()
    login(client, user)
    assert client.get(reverse("seller:apply")).status_code == 200
    response = client.post(reverse("seller:apply"), APPLICATION)
    assert response.status_code == 302
    assert Seller.objects.get(user=user).status == Seller.Status.PENDING


def test_apply_shows_field_errors(client):
    login(client, EnterpriseUserFactory())
    response = client.post(reverse("seller:apply"), {**APPLICATION, "contact_mobile": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors["contact_mobile"]
    assert not Seller.objects.exists()


def test_apply_without_enterprise_verification_goes_back(client):
    login(client, UserFactory())
    response = client.post(reverse("seller:apply"), APPLICATION)
    assert response.status_code == 302
    assert not Seller.objects.exists()


def test_exited_account_cannot_apply(client):
    seller = ExitedSellerFactory()
    login(client, seller.user)
    response = client.post(reverse("seller:apply"), APPLICATION, follow=True)
    assert "can never onboard again" in response.content.decode()
    seller.refresh_from_db()
    assert seller.status == Seller.Status.EXITED


def test_rejected_seller_resubmits(client):
    seller = RejectedSellerFactory()
    login(client, seller.user)
    response = client.get(reverse("seller:apply"))
    assert response.context["form"].initial["store_name"] == seller.store_name
    client.post(reverse("seller:apply"), {**APPLICATION, "store_name": "Renamed"})
    seller.refresh_from_db()
    assert (seller.status, seller.store_name) == (Seller.Status.PENDING, "Renamed")


def business_post(logo, **overrides):
    data = {
        "province": "广东省",
        "city": "深圳市",
        "district": "南山区",
        "address_detail": "科技园 1 号",
        "has_marketplace_contact": "no",
        "logo": logo,
    }
    data.update(overrides)
    return data


def test_business_info_certify(client, image_file):
    seller = ApprovedSellerFactory()
    login(client, seller.user)
    response = client.post(reverse("seller:business_info"), business_post(image_file()))
    assert response.status_code == 302
    seller.refresh_from_db()
    assert seller.status == Seller.Status.ACTIVE
    # Afterwards the page shows what was certified and refuses another POST.
    html = client.get(reverse("seller:business_info")).content.decode()
    assert "南山区" in html
    assert client.post(reverse("seller:business_info"), {}).status_code == 403


def test_business_info_contact_required_when_yes(client, image_file):
    seller = ApprovedSellerFactory()
    login(client, seller.user)
    response = client.post(
        reverse("seller:business_info"),
        business_post(image_file(), has_marketplace_contact="yes"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {
        "marketplace_contact_name",
        "marketplace_contact_mobile",
        "marketplace_contact_email",
    }
    # The dependent lists are rebuilt from the submitted province and city.
    assert ("南山区", "南山区") in form.fields["district"].choices
    seller.refresh_from_db()
    assert seller.status == Seller.Status.APPROVED


def test_business_info_refuses_fake_logo(client, fake_image_file):
    seller = ApprovedSellerFactory()
    login(client, seller.user)
    response = client.post(reverse("seller:business_info"), business_post(fake_image_file))
    assert response.status_code == 200
    assert "not a valid image" in str(response.context["form"].errors["logo"])


def test_business_info_form_has_htmx_dependent_selects(client):
    login(client, ApprovedSellerFactory().user)
    html = client.get(reverse("seller:business_info")).content.decode()
    assert f'hx-get="{reverse("seller:region_cities")}"' in html
    assert f'hx-get="{reverse("seller:region_districts")}"' in html
    assert "广东省" in html


def test_region_partials(client):
    login(client, UserFactory())
    html = client.get(reverse("seller:region_cities"), {"province": "广东省"}).content.decode()
    assert '<option value="深圳市">' in html
    assert 'hx-swap-oob="innerHTML"' in html
    html = client.get(
        reverse("seller:region_districts"), {"province": "广东省", "city": "深圳市"}
    ).content.decode()
    assert '<option value="南山区">' in html
    html = client.get(reverse("seller:region_cities"), {"province": "nowhere"}).content.decode()
    assert html.count("<option") == 2  # the empty choice of each list


# --- store page, joint certification ------------------------------------------------------------


def test_store_page_saves_images_and_story(client, image_file):
    seller = ActiveSellerFactory()
    login(client, seller.user)
    response = client.post(
        reverse("seller:store_page"),
        {
            "brand_story": "Our story",
            "intro_images": [image_file("a.png", (780, 440)), image_file("b.png", (780, 440))],
        },
    )
    assert response.status_code == 302
    page = seller.store_page
    assert page.brand_story == "Our story"
    assert page.images.count() == 2


def test_store_page_refuses_wrong_size_and_fake_video(client, image_file, fake_video_file):
    seller = ActiveSellerFactory()
    login(client, seller.user)
    response = client.post(
        reverse("seller:store_page"),
        {"intro_images": [image_file(size=(100, 100))], "intro_video": fake_video_file},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "780×440" in str(errors["intro_images"])
    assert "MP4 or MOV" in str(errors["intro_video"])


def _joint_draft(seller, delivery_type="joint_saas", name="Joint Office"):
    from tests.factories.catalog_publishing import draft_product

    return draft_product(seller, delivery_type=delivery_type, certified=False, name=name)


def test_joint_certification_names_products_and_prefills_the_company(client, pdf_file):
    seller = ActiveSellerFactory()
    product = _joint_draft(seller)
    _joint_draft(seller, delivery_type="saas", name="Plain SaaS")  # not a joint product
    login(client, seller.user)
    response = client.get(reverse("seller:joint_certification"))
    form = response.context["form"]
    assert form.initial["credit_code"] == seller.credit_code
    assert form.fields["company_name"].disabled and form.fields["credit_code"].disabled
    assert [p.pk for p in form.fields["products"].queryset] == [product.pk]
    html = response.content.decode()
    assert "Joint Office" in html and "Plain SaaS" not in html  # drafts by their name
    assert 'data-testid="company-data"' in html
    verification = seller.user.enterprise_verification
    assert verification.legal_representative in html
    response = client.post(
        reverse("seller:joint_certification"),
        {
            # Disabled: whatever is posted, the onboarded company is certified.
            "company_name": "Someone Else Ltd.",
            "authorization_letter": pdf_file,
            "products": [product.pk],
        },
    )
    assert response.status_code == 302
    certification = seller.joint_certifications.get()
    assert certification.status == "pending"
    assert certification.company_name == seller.company_name
    assert list(certification.products.all()) == [product]
    page = client.get(reverse("seller:joint_certification"))
    assert "Joint Office" in page.content.decode()  # listed as covered
    # Every joint product is covered: nothing left to certify, no form.
    assert page.context["form"] is None
    assert 'data-testid="nothing-to-certify"' in page.content.decode()


def test_joint_certification_without_products_is_refused_on_the_field(client, pdf_file):
    seller = ActiveSellerFactory()
    _joint_draft(seller)
    login(client, seller.user)
    response = client.post(
        reverse("seller:joint_certification"), {"authorization_letter": pdf_file}
    )
    assert response.status_code == 200
    assert "products" in response.context["form"].errors
    assert not JointCertification.objects.exists()


def test_joint_certification_of_another_sellers_product_is_refused(client, pdf_file):
    seller = ActiveSellerFactory()
    _joint_draft(seller)
    other = _joint_draft(ActiveSellerFactory())
    login(client, seller.user)
    response = client.post(
        reverse("seller:joint_certification"),
        {"authorization_letter": pdf_file, "products": [other.pk]},
    )
    assert response.status_code == 200
    assert "products" in response.context["form"].errors
    assert not JointCertification.objects.exists()


def test_joint_certification_page_without_joint_products_points_to_creating_one(client):
    seller = ActiveSellerFactory()
    login(client, seller.user)
    response = client.get(reverse("seller:joint_certification"))
    assert response.context["form"] is None
    assert reverse("seller:product_create", args=["joint_saas"]) in response.content.decode()
    response = client.post(reverse("seller:joint_certification"), {}, follow=True)
    assert "already covered" in html_lib.unescape(response.content.decode())


# --- service groups -------------------------------------------------------------------------------

GROUP = {"name": "After-sales", "phone": "400-123-4567", "email": "a@example.com", "hours": "24/7"}


def test_service_group_crud(client):
    seller = ActiveSellerFactory()
    login(client, seller.user)
    assert client.post(reverse("seller:service_group_create"), GROUP).status_code == 302
    group = seller.service_groups.get()
    edit = reverse("seller:service_group_edit", kwargs={"pk": group.pk})
    assert client.get(edit).context["form"].initial["name"] == "After-sales"
    client.post(edit, {**GROUP, "name": "Pre-sales"})
    group.refresh_from_db()
    assert group.name == "Pre-sales"
    delete = reverse("seller:service_group_delete", kwargs={"pk": group.pk})
    assert client.get(delete).status_code == 200
    assert client.post(delete).status_code == 302
    assert not ServiceGroup.objects.exists()


def test_service_group_duplicate_name_on_field(client):
    group = ServiceGroupFactory(name="Sales")
    login(client, group.seller.user)
    response = client.post(reverse("seller:service_group_create"), {**GROUP, "name": "Sales"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]


def test_service_group_list_query_count(client, django_assert_num_queries):
    seller = ActiveSellerFactory()
    ServiceGroupFactory.create_batch(3, seller=seller)
    ServiceGroupFactory()  # another seller's: not shown
    login(client, seller.user)
    url = reverse("seller:service_group_list")
    # session, user, seller, groups
    with django_assert_num_queries(4):
        response = client.get(url)
    assert len(response.context["groups"]) == 3
    ServiceGroupFactory.create_batch(5, seller=seller)
    with django_assert_num_queries(4):
        client.get(url)


# --- exit ---------------------------------------------------------------------------------------


def test_exit_request_and_withdraw(client):
    seller = ActiveSellerFactory()
    login(client, seller.user)
    assert client.post(reverse("seller:exit"), {"reason": "Closing"}).status_code == 302
    seller.refresh_from_db()
    assert seller.status == Seller.Status.EXIT_PENDING
    html = client.get(reverse("seller:exit")).content.decode()
    assert reverse("seller:exit_withdraw") in html
    client.post(reverse("seller:exit_withdraw"))
    seller.refresh_from_db()
    assert seller.status == Seller.Status.ACTIVE
    assert [r.action for r in history_for(seller)] == ["request_exit", "withdraw_exit"]


def test_exit_blocked_shows_reasons(client):
    exit_checks.register(lambda seller: ["1 product is still listed: delist it first."])
    seller = ActiveSellerFactory()
    login(client, seller.user)
    assert "still listed" in client.get(reverse("seller:exit")).content.decode()
    response = client.post(reverse("seller:exit"), {"reason": ""})
    assert response.status_code == 200
    assert "can't leave the marketplace yet" in html_lib.unescape(response.content.decode())
    seller.refresh_from_db()
    assert seller.status == Seller.Status.ACTIVE


def test_withdraw_when_not_pending_reports_error(client):
    seller = ActiveSellerFactory()
    login(client, seller.user)
    response = client.post(reverse("seller:exit_withdraw"), follow=True)
    assert "can't be done" in html_lib.unescape(response.content.decode())
    assert client.get(reverse("seller:exit_withdraw")).status_code == 405


def test_exit_pending_seller_sees_exit_page_but_not_store_pages(client):
    login(client, ExitPendingSellerFactory().user)
    assert client.get(reverse("seller:exit")).status_code == 200
    assert client.get(reverse("seller:business_info")).status_code == 200
    assert client.get(reverse("seller:store_page")).status_code == 403


def test_active_seller_dashboard_counts_products_by_status(client):
    from marketplace.catalog.models import Product
    from tests.factories.catalog import draft_product, listed_product

    seller = ActiveSellerFactory()
    listed_product(seller=seller)
    listed_product(seller=seller)
    draft_product(seller=seller)
    listed_product()  # another seller's product is not counted
    Product.objects.filter(seller=seller, status="draft").update(status="rejected")
    login(client, seller.user)
    response = client.get(reverse("seller:dashboard"))
    assert response.context["product_counts"]["listed"] == 2
    assert response.context["product_counts"]["rejected"] == 1
    assert response.context["product_counts"]["pending_review"] == 0
    assert 'data-count="listed">2<' in response.content.decode()


# --- next steps of a new active seller (issue 7 item 11) ------------------------------------------


def test_new_active_seller_dashboard_lists_the_next_steps_with_links(client):
    seller = ActiveSellerFactory()
    login(client, seller.user)
    response = client.get(reverse("seller:dashboard"))
    steps = response.context["next_steps"]
    assert [(s.key, s.done) for s in steps] == [
        ("service_group", False),
        ("product", False),
        ("store_page", False),
    ]
    html = response.content.decode()
    assert 'data-testid="next-steps"' in html
    for name in ("seller:service_group_create", "seller:product_new", "seller:store_page"):
        assert f'href="{reverse(name)}"' in html


def test_next_steps_are_ticked_off_and_go_once_all_are_done(client):
    from marketplace.catalog.models import Product
    from tests.factories.catalog import draft_product
    from tests.factories.sellers import StorePageFactory

    seller = ActiveSellerFactory()
    ServiceGroupFactory(seller=seller)
    draft_product(seller=seller)  # a draft alone is not published yet
    login(client, seller.user)
    steps = client.get(reverse("seller:dashboard")).context["next_steps"]
    assert [s.done for s in steps] == [True, False, False]
    assert 'data-done="true"' in client.get(reverse("seller:dashboard")).content.decode()
    Product.objects.filter(seller=seller).update(status="pending_review")
    StorePageFactory(seller=seller)
    response = client.get(reverse("seller:dashboard"))
    assert "next_steps" not in response.context
    assert 'data-testid="next-steps"' not in response.content.decode()


# --- exit waits for delisting (issue 6 item 11) ---------------------------------------------


@pytest.fixture
def catalog_exit_step():
    """The catalog's exit step, which the sellers' conftest otherwise keeps out."""
    from marketplace.catalog.services.exit import EXIT_STEP

    exit_checks.register_step(EXIT_STEP)


def test_seller_with_listed_products_applies_and_sees_the_delisting(client, catalog_exit_step):
    from marketplace.catalog.models import DelistRequest
    from tests.factories.catalog_publishing import listed_product

    seller = ActiveSellerFactory()
    listed_product(seller, name="Cloud Office")
    login(client, seller.user)
    html = client.get(reverse("seller:exit")).content.decode()
    assert 'data-testid="exit-delisting"' in html
    assert 'data-testid="exit-blocking"' not in html
    response = client.post(reverse("seller:exit"), {"reason": "Closing"}, follow=True)
    assert "an operator delists your listed products" in html_lib.unescape(
        response.content.decode()
    )
    seller.refresh_from_db()
    assert seller.status == Seller.Status.EXIT_PENDING
    assert DelistRequest.objects.filter(seller=seller, status="open").count() == 1
    html = client.get(reverse("seller:exit")).content.decode()
    assert 'data-testid="delist-requests"' in html
    assert "Cloud Office" in html
    assert "Waiting for an operator" in html


def test_exit_pending_without_listed_products_waits_for_the_operator(client):
    login(client, ExitPendingSellerFactory().user)
    html = client.get(reverse("seller:exit")).content.decode()
    assert "an operator confirms your exit" in html
