"""An e-invoice in a real browser (issue 13 › Done when), in English and in Chinese: the
buyer ticks a paid order on my orders and asks for an e-invoice for it; the seller finds
the request in the seller center and uploads the invoice PDF; the buyer sees it issued and
downloads it (the bytes are a PDF). No console error anywhere.

    .venv/bin/pytest tests/browser/test_invoices.py -q -p no:cacheprovider
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.urls import reverse
from django.utils import translation

from invoices.models import InvoiceRequest
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, _wait_for_live_server_requests, browser_log_in
from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.catalog import listed_product
from tests.factories.invoices import company_title
from tests.factories.orders import PaidOrderFactory
from tests.factories.sellers import ActiveSellerFactory
from tests.factories.supervision import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 800}


@pytest.fixture
def browser(live_server):
    """One headless Chromium; each party gets a context (a session) of its own."""
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        connections.close_all()
        chromium.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    _wait_for_live_server_requests()


class Party:
    """A person at a browser: signed in, in `language`, collecting console errors."""

    def __init__(self, browser, base: str, user, language: str, name: str) -> None:
        self.base, self.language = base, language
        locale = "zh-CN" if language == "zh-hans" else "en-US"
        self.context = browser.new_context(viewport=DESKTOP, locale=locale, accept_downloads=True)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"{name}: {exc}"))
        self.page.on(
            "console",
            lambda msg: self.errors.append(f"{name}: {msg.text}") if msg.type == "error" else None,
        )
        browser_log_in(self.page, base, user.username, PASSWORD)
        self.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}]
        )

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)
        assert self.page.locator("html").get_attribute("lang") == self.language

    def testid(self, testid: str):
        return self.page.locator(f"[data-testid={testid}]").first

    def submit(self, locator) -> None:
        with self.page.expect_navigation():
            locator.click()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_buyer_asks_for_an_e_invoice_the_seller_uploads_it_she_downloads_it(
    language, live_server, browser, tmp_path: Path
):
    seller = ActiveSellerFactory(user__language=language)
    product = listed_product(seller=seller, name="CloudDesk")
    buyer = UserFactory(language=language)
    order = PaidOrderFactory(buyer=buyer, product=product)
    company_title(buyer)
    alice = Party(browser, live_server.url, buyer, language, "buyer")
    shop = Party(browser, live_server.url, seller.user, language, "seller")

    # My orders: tick the paid order, ask for an invoice; then an e-invoice for it.
    alice.go(reverse("orders:list"))
    alice.testid(f"invoice-order-{order.number}").check()
    alice.submit(alice.testid("ask-invoice-orders"))
    assert f"orders={order.pk}" in alice.page.url
    alice.testid("invoice-request-form").wait_for()
    alice.submit(alice.testid("ask-e-invoice"))
    invoice = InvoiceRequest.objects.get(buyer=buyer)
    assert alice.page.url.endswith(reverse("invoices:detail", args=[invoice.pk]))
    assert invoice.kind == InvoiceRequest.Kind.E_INVOICE
    assert invoice.status == InvoiceRequest.Status.REQUESTED
    # The order now links to its request instead of offering to ask again.
    alice.go(reverse("orders:detail", args=[order.number]))
    assert alice.page.locator("[data-testid=ask-invoice]").count() == 0
    assert alice.testid("order-invoice-link").get_attribute("href") == reverse(
        "invoices:detail", args=[invoice.pk]
    )

    # The seller center: the request in the list, its page, the PDF uploaded.
    shop.go(reverse("seller:invoice_list"))
    detail = reverse("seller:invoice_detail", args=[invoice.pk])
    link = shop.page.locator(f"[data-testid=seller-invoice-list] a[href='{detail}']")
    shop.submit(link)
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(PDF_BYTES)
    form = shop.testid("issue-form")
    form.locator("input[type=file]").set_input_files(str(pdf))
    shop.submit(form.locator("button[type=submit]"))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceRequest.Status.ISSUED
    assert invoice.file

    # The buyer: issued, and the download is the PDF.
    alice.go(reverse("invoices:detail", args=[invoice.pk]))
    with translation.override(language):
        assert alice.testid("invoice-status").inner_text() == invoice.get_status_display()
    href = alice.testid("invoice-download").get_attribute("href")
    answer = alice.context.request.get(live_server.url + href)
    assert answer.ok
    assert answer.body().startswith(b"%PDF")
    # The link opens the PDF in the browser's viewer; saved as a file instead (same origin):
    link = alice.testid("invoice-download")
    link.evaluate("(a) => a.setAttribute('download', '')")
    with alice.page.expect_download() as caught:
        link.click()
    saved = Path(caught.value.path())
    assert saved.read_bytes().startswith(b"%PDF")

    assert not alice.errors + shop.errors
