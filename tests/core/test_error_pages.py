"""Error pages (400, 403, 404, 500, CSRF failure) with DEBUG off: the site's layout, the
visitor's language, the right status and a way home."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories.sellers import SellerFactory

pytestmark = pytest.mark.urls("tests.core.error_urls")

ZH = {"Accept-Language": "zh-hans"}


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


def assert_site_page(response, status: int) -> str:
    html = response.content.decode()
    assert response.status_code == status
    assert 'class="navbar navbar' in html  # the site's top bar
    assert 'data-testid="error-page"' in html
    assert f'href="{reverse("home")}" data-testid="error-home"' in html  # a way home
    return html


@pytest.mark.django_db
def test_404_is_in_the_site_layout(client):
    html = assert_site_page(client.get("/no-such-page/"), 404)
    assert "Page not found" in html
    assert 'id="language-switch"' in html  # the full layout, with the language switch


@pytest.mark.django_db
def test_404_is_translated(client):
    html = assert_site_page(client.get("/no-such-page/", headers=ZH), 404)
    assert "找不到页面" in html
    assert "Page not found" not in html


@pytest.mark.django_db
def test_a_pending_seller_opening_publish_product_gets_the_styled_403(client):
    """Issue 7: it used to be a bare English '403 Forbidden'."""
    seller = SellerFactory()
    client.force_login(seller.user)
    url = reverse("seller:product_new")

    html = assert_site_page(client.get(url), 403)
    assert "Only an onboarded seller can manage products." in html
    assert reverse("seller:dashboard") in html  # back to the seller center

    html = assert_site_page(client.get(url, headers=ZH), 403)
    assert "无法打开此页面" in html
    assert "Only an onboarded seller" not in html


@pytest.mark.django_db
def test_403_without_a_reason_invites_anonymous_visitors_to_log_in(client):
    html = assert_site_page(client.get("/test-errors/403/"), 403)
    assert reverse("accounts:login") in html
    assert 'data-testid="forbidden-message"' not in html


def test_500_renders_without_the_database(client):
    """No `django_db` mark: any database access while rendering would fail the test."""
    client = Client(raise_request_exception=False)
    response = client.get("/test-errors/500/")
    html = assert_site_page(response, 500)
    assert "Something went wrong" in html
    html = assert_site_page(client.get("/test-errors/500/", headers=ZH), 500)
    assert "出错了" in html


def test_400_is_in_the_site_style(client):
    html = assert_site_page(client.get("/test-errors/400/", headers=ZH), 400)
    assert "错误的请求" in html


@pytest.mark.django_db
def test_a_failed_csrf_check_gets_the_site_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    html = assert_site_page(response, 403)
    assert "The form has expired" in html
    html = assert_site_page(client.post(reverse("accounts:login"), {}, headers=ZH), 403)
    assert "表单已过期" in html
