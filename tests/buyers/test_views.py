"""The buyer center: credentials and real-name verification, for the signed-in account only."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from buyers import urls as buyer_urls
from marketplace.accounts.models import EnterpriseVerification, User
from marketplace.accounts.validators import id_check_char
from tests.factories.accounts import EnterpriseUserFactory, UserFactory, make_uscc

pytestmark = pytest.mark.django_db

POST_ONLY = {"credit_bill_repay"}

ID_FIRST17 = "11010519491231002"
ID_NUMBER = ID_FIRST17 + id_check_char(ID_FIRST17)
# The buyer center's pages without parameters (pages of one object, e.g. a top-up, are
# covered by tests/test_url_access.py and their own tests).
BUYER_URL_NAMES = [
    f"buyer:{p.name}"
    for p in buyer_urls.urlpatterns
    if isinstance(p, URLPattern) and not p.pattern.converters and p.name not in POST_ONLY
]


@pytest.fixture
def buyer(client):
    user = UserFactory()
    client.force_login(user)
    return user


def enterprise_data(image_file, **overrides) -> dict:
    return {
        "company_name": "Example Software Co.",
        "credit_code": make_uscc(3),
        "legal_representative": "Li Si",
        "licence": image_file("licence.png"),
        **overrides,
    }


def errors_of(response) -> str:
    form = response.context["form"]
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@pytest.mark.parametrize("url_name", BUYER_URL_NAMES)
def test_anonymous_is_sent_to_log_in(client, url_name):
    url = reverse(url_name)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


def test_every_buyer_page_opens(client, buyer):
    for url_name in BUYER_URL_NAMES:
        assert client.get(reverse(url_name)).status_code == 200, url_name


def test_dashboard_shows_the_buyer_navigation(client, buyer):
    response = client.get(reverse("buyer:dashboard"))

    assert reverse("buyer:credentials").encode() in response.content
    assert reverse("buyer:verification").encode() in response.content


def test_credentials_show_account_name_and_id(client, buyer):
    other = UserFactory()

    response = client.get(reverse("buyer:credentials"))

    content = response.content.decode()
    # The value sits alone in its element (white space around it aside).
    assert re.search(rf'data-testid="account-name-value">\s*{buyer.username}\s*<', content)
    assert re.search(rf'data-testid="account-id-value">\s*{buyer.account_id}\s*<', content)
    assert other.account_id not in content


# --- enterprise verification ---------------------------------------------------------------


def test_enterprise_verification(client, buyer, image_file):
    response = client.post(reverse("buyer:verify_enterprise"), enterprise_data(image_file))

    assert response.status_code == 302
    assert response.url == reverse("buyer:verification")
    buyer.refresh_from_db()
    assert buyer.real_name_status == User.RealName.ENTERPRISE
    page = client.get(response.url)
    assert "Example Software Co." in page.content.decode()


def test_enterprise_verification_from_seller_onboarding_goes_back(client, buyer, image_file):
    url = reverse("buyer:verify_enterprise") + "?next=seller"

    response = client.post(url, enterprise_data(image_file))

    assert response.url == reverse("seller:dashboard")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (make_uscc(3)[:17] + ("0" if make_uscc(3)[17] != "0" else "1"), "check character"),
        ("91310000000000000I", "18 characters"),
        ("123", "18 characters"),
    ],
)
def test_enterprise_verification_refuses_a_bad_credit_code(
    client, buyer, image_file, code, message
):
    response = client.post(
        reverse("buyer:verify_enterprise"), enterprise_data(image_file, credit_code=code)
    )

    assert response.status_code == 200
    assert message in errors_of(response)
    buyer.refresh_from_db()
    assert buyer.real_name_status == User.RealName.NONE


def test_enterprise_verification_refuses_a_text_file_renamed_png(
    client, buyer, image_file, fake_image_file
):
    response = client.post(
        reverse("buyer:verify_enterprise"), enterprise_data(image_file, licence=fake_image_file)
    )

    assert response.status_code == 200
    assert "not a valid image" in errors_of(response)
    assert not EnterpriseVerification.objects.exists()


def test_enterprise_verification_refuses_an_oversize_licence(client, buyer, image_file, settings):
    licence = image_file("licence.png", size=(400, 400))
    settings.MAX_IMAGE_BYTES = licence.size - 1

    response = client.post(
        reverse("buyer:verify_enterprise"), enterprise_data(image_file, licence=licence)
    )

    assert response.status_code == 200
    assert "too large" in errors_of(response)
    assert not EnterpriseVerification.objects.exists()


def test_second_enterprise_verification_is_refused(client, image_file):
    user = EnterpriseUserFactory()
    client.force_login(user)
    url = reverse("buyer:verify_enterprise")

    for response in (client.get(url), client.post(url, enterprise_data(image_file))):
        assert response.status_code == 302
        assert response.url == reverse("buyer:verification")
    assert EnterpriseVerification.objects.filter(user=user).count() == 1
    messages = [str(m) for m in client.get(reverse("buyer:verification")).context["messages"]]
    assert "This account is already verified as an enterprise." in messages


# --- individual verification ---------------------------------------------------------------


def test_individual_verification(client, buyer):
    response = client.post(
        reverse("buyer:verify_individual"), {"real_name": "Wang Wu", "id_number": ID_NUMBER}
    )

    assert response.url == reverse("buyer:verification")
    buyer.refresh_from_db()
    assert buyer.real_name_status == User.RealName.INDIVIDUAL
    page = client.get(response.url).content.decode()
    # The name is the person's own words: marked for the browser crawl's language checks.
    assert "Verified individual: <span data-user-content>Wang Wu</span>." in page
    # An individual can still go on to verify an enterprise, not another individual.
    assert reverse("buyer:verify_enterprise") in page
    assert client.get(reverse("buyer:verify_individual")).status_code == 302


def test_individual_verification_refuses_a_bad_id_number(client, buyer):
    wrong = ID_FIRST17 + ("0" if ID_NUMBER[-1] != "0" else "1")

    response = client.post(
        reverse("buyer:verify_individual"), {"real_name": "Wang Wu", "id_number": wrong}
    )

    assert response.status_code == 200
    assert "check character" in errors_of(response)
    buyer.refresh_from_db()
    assert buyer.real_name_status == User.RealName.NONE


# --- CSRF ------------------------------------------------------------------------------------


def test_posts_need_a_csrf_token(buyer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)

    response = client.post(
        reverse("buyer:verify_individual"), {"real_name": "Wang Wu", "id_number": ID_NUMBER}
    )

    assert response.status_code == 403
    buyer.refresh_from_db()
    assert buyer.real_name_status == User.RealName.NONE


def test_log_out_post_needs_a_csrf_token(buyer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)

    assert client.post(reverse("accounts:logout")).status_code == 403
