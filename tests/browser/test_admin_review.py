"""The review page in a real browser at 1366 px (issue: the old side-by-side diff was
wider than its container): the comparison fits the page, long lines wrap, and the
reviewer rejects with a reason from the page itself."""

import pytest

from marketplace.catalog import services
from marketplace.catalog.models import ProductVersion
from tests.conftest import browser_log_in
from tests.factories.accounts import PASSWORD, ReviewerFactory
from tests.factories.catalog_publishing import listed_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_review_page_fits_1366_px_and_rejects_with_a_reason(live_server, browser_page):
    page, base = browser_page, live_server.url
    product = listed_product()
    draft = services.product_edit_listed(product=product, actor=None)
    services.product_submit(product=product, actor=None)
    long_line = " ".join(f"word{i}" for i in range(400))  # one 3,000-character line
    ProductVersion.objects.filter(pk=draft.pk).update(
        description=long_line + "\n" + "\n".join(f"line {i}" for i in range(50))
    )
    reviewer = ReviewerFactory()

    page.set_viewport_size({"width": 1366, "height": 768})
    browser_log_in(page, base, reviewer.username, PASSWORD)
    page.goto(f"{base}/admin/catalog/productversion/{draft.pk}/change/")

    diff = page.locator(".review-diff")
    assert diff.is_visible()
    # Nothing is wider than the window: no horizontal scrolling, nothing clipped.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert diff.evaluate("e => e.scrollWidth <= e.clientWidth")
    # The long line wraps at word boundaries instead of running off the page.
    text = page.locator(".review-diff .line.add .text").first
    assert text.evaluate("e => e.getBoundingClientRect().height > 40")
    assert "word1 " in text.inner_text() or "word1\n" in text.inner_text()
    assert page.locator("input[name=_save]").count() == 0

    page.fill("textarea[name=reason]", "The description repeats itself.")
    page.click("button[form=decision-form][value=reject]")
    page.wait_for_load_state()
    assert "1 version rejected." in page.content()
    draft.refresh_from_db()
    assert draft.status == ProductVersion.Status.REJECTED
    assert draft.rejection_reason == "The description repeats itself."
