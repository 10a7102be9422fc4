"""The dependent province → city → district selects, driven by htmx in a real browser."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories.sellers import ApprovedSellerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_region_selects_follow_each_other(live_server, browser_page):
    page = browser_page
    seller = ApprovedSellerFactory()
    client = Client()
    client.force_login(seller.user)
    session = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    page.goto(live_server.url + reverse("seller:business_info"))
    page.select_option("#id_province", "广东省")
    page.wait_for_selector("#id_city option[value='深圳市']", state="attached")
    page.select_option("#id_city", "深圳市")
    page.wait_for_selector("#id_district option[value='南山区']", state="attached")
    # Another province empties the district list until a city is chosen.
    page.select_option("#id_province", "浙江省")
    page.wait_for_selector("#id_city option[value='杭州市']", state="attached")
    assert page.locator("#id_district option").count() == 1
