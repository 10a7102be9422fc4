"""Buying in a real browser (issue 8): a buyer with a balance and a voucher of the seller
opens a listed SaaS product, picks the yearly period, confirms with the voucher (the
breakdown re-quoted by htmx shows it deducted), ticks the agreement, places and pays the
order from the balance; then renews the purchased service, pays the renewal, and
unsubscribes it: a renewal not yet effective is refunded in full, at once. The wallet
page shows the balance moved by exactly those amounts. No console error anywhere."""

from decimal import Decimal

import pytest

from buyers.models import VoucherGrant, Wallet
from orders.models import Order, Subscription, Unsubscription
from orders.services.subscriptions import subscription_activate
from tests.conftest import browser_log_in
from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.buyers import VoucherFactory, VoucherGrantFactory, WalletFactory
from tests.factories.catalog import listed_product
from tests.factories.sellers import ActiveSellerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None,
    )
    return errors


def text(page, testid: str) -> str:
    return " ".join(page.locator(f"[data-testid={testid}]").first.inner_text().split())


def test_buy_pay_renew_and_unsubscribe_the_renewal(live_server, browser_page, settings):
    # The product has no production interface: the seller's server is stood in for below
    # (subscription_activate); tests/browser/test_provisioning.py buys against a real one.
    settings.PROVISIONING_DISPATCHER = "orders.provisioning.NullDispatcher"
    page = browser_page
    errors = watch_errors(page)
    seller = ActiveSellerFactory()
    product = listed_product(seller=seller, name="Cloud Office")  # Standard: 99 / 999
    buyer = UserFactory(username="buyer-browser")
    WalletFactory(buyer=buyer, balance=Decimal("2000.00"))
    grant = VoucherGrantFactory(
        voucher=VoucherFactory(seller=seller, name="Welcome 50", amount=Decimal("50.00")),
        buyer=buyer,
    )
    base = live_server.url
    browser_log_in(page, base, buyer.username, PASSWORD)

    # The product page's "Buy Standard" opens the confirm page.
    page.goto(f"{base}/products/{product.pk}/")
    page.locator("[data-testid=buy-spec]", has_text="Standard").click()
    page.wait_for_selector("[data-testid=checkout-form]")
    assert text(page, "quote-amount") == "¥99.00"

    # Yearly, then the voucher: each change re-quotes the breakdown (htmx).
    page.select_option("#id_period", "year")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=quote-list]').textContent.includes('999')"
    )
    page.check(f"input[name=vouchers][value='{grant.pk}']")
    page.wait_for_selector("[data-testid=quote-vouchers]")
    assert text(page, "quote-list") == "¥999.00"
    assert text(page, "quote-vouchers") == "−¥50.00"
    assert text(page, "quote-amount") == "¥949.00"

    # The agreement ticked, the order placed: the pay page, paid from the balance.
    page.check("#id_agreement_accepted")
    page.click("[data-testid=place-order]")
    page.wait_for_selector("[data-testid=pay-form]")
    assert text(page, "pay-amount") == "¥949.00"
    assert page.locator("input[name=method][value=balance]").is_checked()
    page.click("[data-testid=pay-button]")
    page.wait_for_selector("[data-testid=order-status]")
    order = Order.objects.get(buyer=buyer, kind=Order.Kind.NEW)
    # A new period order of a supervised type is paid and handed to supervision (11).
    assert page.locator("[data-testid=order-status]").get_attribute("data-status") == "processing"
    assert order.status == Order.Status.PROCESSING and order.paid_balance == Decimal("949.00")
    assert VoucherGrant.objects.get(pk=grant.pk).status == VoucherGrant.Status.USED

    # Provisioning (04) reports the instance: the service is in use and can be renewed.
    subscription_activate(subscription=order.subscription, instance_id="office-1")

    # Purchased services › Manage › renew one month, pay it.
    page.goto(f"{base}/orders/services/")
    page.locator("[data-testid=service-row]").first.get_by_role("link", name="Manage").click()
    page.wait_for_selector("[data-testid=renew-card] form")
    page.select_option("[data-testid=renew-card] select[name=period]", "month")
    page.fill("[data-testid=renew-card] input[name=periods]", "1")
    page.locator("[data-testid=renew-card] button[type=submit]").click()
    page.wait_for_selector("[data-testid=pay-form]")
    assert text(page, "pay-amount") == "¥99.00"
    page.click("[data-testid=pay-button]")
    page.wait_for_selector("[data-testid=order-status]")
    renewal = Order.objects.get(buyer=buyer, kind=Order.Kind.RENEWAL)
    assert renewal.status == Order.Status.PAID
    subscription = Subscription.objects.get(pk=order.subscription_id)
    assert subscription.expires_at == renewal.ends_at > renewal.effective_at

    # Ask to unsubscribe the renewal: not yet effective, so refunded in full at once.
    page.goto(f"{base}/orders/services/{subscription.pk}/")
    row = page.locator("[data-testid=unsubscribe-card] tr", has_text=renewal.number)
    row.get_by_role("link", name="Unsubscribe").click()
    page.wait_for_selector("[data-testid=unsubscribe-rule]")
    assert "Renewal not yet effective: full refund" in text(page, "unsubscribe-rule")
    page.fill("textarea[name=reason]", "Renewed too early.")
    page.click("[data-testid=unsubscribe-submit]")
    page.wait_for_selector("[data-testid=unsubscription]")
    assert "Refunded ¥99.00" in text(page, "unsubscription")
    renewal.refresh_from_db()
    assert renewal.status == Order.Status.REFUNDED
    assert renewal.refunded_amount == Decimal("99.00")
    [request] = Unsubscription.objects.filter(order=renewal)
    assert request.status == Unsubscription.Status.APPROVED
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.expires_at == renewal.effective_at  # back to before the renewal

    # The wallet: 2000 − 949 (order) − 99 (renewal) + 99 (refund).
    page.goto(f"{base}/buyer/wallet/")
    assert text(page, "balance") == "¥1,051.00"
    assert Wallet.objects.get(buyer=buyer).balance == Decimal("1051.00")
    ledger = page.locator("[data-testid=ledger]").inner_text()
    for number in (order.number, renewal.number):
        assert number in ledger
    assert errors == []
