"""A supervised order in a real browser (issue 11 › Done when), in English and in Chinese:
the buyer pays for a standard manual service (the payment opens its case), gives the
requirements with a file; the seller confirms them and delivers with a result and an
acceptance file; the buyer rejects once with a reason; the seller delivers again; the
buyer appeals; an operator decides in the admin: back to the seller; the seller delivers
a third time; the buyer accepts - asked again first - and the case completes. Both
centers' dashboards count the cases waiting for each; the log's chain holds; no console
error anywhere. Screenshots of the case pages at desktop and phone width go to
`test-results/supervision/`.

    .venv/bin/pytest tests/browser/test_supervision.py -q -p no:cacheprovider
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from marketplace.catalog.models import DeliveryType
from orders.models import Order
from supervision.flows import Node
from supervision.models import Appeal, Case, SupervisionStatus
from supervision.services import verify_chain
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, _wait_for_live_server_requests, browser_log_in
from tests.factories.accounts import PASSWORD, SupportFactory, UserFactory
from tests.factories.buyers import WalletFactory
from tests.factories.catalog import listed_product
from tests.factories.sellers import ActiveSellerFactory
from tests.factories.supervision import ONE_OFF, PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "test-results" / "supervision"
DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}


def pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF_BYTES}


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
        self.base, self.language, self.name = base, language, name
        locale = "zh-CN" if language == "zh-hans" else "en-US"
        self.context = browser.new_context(viewport=DESKTOP, locale=locale)
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

    def node(self) -> str:
        return self.testid("case-node").get_attribute("data-node")

    def act(self, action: str, fields: dict | None = None, files: dict | None = None) -> None:
        """Fill the action's card on the case page and send it."""
        card = self.testid(f"action-{action}")
        for field, value in (fields or {}).items():
            card.locator(f"[name='{action}-{field}']").fill(value)
        for field, uploads in (files or {}).items():
            card.locator(f"input[name='{action}-{field}']").set_input_files(uploads)
        with self.page.expect_navigation():
            card.locator(f"[data-testid=submit-{action}]").click()
        self.testid("case-node").wait_for()

    def message(self) -> str:
        return " ".join(self.page.locator(".alert").all_inner_texts())

    def shoot(self, label: str) -> None:
        """The page at desktop and phone width (full page), then back to desktop."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            self.page.set_viewport_size(viewport)
            self.page.screenshot(
                path=SHOTS / f"{self.language}-{label}-{width}.png", full_page=True
            )
            if width == "phone":
                wide = self.page.evaluate("() => document.documentElement.scrollWidth")
                assert wide <= PHONE["width"] + 1, f"{label}: the page scrolls sideways"
        self.page.set_viewport_size(DESKTOP)


def said(language: str, message: str) -> str:
    with translation.override(language):
        return _(message)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_standard_case_from_payment_to_acceptance(language, live_server, browser):
    base = live_server.url
    seller = ActiveSellerFactory(user__language=language)
    product = listed_product(
        seller=seller,
        name="Database Migration",
        delivery_type=DeliveryType.MANUAL_SERVICE,
        specs=ONE_OFF,
        avg_delivery_days=5,
        flow_template="standard",
    )
    spec = product.listed_version.specs.get()
    buyer = UserFactory(username=f"buyer-{language}", language=language)
    WalletFactory(buyer=buyer, balance=Decimal("2000.00"))
    operator = SupportFactory(username=f"support-{language}", language=language)

    # --- the buyer pays: the payment opens the case -----------------------------------------
    alice = Party(browser, base, buyer, language, "buyer")
    alice.go(reverse("orders:checkout", kwargs={"product_id": product.pk, "spec_code": spec.code}))
    alice.page.check("#id_agreement_accepted")
    alice.page.click("[data-testid=place-order]")
    alice.page.wait_for_selector("[data-testid=pay-form]")
    alice.page.click("[data-testid=pay-button]")
    alice.page.wait_for_selector("[data-testid=order-status]")
    order = Order.objects.get(buyer=buyer)
    case = Case.objects.get(order=order)
    assert (case.flow, case.node) == ("standard", Node.REQUIREMENTS)

    # Her dashboard counts it; its link lists the cases waiting for her.
    alice.go(reverse("buyer:dashboard"))
    assert alice.testid("supervision-todo").inner_text().strip() == "1"
    alice.page.locator(f"a[href='{reverse('supervision:list')}?todo=on']").click()
    alice.testid("case-list").wait_for()
    alice.shoot("buyer-list")
    alice.page.locator(f"[data-case='{case.pk}'] a").first.click()
    alice.testid("case-node").wait_for()
    assert alice.node() == Node.REQUIREMENTS
    alice.act(
        "submit_requirements",
        {"requirements": "Migrate our MySQL 5.7 database (40 GB) to 8.0."},
        {"files": [pdf("schema.pdf")]},
    )
    assert alice.node() == Node.REQUIREMENTS_REVIEW
    assert said(language, "Requirements submitted: the seller is told.") in alice.message()

    # --- the seller confirms and delivers ----------------------------------------------------
    bob = Party(browser, base, seller.user, language, "seller")
    bob.go(reverse("seller:dashboard"))
    assert bob.testid("supervision-todo").inner_text().strip() == "1"
    bob.page.locator(f"a[href='{reverse('seller:supervision_list')}?todo=on']").click()
    bob.testid("case-list").wait_for()
    bob.shoot("seller-list")
    bob.page.locator(f"[data-case='{case.pk}'] a").first.click()
    bob.testid("case-node").wait_for()
    assert "Migrate our MySQL 5.7" in bob.testid("requirements").inner_text()
    bob.act("confirm_requirements", {"comment": "Clear, starting tomorrow."})
    assert bob.node() == Node.IMPLEMENTING
    bob.act(
        "mark_delivered",
        {"description": "Migrated; row counts match."},
        {"files": [pdf("migration-report.pdf")]},
    )
    assert bob.node() == Node.ACCEPTANCE
    bob.shoot("seller-case")

    # --- the buyer rejects once, with a reason -----------------------------------------------
    case_path = reverse("supervision:detail", kwargs={"pk": case.pk})
    alice.go(case_path)
    assert alice.node() == Node.ACCEPTANCE
    alice.act("reject", {"reason": "Two tables are missing."})
    assert alice.node() == Node.IMPLEMENTING
    assert Case.objects.get(pk=case.pk).rejection_count == 1

    seller_path = reverse("seller:supervision_detail", kwargs={"pk": case.pk})
    bob.go(seller_path)
    assert "Two tables are missing." in bob.testid("case-log").inner_text()
    bob.act(
        "mark_delivered", {"description": "Added the two tables."}, {"files": [pdf("report-2.pdf")]}
    )

    # --- the buyer appeals; an operator decides in the admin: back to the seller ------------
    alice.go(case_path)
    alice.act(
        "appeal_open",
        {"reason": "The data is still incomplete and the seller doesn't answer."},
        {"files": [pdf("diff.pdf")]},
    )
    assert alice.testid("frozen").is_visible()
    assert alice.testid("no-actions").is_visible()
    appeal = Appeal.objects.get(case=case)

    carol = Party(browser, base, operator, language, "operator")
    carol.go(reverse("admin:supervision_appeal_decide", args=[appeal.pk]))
    carol.page.check("input[name=decision][value=return_to_seller]")
    carol.page.fill("textarea[name=note]", "Deliver the missing rows within 3 days.")
    with carol.page.expect_navigation():
        carol.page.locator("[data-testid=decide-form] input[type=submit]").click()
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decision) == ("decided", "return_to_seller")

    # Both parties see the decision; the case is the seller's again.
    bob.go(seller_path)
    assert "Deliver the missing rows within 3 days." in bob.testid("appeal-decision").inner_text()
    assert bob.node() == Node.IMPLEMENTING
    bob.act(
        "mark_delivered", {"description": "All rows migrated."}, {"files": [pdf("report-3.pdf")]}
    )
    assert bob.node() == Node.ACCEPTANCE

    # --- the buyer accepts: asked again first -----------------------------------------------
    alice.go(case_path)
    assert alice.testid("appeal-decision").is_visible()
    alice.shoot("buyer-case")
    alice.testid("accept-link").click()
    alice.testid("accept-question").wait_for()
    alice.shoot("buyer-accept-question")
    assert Case.objects.get(pk=case.pk).status == SupervisionStatus.IN_PROGRESS  # not yet
    alice.page.fill("textarea[name=accept-comment]", "Thanks, all good.")
    with alice.page.expect_navigation():
        alice.testid("accept-confirm").click()
    assert alice.testid("case-status").get_attribute("data-status") == "completed"
    assert said(language, "Accepted: the case is completed.") in alice.message()
    alice.shoot("buyer-case-completed")

    case.refresh_from_db()
    assert (case.status, case.node) == (SupervisionStatus.COMPLETED, Node.COMPLETED)
    actions = list(case.log.order_by("seq").values_list("action", flat=True))
    assert actions == [
        "open",
        "submit_requirements",
        "confirm_requirements",
        "mark_delivered",
        "reject",
        "mark_delivered",
        "appeal_open",
        "appeal_decide",
        "mark_delivered",
        "accept",
    ]
    assert verify_chain(case.pk) is None
    bob.go(reverse("seller:dashboard"))
    assert bob.testid("supervision-todo").inner_text().strip() == "0"
    bob.go(seller_path)
    assert bob.testid("completed").is_visible()
    assert alice.errors + bob.errors + carol.errors == []
