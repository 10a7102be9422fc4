"""The language switch remembers a logged-in person's choice on the account."""

import pytest
from django.conf import settings
from django.urls import reverse

from marketplace.accounts.models import User
from marketplace.accounts.services import user_set_language, user_sign_up
from marketplace.core.exceptions import DomainError
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SET_LANGUAGE = reverse("set_language")


def test_the_url_keeps_its_name():
    assert SET_LANGUAGE == "/i18n/setlang/"


def test_logged_in_choice_is_saved_on_the_account(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(SET_LANGUAGE, {"language": "zh-hans", "next": "/seller/"})

    assert response.status_code == 302
    assert response.url == "/seller/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    user.refresh_from_db()
    assert user.language == "zh-hans"


def test_anonymous_choice_goes_to_the_cookie_only(client):
    response = client.post(SET_LANGUAGE, {"language": "zh-hans", "next": "/seller/"})

    assert response.status_code == 302
    assert response.url == "/seller/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert client.get("/").wsgi_request.LANGUAGE_CODE == "zh-hans"


def test_foreign_next_is_ignored(client):
    response = client.post(SET_LANGUAGE, {"language": "en", "next": "https://evil.example/"})

    assert response.status_code == 302
    assert response.url == "/"


def test_unknown_language_leaves_the_account_as_it_was(client):
    user = UserFactory(language="zh-hans")
    client.force_login(user)

    client.post(SET_LANGUAGE, {"language": "klingon", "next": "/"})
    client.get(SET_LANGUAGE, {"language": "en", "next": "/"})  # only a POST changes it

    user.refresh_from_db()
    assert user.language == "zh-hans"


def test_sign_up_keeps_the_language_of_the_page(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    client.post(
        reverse("accounts:sign_up"),
        {
            "username": "lihua",
            "email": "lihua@example.com",
            "mobile": "13800138000",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert User.objects.get(username="lihua").language == "zh-hans"


def test_services_accept_only_the_sites_languages():
    user = user_sign_up(username="wang", email="wang@example.com", password=PASSWORD)
    assert user.language == settings.LANGUAGE_CODE

    assert user_set_language(user=user, language="zh-cn").language == "zh-hans"
    with pytest.raises(DomainError):
        user_set_language(user=user, language="fr")
    user.refresh_from_db()
    assert user.language == "zh-hans"


def test_log_in_brings_the_accounts_language_to_a_new_browser(client):
    from django.conf import settings as django_settings

    from tests.factories.accounts import PASSWORD, UserFactory

    user = UserFactory(language="zh-hans")
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    # The next page is served in Chinese.
    page = client.get("/buyer/")
    assert '<html lang="zh-hans">' in page.content.decode()
