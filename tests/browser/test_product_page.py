"""The product page in a real browser, on a desktop and a phone: the "See specs and
prices" button opens its tab without a JavaScript error, tabs are linkable (#specs,
#support) and follow the back button, and at 390 px every spec's price is on screen
without scrolling sideways."""

import pytest

from marketplace.catalog.models import SpecSales
from tests.factories.catalog import listed_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


def product_with_many_prices():
    product = listed_product(
        name="云数据库 CloudDB",
        specs=[
            ("企业版 Enterprise edition", "period", [("month", "5800"), ("year", "58000")]),
            ("按量 Pay as you go", "on_demand", [("unit", "0.02")]),
            ("Pack", "package", [("package", "199")]),
            ("Trial", "trial", [("free", "0")]),
        ],
    )
    SpecSales.objects.create(product=product, spec_code="spec-2", stock=0)
    return product


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None,
    )
    return errors


def active_tab(page) -> str:
    return page.locator("#product-tabs .nav-link.active").get_attribute("data-bs-target")


@pytest.mark.parametrize("size", list(WIDTHS), ids=list(WIDTHS))
def test_specs_button_tabs_and_back_button(live_server, browser_page, size):
    page = browser_page
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[size], strict=True)))
    errors = watch_errors(page)
    product = product_with_many_prices()
    url = f"{live_server.url}/products/{product.pk}/"
    page.goto(url)
    assert active_tab(page) == "#overview"

    page.click("[data-testid=see-specs]")
    page.wait_for_selector("#specs.active.show")
    assert page.url.endswith("#specs")
    assert active_tab(page) == "#specs"

    page.click("#support-tab")
    page.wait_for_selector("#support.active.show")
    assert page.url.endswith("#support")

    page.go_back()
    page.wait_for_selector("#specs.active.show")
    assert page.url.endswith("#specs")
    page.go_back()
    page.wait_for_selector("#overview.active.show")
    assert page.url == url

    # a link straight to a tab opens it
    page.goto(url + "#support")
    page.wait_for_selector("#support.active.show")
    page.goto(url + "#specs")
    page.wait_for_selector("#specs.active.show")
    assert page.locator("[data-testid=sold-out]").count() == 1
    assert errors == []


def test_every_price_fits_on_a_phone(live_server, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    errors = watch_errors(page)
    product = product_with_many_prices()
    page.goto(f"{live_server.url}/products/{product.pk}/#specs")
    page.wait_for_selector("#specs.active.show")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    viewport = 390
    prices = page.locator("[data-testid=spec-prices] [data-testid=price]")
    assert prices.count() == 5
    for i in range(prices.count()):
        box = prices.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport, (
            prices.nth(i).inner_text(),
            box,
        )
    assert "¥58,000.00 / year" in page.locator("#specs").inner_text()
    if shots := __import__("os").environ.get("SCREENSHOTS_DIR"):
        page.screenshot(path=f"{shots}/product-specs-390.png", full_page=True)
    assert errors == []
