"""Publishing in a real browser: a seller publishes a SaaS product and a manual-service
product, the operator approves one and rejects the other in the admin, and a buyer finds
the approved one by a Chinese search term and reads its service-support tab."""

import pytest

from marketplace.catalog.models import Product
from tests.conftest import browser_log_in
from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.catalog import CategoryFactory
from tests.factories.sellers import ActiveSellerFactory, ServiceGroupFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AGREEMENT = (
    "本协议由买卖双方在线订立，买家勾选同意后生效。\nThe seller provides the service as described."
)


def publish(page, base, *, delivery_type, name, extra, billing_mode, period, amount):
    """Fill the guided form, add one spec with one price, submit for review."""
    page.goto(base + "/seller/products/new/")
    page.check(f"input[name=delivery_type][value={delivery_type}]")
    page.click("main form button[type=submit]")
    page.fill("#id_name", name)
    page.select_option("#id_category", index=1)
    page.fill("#id_summary", f"{name} summary")
    page.fill("#id_description", f"{name}: what it does and for whom.")
    page.select_option("#id_service_group", index=1)
    page.fill("#id_usage_guide", "Log in with the account sent by e-mail.")
    page.fill("#id_agreement_text", AGREEMENT)
    for selector, value in extra.items():
        if page.locator(selector).evaluate("e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/seller/products/*/")
    product_url = page.url

    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(product_url + "specs/new/")
    # The spec code is generated from the name (editable under "Advanced").
    assert not page.is_visible("#id_code")
    page.fill("#id_name", "Standard")
    assert not page.is_visible("#id_trial_days")
    page.select_option("#id_billing_mode", "trial" if delivery_type == "saas" else billing_mode)
    if delivery_type == "saas":
        assert page.is_visible("#id_trial_days")  # shown only for a trial
    page.select_option("#id_billing_mode", billing_mode)
    assert not page.is_visible("#id_trial_days")
    # The form starts with one price row; an added row left empty is ignored.
    page.click("button[name=add][value=price]")
    page.wait_for_selector("[data-testid=price-rows] tbody tr:nth-child(2)")
    page.select_option("[data-testid=price-rows] select[name$=period]", period)
    page.fill("[data-testid=price-rows] input[name$=amount]", amount)
    page.click("#spec-form button.btn-primary")
    page.wait_for_url(product_url)
    assert errors == []

    page.click("form[action$='/submit/'] button")
    page.wait_for_load_state()
    return Product.objects.get(name="", versions__name=name)


def test_publish_review_and_find(live_server, browser_page):
    page, base = browser_page, live_server.url
    CategoryFactory(slug="office", name_en="Office", name_zh="办公")
    seller = ActiveSellerFactory()
    seller.user.set_password(PASSWORD)
    seller.user.save()
    ServiceGroupFactory(seller=seller)
    UserFactory(username="ops", is_staff=True, is_superuser=True)
    UserFactory(username="buyer")

    browser_log_in(page, base, seller.user.username, PASSWORD)
    saas = publish(
        page,
        base,
        delivery_type="saas",
        name="云端协同办公 CloudDesk",
        extra={},
        billing_mode="period",
        period="month",
        amount="99.00",
    )
    manual = publish(
        page,
        base,
        delivery_type="manual_service",
        name="网站搭建服务 SiteBuild",
        extra={"#id_flow_template": "site_building", "#id_avg_delivery_days": "10"},
        billing_mode="one_off",
        period="once",
        amount="3000.00",
    )
    assert {saas.status, manual.status} == {Product.Status.PENDING_REVIEW}

    # The operator approves the SaaS product and rejects the manual service.
    page.goto(base + "/accounts/logout/")  # a GET asks; the button logs out
    page.click("[data-testid=confirm-log-out]")
    browser_log_in(page, base, "ops", PASSWORD)
    page.goto(base + "/admin/catalog/productversion/")
    page.check(f"input.action-select[value='{saas.versions.get().pk}']")
    page.select_option("select[name=action]", "approve")
    page.click("button[name=index]")
    page.wait_for_load_state()
    page.check(f"input.action-select[value='{manual.versions.get().pk}']")
    page.select_option("select[name=action]", "reject")
    page.click("button[name=index]")
    page.fill("textarea[name=reason]", "The average delivery time is not credible.")
    page.click("input[type=submit][value]")
    page.wait_for_load_state()
    saas.refresh_from_db()
    manual.refresh_from_db()
    assert saas.status == Product.Status.LISTED
    assert manual.status == Product.Status.REJECTED

    # A buyer finds the listed product by a Chinese substring and reads its support tab.
    page.goto(base + "/accounts/logout/")  # a GET asks; the button logs out
    page.click("[data-testid=confirm-log-out]")
    browser_log_in(page, base, "buyer", PASSWORD)
    page.goto(base + "/")
    page.fill("[data-testid=hero-search] input[name=q]", "协同")
    page.click("[data-testid=hero-search] button")
    page.wait_for_load_state()
    results = page.locator("main").inner_text()
    assert "云端协同办公 CloudDesk" in results
    assert "网站搭建服务" not in results
    page.click("text=云端协同办公 CloudDesk")
    page.click("[data-testid=support-tab]")
    support = page.locator("[data-testid=support]")
    support.wait_for(state="visible")
    assert "本协议由买卖双方在线订立" in support.inner_text()
