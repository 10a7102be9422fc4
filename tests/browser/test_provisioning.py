"""Provisioning in a real browser (issue 9 › Done when): with the real sample ISV on a
free loopback port serving a listed SaaS product, a buyer buys and pays it through the
pages; the call is dispatched (eagerly after the payment's commit, and `calls_dispatch`
once more from the test); the buyer's purchased service shows the instance URL the sample
ISV handed out. Then the seller opens the interface debugging console, sends a
newInstance test call (a passing verdict) and runs the conformance run (passed). No
console error anywhere."""

from decimal import Decimal

import pytest

from orders.models import Order, ProvisioningCall, Subscription
from orders.provisioning import calls_dispatch
from tests.browser.test_checkout import text, watch_errors
from tests.conftest import browser_log_in
from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.buyers import WalletFactory
from tests.factories.catalog import listed_product
from tests.factories.isv import ProductInterfaceFactory
from tests.factories.sellers import ActiveSellerFactory
from tests.orders.isv_helpers import isv  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_buy_saas_see_instance_url_then_debug_the_interface(live_server, browser_page, isv):  # noqa: F811
    page = browser_page
    errors = watch_errors(page)
    seller = ActiveSellerFactory()
    product = listed_product(seller=seller, name="Cloud Office")  # Standard: 99 / 999
    ProductInterfaceFactory(product=product, production_url=f"{isv.url}/produce")
    buyer = UserFactory(username="buyer-provisioned")
    WalletFactory(buyer=buyer, balance=Decimal("500.00"))
    base = live_server.url

    # The buyer buys Standard monthly and pays from the balance.
    browser_log_in(page, base, buyer.username, PASSWORD)
    page.goto(f"{base}/products/{product.pk}/")
    page.locator("[data-testid=buy-spec]", has_text="Standard").click()
    page.wait_for_selector("[data-testid=checkout-form]")
    page.check("#id_agreement_accepted")
    page.click("[data-testid=place-order]")
    page.wait_for_selector("[data-testid=pay-form]")
    page.click("[data-testid=pay-button]")
    page.wait_for_selector("[data-testid=order-status]")
    order = Order.objects.get(buyer=buyer, kind=Order.Kind.NEW)
    assert order.status == Order.Status.PROCESSING  # paid, its supervision case opened (11)

    # Dispatch: the payment's after-commit kick ran eagerly; anything left goes now.
    calls_dispatch()
    call = ProvisioningCall.objects.get(order=order)
    assert call.activity == ProvisioningCall.Activity.NEW_INSTANCE
    assert call.status == ProvisioningCall.Status.SUCCEEDED, call.last_error
    subscription = Subscription.objects.get(pk=order.subscription_id)
    assert subscription.status == Subscription.Status.ACTIVE
    front_end_url = subscription.access_info["frontEndUrl"]
    assert front_end_url == f"{isv.url}/app/{subscription.instance_id}"
    assert isv.state()["instances"] == {order.number: 1}  # exactly one instance

    # Purchased services › the service: the instance URL from the sample ISV.
    page.goto(f"{base}/orders/services/{subscription.pk}/")
    link = page.locator("[data-testid=instance-front-end-url]")
    assert link.inner_text().strip() == front_end_url
    assert link.get_attribute("href") == front_end_url

    # The seller: Application tools › Interface debugging, newInstance with testFlag 1.
    page.context.clear_cookies()
    browser_log_in(page, base, seller.user.username, PASSWORD)
    page.goto(f"{base}/seller/interface-console/?product={product.pk}&activity=newInstance")
    page.wait_for_selector("[data-testid=console-form]")
    assert '"testFlag": "1"' in page.input_value("#id_body")
    page.click("[data-testid=console-send]")
    verdict = page.wait_for_selector("#console-output [data-testid=verdict]")
    assert verdict.get_attribute("data-ok") == "true", text(page, "console-result")
    assert text(page, "result-code") == "000000"

    # The conformance run: idempotency, tampered signature, stale timestamp, query.
    page.click("[data-testid=conformance-run]")
    verdict = page.wait_for_selector("#console-output [data-testid=conformance-verdict]")
    assert verdict.get_attribute("data-ok") == "true", text(page, "conformance")
    rows = page.locator("[data-testid=conformance] li.list-group-item")
    assert rows.count() == 4
    assert page.locator("[data-testid=conformance] li[data-ok=false]").count() == 0

    # Debugging calls stored nothing on the sample ISV: still the one real instance.
    assert isv.state()["instances"] == {order.number: 1}
    assert errors == []
