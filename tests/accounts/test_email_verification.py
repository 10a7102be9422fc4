"""E-mail verification by a signed, expiring link; required before applying to sell."""

import re

import pytest
import time_machine
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.accounts.services import (
    EMAIL_VERIFICATION_SALT,
    email_verification_token,
    user_send_email_verification,
    user_sign_up,
    user_verify_email,
)
from marketplace.core.audit import history_for
from marketplace.core.exceptions import DomainError
from sellers import services as seller_services
from sellers.models import Seller
from tests.factories.accounts import PASSWORD, EnterpriseUserFactory, UserFactory

pytestmark = pytest.mark.django_db

APPLICATION = {
    "store_name": "Cloud Tools",
    "business_scope": "DevOps SaaS",
    "contact_name": "Wang Wu",
    "contact_mobile": "13700137000",
    "contact_email": "wang@example.com",
}


def link_in(message) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/accounts/verify-email/\S+/)", message.body).group(
        1
    )


def test_sign_up_sends_a_verification_link(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = user_sign_up(username="erin", email="erin@example.com", password=PASSWORD)

    assert user.email_verified_at is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["erin@example.com"]
    assert message.subject == "Verify your e-mail address for Open Marketplace"
    assert "/accounts/verify-email/" in message.body


def test_the_link_verifies_the_address(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = user_sign_up(username="erin", email="erin@example.com", password=PASSWORD)

    response = client.get(link_in(mail.outbox[0]))

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")  # opened in a browser not logged in
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert "verify_email" in [log.action for log in history_for(user)]
    # Opening it again is harmless.
    assert client.get(link_in(mail.outbox[0])).status_code == 302


def test_an_expired_link_is_refused(client, settings):
    user = UserFactory(email_verified_at=None)
    token = email_verification_token(user)

    later = timezone.now() + timezone.timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE + 60)
    with time_machine.travel(later):
        response = client.get(reverse("accounts:verify_email", kwargs={"token": token}))

    assert response.status_code == 400
    assert "expired" in response.context["message"]
    user.refresh_from_db()
    assert user.email_verified_at is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token, user: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        # A well-formed token for another account, signed with another key.
        lambda token, user: signing.dumps(
            {"u": user.pk, "e": user.email_key}, key="not-our-key", salt=EMAIL_VERIFICATION_SALT
        ),
        # Signed for another purpose (salt): not accepted here.
        lambda token, user: signing.dumps({"u": user.pk, "e": user.email_key}),
    ],
)
def test_a_tampered_link_is_refused(client, tamper):
    user = UserFactory(email_verified_at=None)
    token = tamper(email_verification_token(user), user)

    response = client.get(reverse("accounts:verify_email", kwargs={"token": token}))

    assert response.status_code == 400
    assert "not valid" in response.context["message"]
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_link_for_an_old_address_verifies_nothing():
    user = UserFactory(email="old@example.com", email_verified_at=None)
    token = email_verification_token(user)
    user.email = "new@example.com"
    user.save()

    with pytest.raises(DomainError, match="not valid"):
        user_verify_email(token=token)


def test_resend_from_the_verification_page(client, django_capture_on_commit_callbacks):
    user = UserFactory(email_verified_at=None)
    client.force_login(user)
    page = reverse("accounts:email_verification")
    assert b"Send the link again" in client.get(page).content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page)

    assert response.url == page
    assert len(mail.outbox) == 1
    client.get(link_in(mail.outbox[0]))
    user.refresh_from_db()
    assert user.email_verified
    assert b'data-testid="email-verified"' in client.get(page).content


def test_resends_are_limited(client, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_VERIFICATION_RESENDS_PER_HOUR = 2
    client.force_login(UserFactory(email_verified_at=None))
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            client.post(reverse("accounts:email_verification"))

    assert len(mail.outbox) == 2


def test_nothing_to_resend_once_verified():
    with pytest.raises(DomainError, match="verified already"):
        user_send_email_verification(user=UserFactory())


def test_the_centers_show_a_banner_until_verified(client):
    user = UserFactory(email_verified_at=None)
    client.force_login(user)

    for page in ("buyer:dashboard", "seller:dashboard"):
        assert b'data-testid="email-banner"' in client.get(reverse(page)).content

    user.email_verified_at = timezone.now()
    user.save()
    assert b'data-testid="email-banner"' not in client.get(reverse("buyer:dashboard")).content


def test_changing_the_address_in_the_admin_unverifies_it(admin_client):
    user = UserFactory()
    page = reverse("admin:accounts_user_change", args=[user.pk])
    form = admin_client.get(page).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {
            "email": "changed@example.com",
            "groups": [],
            "user_permissions": [],
            "enterprise_verification-TOTAL_FORMS": "0",
            "enterprise_verification-INITIAL_FORMS": "0",
        }
    )
    data.pop("last_login", None)
    data.pop("date_joined", None)

    response = admin_client.post(page, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.email == "changed@example.com"
    assert user.email_verified_at is None


def test_operators_may_mark_an_address_verified(admin_client):
    user = UserFactory(email_verified_at=None)

    admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "mark_email_verified", "_selected_action": [user.pk]},
    )

    user.refresh_from_db()
    assert user.email_verified


# --- required before selling ---------------------------------------------------------------------


def test_applying_to_sell_needs_a_verified_address():
    user = EnterpriseUserFactory(email_verified_at=None)

    with pytest.raises(DomainError, match="Verify your e-mail address first"):
        seller_services.seller_apply(user=user, **APPLICATION)
    assert not Seller.objects.exists()


def test_the_application_page_sends_an_unverified_account_back(client):
    user = EnterpriseUserFactory(email_verified_at=None)
    client.force_login(user)

    response = client.post(reverse("seller:apply"), APPLICATION, follow=True)

    assert response.redirect_chain[-1][0] == reverse("seller:dashboard")
    assert "Verify your e-mail address first" in response.content.decode()
    assert not Seller.objects.exists()


def test_a_verified_enterprise_may_apply():
    user = EnterpriseUserFactory()

    assert seller_services.seller_apply(user=user, **APPLICATION).status == Seller.Status.PENDING
    assert User.objects.get(pk=user.pk).email_verified
