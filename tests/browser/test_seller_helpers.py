"""Seller-center helpers that need a browser: the product form's "Start from the
template" button (issue 7 item 8) and the logo's preview on replacing it (item 10)."""

import io

import pytest
from PIL import Image

from marketplace.catalog.agreements import agreement_template
from tests.conftest import browser_log_in
from tests.factories.accounts import PASSWORD
from tests.factories.sellers import ActiveSellerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_start_from_the_template_fills_the_agreement(browser_page, live_server):
    seller = ActiveSellerFactory()
    page = browser_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_log_in(page, live_server.url, seller.user.username, PASSWORD)
    page.goto(live_server.url + "/seller/products/new/saas/")
    page.fill("#id_agreement_text", "My own draft")
    page.once("dialog", lambda dialog: dialog.dismiss())  # "Replace …?" – no
    page.click("[data-testid=fill-template]")
    assert page.input_value("#id_agreement_text") == "My own draft"
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=fill-template]")
    assert page.input_value("#id_agreement_text").strip() == agreement_template().strip()
    assert errors == []


def test_replacing_the_logo_previews_the_new_image(browser_page, live_server, tmp_path):
    seller = ActiveSellerFactory()
    page = browser_page
    browser_log_in(page, live_server.url, seller.user.username, PASSWORD)
    page.goto(live_server.url + "/seller/business-info/edit/")
    preview = page.locator("[data-image-upload-preview]")
    current = preview.get_attribute("src")
    assert current and current.endswith(seller.business_info.logo.url)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 0, 0)).save(buffer, format="PNG")
    path = tmp_path / "new-logo.png"
    path.write_bytes(buffer.getvalue())
    page.set_input_files("#id_logo", str(path))
    assert preview.get_attribute("src").startswith("blob:")
