"""Intent survives the account pages; the brand is the marketplace's name on them."""

import re
from urllib.parse import quote

import pytest
from django.urls import reverse

from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.sellers import ActiveSellerFactory, SellerFactory

pytestmark = pytest.mark.django_db

LOG_IN = reverse("accounts:login")
SIGN_UP = reverse("accounts:sign_up")
SELLER = reverse("seller:dashboard")
BUYER = reverse("buyer:dashboard")


def sign_up_data(**overrides) -> dict:
    return {
        "username": "newcomer",
        "email": "newcomer@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }


def test_become_a_seller_through_sign_up_lands_in_the_seller_center(client):
    # "Become a seller" → the seller center → log-in → "Create an account" → sign up.
    to_log_in = client.get(SELLER)
    assert to_log_in.url == f"{LOG_IN}?next={SELLER}"
    log_in_page = client.get(to_log_in.url)
    link = re.search(r'href="([^"]+)"\s+data-testid="sign-up-link"', log_in_page.content.decode())
    sign_up_url = link.group(1).replace("&amp;", "&")
    assert sign_up_url == f"{SIGN_UP}?next={quote(SELLER, safe='/')}"
    sign_up_page = client.get(sign_up_url)
    assert f'name="next" value="{SELLER}"' in sign_up_page.content.decode()

    response = client.post(sign_up_url, sign_up_data())

    assert response.status_code == 302
    assert response.url == SELLER


def test_the_hidden_next_is_kept_when_the_form_is_posted_without_a_query(client):
    response = client.post(SIGN_UP, sign_up_data(next=SELLER))

    assert response.url == SELLER


def test_a_sign_up_with_errors_keeps_next(client):
    response = client.post(f"{SIGN_UP}?next={SELLER}", sign_up_data(password2="other"))

    html = response.content.decode()
    assert f'name="next" value="{SELLER}"' in html
    assert f'href="{LOG_IN}?next={quote(SELLER, safe="/")}"' in html


def test_sign_up_ignores_a_foreign_next(client):
    response = client.post(SIGN_UP, sign_up_data(next="https://evil.example/"))

    assert response.url == BUYER


@pytest.mark.parametrize("make_seller", [ActiveSellerFactory, SellerFactory])
def test_a_seller_lands_in_the_seller_center(client, make_seller):
    seller = make_seller()

    response = client.post(LOG_IN, {"username": seller.user.username, "password": PASSWORD})

    assert response.url == SELLER


def test_a_buyer_lands_in_the_buyer_center(client):
    user = UserFactory()

    response = client.post(LOG_IN, {"username": user.username, "password": PASSWORD})

    assert response.url == BUYER


def test_next_wins_over_the_landing_page(client):
    seller = ActiveSellerFactory()
    target = reverse("catalog:search")

    response = client.post(
        LOG_IN, {"username": seller.user.username, "password": PASSWORD, "next": target}
    )

    assert response.url == target


def test_the_navbar_log_in_link_comes_back_to_the_page(client):
    page = reverse("catalog:search") + "?q=crm"

    html = client.get(page).content.decode()

    link = re.search(r'data-testid="nav-log-in"\s+href="([^"]+)"', html).group(1)
    assert link.replace("&amp;", "&") == f"{LOG_IN}?next={quote(page, safe='/')}"


def test_the_navbar_on_the_log_in_page_keeps_its_next(client):
    html = client.get(f"{LOG_IN}?next={SELLER}").content.decode()

    link = re.search(r'data-testid="nav-log-in"\s+href="([^"]+)"', html).group(1)
    assert link == f"{LOG_IN}?next={quote(SELLER, safe='/')}"


@pytest.mark.parametrize(
    "url", [LOG_IN, SIGN_UP, reverse("accounts:password_reset"), reverse("admin:login")]
)
def test_the_brand_is_the_marketplace_name_not_the_host(client, url):
    html = client.get(url, HTTP_HOST="127.0.0.1").content.decode()

    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "127.0.0.1" not in title
    if url != reverse("admin:login"):
        assert "Open Marketplace" in title
        assert "127.0.0.1" not in html.split("<main")[0]  # navbar
        assert "127.0.0.1" not in html.split("<footer")[1]  # footer


def test_password_rules_are_shown_before_the_first_try(client):
    html = client.get(SIGN_UP).content.decode()

    assert "at least 8 characters" in html
    assert "entirely numeric" in html


# --- enterprise verification from the seller path ------------------------------------------


def test_enterprise_verification_from_onboarding_stays_in_the_seller_center(client, image_file):
    client.force_login(UserFactory())
    url = reverse("seller:verify_enterprise")

    page = client.get(url)
    assert page.context["center"] == "seller"
    response = client.post(
        url,
        {
            "company_name": "Example Software Co.",
            "credit_code": "91440300708461136T",
            "legal_representative": "Li Si",
            "licence": image_file("licence.png"),
        },
    )

    assert response.url == SELLER


def test_the_old_seller_link_opens_the_seller_center_page(client):
    client.force_login(UserFactory())

    response = client.get(reverse("buyer:verify_enterprise") + "?next=seller")

    assert response.url == reverse("seller:verify_enterprise")


def test_the_buyer_center_page_stays_in_the_buyer_center(client):
    client.force_login(UserFactory())

    assert client.get(reverse("buyer:verify_enterprise")).context["center"] == "buyer"
