"""Sign-up, log-in, log-out and password reset pages."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

SIGN_UP = reverse("accounts:sign_up")
LOG_IN = reverse("accounts:login")
LOG_OUT = reverse("accounts:logout")


def sign_up_data(**overrides) -> dict:
    return {
        "username": "alice",
        "email": "alice@example.com",
        "mobile": "13800138000",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- sign-up -----------------------------------------------------------------------------


def test_sign_up_page(client):
    response = client.get(SIGN_UP)

    assert response.status_code == 200
    assert b'name="password2"' in response.content


def test_sign_up_logs_in_and_goes_to_the_buyer_center(client):
    response = client.post(SIGN_UP, sign_up_data())

    assert response.status_code == 302
    assert response.url == reverse("buyer:dashboard")
    user = User.objects.get(username="alice")
    assert user.check_password(PASSWORD)
    assert is_logged_in(client)


def test_sign_up_honours_a_local_next_only(client):
    response = client.post(f"{SIGN_UP}?next=https://evil.example/", sign_up_data())

    assert response.url == reverse("buyer:dashboard")


def test_sign_up_refuses_a_taken_name(client):
    UserFactory(username="Alice")

    response = client.post(SIGN_UP, sign_up_data())

    assert response.status_code == 200
    assert response.context["form"].errors["username"] == ["This account name is taken."]
    assert User.objects.count() == 1
    assert not is_logged_in(client)


def test_sign_up_refuses_mismatched_passwords(client):
    response = client.post(SIGN_UP, sign_up_data(password2=PASSWORD + "x"))

    assert response.context["form"].errors["password2"] == ["The two passwords don't match."]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [("12345678", "This password is entirely numeric."), ("password", "too common")],
)
def test_sign_up_refuses_a_weak_password(client, password, message):
    response = client.post(SIGN_UP, sign_up_data(password1=password, password2=password))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["password1"])
    assert not User.objects.exists()


def test_sign_up_refuses_a_bad_account_name(client):
    response = client.post(SIGN_UP, sign_up_data(username="no spaces please"))

    assert "username" in response.context["form"].errors
    assert not User.objects.exists()


def test_signed_in_person_is_sent_on_from_sign_up(client):
    client.force_login(UserFactory())

    assert client.get(SIGN_UP).url == reverse("buyer:dashboard")


# --- log-in / log-out ------------------------------------------------------------------------


def test_log_in(client):
    user = UserFactory()

    response = client.post(LOG_IN, {"username": user.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("buyer:dashboard")
    assert is_logged_in(client)


def test_log_in_with_a_wrong_password(client):
    user = UserFactory()

    response = client.post(LOG_IN, {"username": user.username, "password": "wrong-password"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not is_logged_in(client)


def test_log_in_goes_back_to_next(client):
    user = UserFactory()
    credentials = reverse("buyer:credentials")

    response = client.post(
        LOG_IN, {"username": user.username, "password": PASSWORD, "next": credentials}
    )

    assert response.url == credentials


def test_log_out_follows_a_local_redirect_url(client):
    client.force_login(UserFactory())
    target = reverse("buyer:credentials")

    response = client.post(f"{LOG_OUT}?redirect_url={target}")

    assert response.status_code == 302
    assert response.url == target
    assert not is_logged_in(client)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/"]
)
def test_log_out_ignores_a_foreign_redirect_url(client, target):
    client.force_login(UserFactory())

    response = client.post(LOG_OUT, {"redirect_url": target})

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert not is_logged_in(client)


def test_log_out_by_get_does_not_log_out_but_asks(client):
    """A link or an <img> on another site must not log anyone out."""
    client.force_login(UserFactory())
    target = reverse("buyer:credentials")

    response = client.get(LOG_OUT, {"redirect_url": target})

    assert response.status_code == 200
    assert is_logged_in(client)
    html = response.content.decode()
    assert 'method="post"' in html
    assert f'name="redirect_url" value="{target}"' in html


def test_log_out_confirmation_drops_a_foreign_redirect_url(client):
    client.force_login(UserFactory())

    response = client.get(LOG_OUT, {"redirect_url": "https://evil.example/"})

    assert is_logged_in(client)
    assert 'name="redirect_url"' not in response.content.decode()
    assert response.context["redirect_url"] == ""


def test_unified_login_helper_round_trip(client):
    """Joint products link to /accounts/logout/?redirect_url=...: one confirming click."""
    client.force_login(UserFactory())
    target = reverse("catalog:search")
    page = client.get(LOG_OUT, {"redirect_url": target})
    assert is_logged_in(client)

    response = client.post(LOG_OUT, {"redirect_url": page.context["redirect_url"]})

    assert response.url == target
    assert not is_logged_in(client)


def test_log_out_by_get_when_logged_out_goes_on(client):
    target = reverse("catalog:search")

    assert client.get(LOG_OUT, {"redirect_url": target}).url == target


def test_log_out_without_redirect_url_goes_home(client):
    client.force_login(UserFactory())

    assert client.post(LOG_OUT).url == reverse("home")


# --- password reset ---------------------------------------------------------------------------


def test_password_reset_by_e_mail(client):
    user = UserFactory(email="erin@example.com")

    response = client.post(reverse("accounts:password_reset"), {"email": "erin@example.com"})

    assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["erin@example.com"]
    assert message.subject == "Reset your marketplace password"
    link = re.search(r"http://testserver(/\S+)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    set_password_url = form_page.redirect_chain[-1][0]
    new_password = "Another-secret-2026"
    done = client.post(
        set_password_url, {"new_password1": new_password, "new_password2": new_password}
    )

    assert done.url == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(new_password)
    # The link works once only.
    assert client.get(link, follow=True).context["validlink"] is False


def test_password_reset_for_an_unknown_address_sends_nothing(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})

    assert response.url == reverse("accounts:password_reset_done")  # no account enumeration
    assert mail.outbox == []
