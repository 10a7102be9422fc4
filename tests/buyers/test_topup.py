"""Top-ups through the sandbox payment provider: start → provider page → signed
asynchronous notification → balance; refusals change nothing."""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from buyers.models import LedgerEntry, TopUp, Wallet
from buyers.payments import sandbox
from buyers.services.topup import top_up_complete
from marketplace.core.exceptions import DomainError
from marketplace.core.models import Notification
from tests.factories.accounts import UserFactory
from tests.factories.buyers import TopUpFactory

pytestmark = pytest.mark.django_db

NOTIFY = "/payments/notify/sandbox/"


@pytest.fixture
def provider_server(monkeypatch):
    """The sandbox provider's server, posting to our notify endpoint in-process."""
    sent = []

    def post(url, data):
        assert urlsplit(url).path == NOTIFY
        response = Client().post(NOTIFY, data)
        sent.append((data, response.status_code, response.content.decode()))
        return response.status_code, response.content.decode()

    monkeypatch.setattr(sandbox, "http_post", post)
    return sent


@pytest.fixture
def buyer(client):
    user = UserFactory()
    client.force_login(user)
    return user


def start_top_up(client, amount="100.00"):
    response = client.post(reverse("buyer:wallet_top_up"), {"amount": amount})
    assert response.status_code == 302
    return response.url


def balance(user) -> Decimal:
    wallet = Wallet.objects.filter(buyer=user).first()
    return wallet.balance if wallet else Decimal("0")


def test_pay_on_the_sandbox_page_tops_up_after_the_notification(
    client, buyer, provider_server, django_capture_on_commit_callbacks
):
    page_url = start_top_up(client)
    top_up = TopUp.objects.get(buyer=buyer)
    assert page_url.startswith(reverse("payments:sandbox_pay", args=[top_up.reference]))
    page = client.get(page_url)
    assert page.status_code == 200 and b"SANDBOX" in page.content

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(page_url, {"outcome": "pay"})
    # The answer to the browser changed nothing: the notification comes after commit,
    # from a task.
    top_up.refresh_from_db()
    assert top_up.status == TopUp.Status.PENDING and len(callbacks) == 1
    callbacks[0]()

    return_url = reverse("buyer:top_up_detail", args=[top_up.reference])
    assert response.status_code == 302 and response.url.endswith(return_url)
    assert provider_server[0][1:] == (200, "success")
    top_up.refresh_from_db()
    assert top_up.status == TopUp.Status.SUCCEEDED and top_up.provider_txn_id
    assert balance(buyer) == Decimal("100.00")
    entry = LedgerEntry.objects.get(top_up=top_up)
    assert (entry.kind, entry.amount, entry.balance_after) == (
        "top_up",
        Decimal("100.00"),
        Decimal("100.00"),
    )
    assert Notification.objects.filter(user=buyer, template="top_up_succeeded").count() == 1
    detail = client.get(return_url)
    assert b'data-status="succeeded"' in detail.content


def test_second_identical_notification_changes_nothing_and_answers_success(
    client, buyer, provider_server, django_capture_on_commit_callbacks
):
    page_url = start_top_up(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url, {"outcome": "pay"})
    data = provider_server[0][0]

    again = Client().post(NOTIFY, data)

    assert (again.status_code, again.content) == (200, b"success")
    assert balance(buyer) == Decimal("100.00")
    assert LedgerEntry.objects.filter(kind="top_up").count() == 1


def test_fail_marks_the_top_up_failed(
    client, buyer, provider_server, django_capture_on_commit_callbacks
):
    page_url = start_top_up(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url, {"outcome": "fail"})
    top_up = TopUp.objects.get(buyer=buyer)
    assert top_up.status == TopUp.Status.FAILED
    assert balance(buyer) == 0
    page = client.get(reverse("buyer:top_up_detail", args=[top_up.reference]))
    assert b'data-status="failed"' in page.content


def test_pending_until_the_notification_arrives(client, buyer):
    page_url = start_top_up(client)
    client.post(page_url, {"outcome": "pay"})  # outside a captured commit: never delivered
    top_up = TopUp.objects.get(buyer=buyer)
    assert top_up.status == TopUp.Status.PENDING and balance(buyer) == 0


def signed(top_up, **change) -> dict:
    data = sandbox.notification(reference=top_up.reference, amount=f"{top_up.amount:.2f}", ok=True)
    data.update(change)
    return data


def test_bad_signature_is_refused():
    top_up = TopUpFactory()
    data = signed(top_up)
    data["sign"] = "0" * 64
    response = Client().post(NOTIFY, data)
    assert response.status_code == 400 and response.content.startswith(b"fail")
    top_up.refresh_from_db()
    assert top_up.status == TopUp.Status.PENDING and balance(top_up.buyer) == 0


def test_a_changed_field_breaks_the_signature():
    top_up = TopUpFactory(amount=Decimal("100.00"))
    response = Client().post(NOTIFY, signed(top_up, amount="1000.00"))
    assert response.status_code == 400
    assert balance(top_up.buyer) == 0


def test_amount_mismatch_is_refused(settings):
    top_up = TopUpFactory(amount=Decimal("100.00"))
    data = sandbox.notification(reference=top_up.reference, amount="99.00", ok=True)
    response = Client().post(NOTIFY, data)
    assert response.status_code == 400
    top_up.refresh_from_db()
    assert top_up.status == TopUp.Status.PENDING and balance(top_up.buyer) == 0


def test_unknown_reference_is_refused():
    data = sandbox.notification(reference="f" * 32, amount="10.00", ok=True)
    response = Client().post(NOTIFY, data)
    assert response.status_code == 400
    assert not LedgerEntry.objects.exists()


def test_notify_answers_only_post_and_needs_no_csrf_token():
    top_up = TopUpFactory()
    client = Client(enforce_csrf_checks=True)
    assert client.get(NOTIFY).status_code == 405
    assert client.post(NOTIFY, signed(top_up)).status_code == 200


def test_txn_id_of_another_top_up_is_refused():
    first, second = TopUpFactory(), TopUpFactory()
    top_up_complete(
        provider="sandbox", reference=first.reference, txn_id="T1", amount=first.amount, ok=True
    )
    with pytest.raises(DomainError):
        top_up_complete(
            provider="sandbox",
            reference=second.reference,
            txn_id="T1",
            amount=second.amount,
            ok=True,
        )
    second.refresh_from_db()
    assert second.status == TopUp.Status.PENDING


def test_sandbox_page_needs_the_signed_link(client, buyer):
    page_url = start_top_up(client)
    parts = urlsplit(page_url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert client.get(parts.path, {**query, "amount": "1.00"}).status_code == 400
    assert (
        client.get(parts.path, {**query, "return_url": "https://evil.example/"}).status_code == 400
    )


def test_sandbox_page_is_gone_with_another_provider(client, buyer, settings):
    page_url = start_top_up(client)
    settings.PAYMENT_PROVIDER = "other"
    assert client.get(page_url).status_code == 404


def test_top_up_amount_bounds(client, buyer):
    response = client.post(reverse("buyer:wallet_top_up"), {"amount": "0.50"})
    assert response.status_code == 200 and not TopUp.objects.exists()


def test_another_buyers_top_up_is_404(client, buyer):
    other = TopUpFactory()
    assert client.get(reverse("buyer:top_up_detail", args=[other.reference])).status_code == 404
