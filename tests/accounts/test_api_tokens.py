"""Personal API tokens (README › API tokens): made and revoked on the account's pages,
checked by `ApiTokenAuthentication` in one query, revoked by support in the admin."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from marketplace.accounts.api_auth import ApiTokenAuthentication
from marketplace.accounts.models import ApiToken
from marketplace.accounts.services import (
    api_token_create,
    api_token_mark_used,
    api_token_revoke,
    api_token_revoke_any,
)
from marketplace.core.exceptions import DomainError, PermissionDenied
from marketplace.core.models import TransitionLog
from tests.factories.accounts import (
    PASSWORD,
    ApiTokenFactory,
    FinanceFactory,
    OperatorFactory,
    ReviewerFactory,
    SupportFactory,
    UserFactory,
    api_token,
)
from tests.factories.catalog_publishing import PublishingSellerFactory

pytestmark = pytest.mark.django_db

BUYER_API = "/api/buyer/orders/"
SELLER_API = "/api/seller/products/"
LIST = reverse("accounts:api_tokens")
CREATE = reverse("accounts:api_token_create")
TOKEN_FORMAT = re.compile(r"mkt_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def bearer(token: str, url: str = BUYER_API):
    return APIClient().get(url, HTTP_AUTHORIZATION=f"Bearer {token}")


def basic(user, url: str = BUYER_API):
    credentials = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    return APIClient().get(url, HTTP_AUTHORIZATION=f"Basic {credentials}")


def revoke_url(token: ApiToken) -> str:
    return reverse("accounts:api_token_revoke", kwargs={"pk": token.pk})


# --- the service ---------------------------------------------------------------------------


def test_create_returns_the_token_once_and_stores_only_its_digest():
    user = UserFactory()

    token, secret = api_token_create(user=user, name="  billing script ")

    assert TOKEN_FORMAT.fullmatch(secret)
    token.refresh_from_db()
    assert token.name == "billing script"
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(f"mkt_{token.prefix}_")
    stored = list(ApiToken.objects.filter(pk=token.pk).values().get().values())
    assert not any(secret in str(value) for value in stored)
    assert token.status == ApiToken.Status.ACTIVE
    assert TransitionLog.objects.filter(object_id=str(token.pk), action="create").exists()


def test_two_tokens_differ():
    user = UserFactory()
    (first, a), (second, b) = api_token(user), api_token(user)
    assert a != b and first.digest != second.digest


def test_a_name_is_required_and_the_expiry_in_the_future():
    user = UserFactory()
    with pytest.raises(Exception, match="name"):
        api_token_create(user=user, name="   ")
    with pytest.raises(Exception, match="expires_at"):
        api_token_create(user=user, name="x", expires_at=timezone.now() - timedelta(seconds=1))
    assert not ApiToken.objects.exists()


def test_an_account_holds_at_most_the_limit_of_active_tokens(settings):
    settings.API_TOKENS_PER_USER = 2
    user = UserFactory()
    first, _ = api_token(user)
    api_token(user)
    with pytest.raises(DomainError, match="at most 2"):
        api_token(user)
    # Someone else's tokens don't count; revoked and expired ones don't either.
    api_token(UserFactory())
    api_token_revoke(user=user, token_id=first.pk)
    third, _ = api_token(user)
    ApiToken.objects.filter(pk=third.pk).update(expires_at=timezone.now())
    api_token(user)
    assert ApiToken.objects.filter(user=user).active().count() == 2
    assert ApiToken.objects.filter(user=user).count() == 4


def test_revoke_is_scoped_to_the_owner():
    token, _ = api_token()
    with pytest.raises(ApiToken.DoesNotExist):
        api_token_revoke(user=UserFactory(), token_id=token.pk)
    token.refresh_from_db()
    assert token.revoked_at is None

    api_token_revoke(user=token.user, token_id=token.pk)
    token.refresh_from_db()
    revoked_at = token.revoked_at
    assert token.status == ApiToken.Status.REVOKED
    api_token_revoke(user=token.user, token_id=token.pk)  # twice: nothing changes
    token.refresh_from_db()
    assert token.revoked_at == revoked_at


def test_operators_with_the_permission_revoke_any_token():
    token, _ = api_token()
    for outsider in (UserFactory(), FinanceFactory(), ReviewerFactory(), token.user):
        with pytest.raises(PermissionDenied):
            api_token_revoke_any(actor=outsider, token_id=token.pk)
    token.refresh_from_db()
    assert token.revoked_at is None

    support = SupportFactory()
    api_token_revoke_any(actor=support, token_id=token.pk)
    token.refresh_from_db()
    assert token.revoked_at is not None
    log = TransitionLog.objects.get(object_id=str(token.pk), action="revoke")
    assert log.actor == support


# --- authentication --------------------------------------------------------------------------


def test_a_bearer_token_authenticates_on_the_buyer_api():
    token, secret = api_token()

    response = bearer(secret)

    assert response.status_code == 200
    assert response.json()["count"] == 0
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_bearer_token_authenticates_on_the_seller_api():
    seller = PublishingSellerFactory()
    _, secret = api_token(seller.user)
    assert bearer(secret, SELLER_API).status_code == 200


def test_basic_auth_still_works_and_keeps_its_challenge():
    user = UserFactory()
    assert basic(user).status_code == 200
    response = APIClient().get(BUYER_API)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="api"'


def _authenticate(secret: str):
    request = Request(APIRequestFactory().get(BUYER_API, HTTP_AUTHORIZATION=f"Bearer {secret}"))
    with CaptureQueriesContext(connection) as queries:
        result = ApiTokenAuthentication().authenticate(request)
    return result, queries


def test_authentication_costs_one_query_joined_to_the_account():
    token, secret = api_token()
    api_token_mark_used(token=token)  # just used: no write due

    (user, auth), queries = _authenticate(secret)

    assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]
    assert "JOIN" in queries.captured_queries[0]["sql"]
    assert user == token.user and auth == token
    with CaptureQueriesContext(connection) as more:
        assert user.is_active and user.username  # loaded with the token
    assert len(more) == 0


def test_authentication_reads_once_and_writes_only_when_last_used_is_stale():
    token, secret = api_token()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _, first = _authenticate(secret)  # never used: read + the UPDATE
        _, again = _authenticate(secret)  # just written: the read only
    with time_machine.travel(start + timedelta(minutes=5, seconds=1), tick=False):
        _, stale = _authenticate(secret)

    kinds = [[q["sql"].split()[0] for q in c.captured_queries] for c in (first, again, stale)]
    assert kinds == [["SELECT", "UPDATE"], ["SELECT"], ["SELECT", "UPDATE"]]
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(minutes=5, seconds=1)


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_token_and_account_are_those_the_orm_reads():
    """The hand-written read gives the instances `select_related("user")` gives: every
    field equal (aware datetimes in UTC included), saved state, the account cached."""
    user = UserFactory(
        email_verified_at=timezone.now() - timedelta(days=2),
        last_login=timezone.now() - timedelta(hours=1),
        real_name_status="individual",
    )
    token, secret = api_token(user, expires_at=timezone.now() + timedelta(days=3))
    api_token_mark_used(token=token)

    (user, auth), _ = _authenticate(secret)

    orm = ApiToken.objects.select_related("user").get(pk=token.pk)
    assert type(auth) is ApiToken and type(user) is type(orm.user)
    assert _fields(auth) == _fields(orm)
    assert _fields(user) == _fields(orm.user)
    for value in (auth.created_at, auth.expires_at, auth.last_used_at, user.date_joined):
        assert value.utcoffset() == timedelta(0)  # aware, as the ORM gives them
    assert auth.user is user
    for instance in (auth, user):
        assert instance._state.adding is False and instance._state.db == "default"
    assert user.is_authenticated and user.pk == orm.user.pk
    assert list(user.groups.all()) == list(orm.user.groups.all())


def test_a_token_request_costs_fewer_queries_than_basic_auth(django_assert_num_queries):
    user = UserFactory()
    token, secret = api_token(user)
    api_token_mark_used(token=token)
    forced = APIClient()
    forced.force_authenticate(user)
    with CaptureQueriesContext(connection) as without_auth:
        assert forced.get(BUYER_API).status_code == 200
    with CaptureQueriesContext(connection) as with_basic:
        assert basic(user).status_code == 200

    # The view's own queries, plus exactly one for the token.
    with django_assert_num_queries(len(without_auth) + 1):
        assert bearer(secret).status_code == 200
    assert len(without_auth) + 1 < len(with_basic)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer", "Authorization: Bearer <token>"),
        ("Bearer a b", "Authorization: Bearer <token>"),
        ("Bearer not-a-token", "not a marketplace API token"),
        ("Bearer mkt_1234_short", "not a marketplace API token"),
        (f"Bearer mkt_0123abcd_{'A' * 43}", "Unknown API token"),
    ],
    ids=["empty", "two words", "malformed", "short", "unknown"],
)
def test_bad_tokens_answer_401_with_a_reason(header, message):
    api_token()
    with CaptureQueriesContext(connection) as queries:
        response = APIClient().get(BUYER_API, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert message in response.json()["detail"]
    if message != "Unknown API token":
        assert len(queries) == 0  # refused before any lookup


def test_a_revoked_token_answers_401():
    token, secret = api_token()
    api_token_revoke(user=token.user, token_id=token.pk)
    response = bearer(secret)
    assert response.status_code == 401
    assert response.json()["detail"] == "This API token has been revoked."


def test_an_expired_token_answers_401():
    token, secret = api_token(expires_at=timezone.now() + timedelta(days=1))
    assert bearer(secret).status_code == 200
    with time_machine.travel(token.expires_at + timedelta(seconds=1)):
        response = bearer(secret)
    assert response.status_code == 401
    assert response.json()["detail"] == "This API token has expired."


def test_the_token_of_an_inactive_account_answers_401():
    token, secret = api_token()
    token.user.is_active = False
    token.user.save(update_fields=["is_active"])
    response = bearer(secret)
    assert response.status_code == 401
    assert response.json()["detail"] == "The account of this API token is inactive."


def test_refusals_are_translated():
    response = APIClient().get(
        BUYER_API, HTTP_AUTHORIZATION="Bearer nope", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "这不是本市场的 API 令牌（格式为 mkt_<prefix>_<secret>）。"


def test_last_used_is_written_at_most_every_five_minutes():
    token, secret = api_token()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with CaptureQueriesContext(connection) as first:
            assert bearer(secret).status_code == 200
        token.refresh_from_db()
        assert token.last_used_at == start
        assert any(q["sql"].startswith("UPDATE") for q in first.captured_queries)
    with time_machine.travel(start + timedelta(minutes=4, seconds=59), tick=False):
        with CaptureQueriesContext(connection) as soon:
            assert bearer(secret).status_code == 200
        assert not any(q["sql"].startswith("UPDATE") for q in soon.captured_queries)
        token.refresh_from_db()
        assert token.last_used_at == start
    later = start + timedelta(minutes=5, seconds=1)
    with time_machine.travel(later, tick=False):
        assert bearer(secret).status_code == 200
        token.refresh_from_db()
        assert token.last_used_at == later


def test_mark_used_is_conditional_in_the_database():
    """A request that read an old `last_used_at` writes nothing if another request has
    written a recent one meanwhile."""
    token, _ = api_token()
    stale_copy = ApiToken.objects.get(pk=token.pk)
    assert api_token_mark_used(token=token) is True
    assert api_token_mark_used(token=stale_copy) is False


# --- the pages -------------------------------------------------------------------------------


def test_the_pages_are_for_signed_in_accounts(client):
    token, _ = api_token()
    for url in (LIST, CREATE, revoke_url(token)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_create_page_shows_the_token_once(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(CREATE).status_code == 200

    response = client.post(CREATE, {"name": "CI server", "expires_on": ""})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = re.search(r'value="(mkt_[^"]+)"', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=user)
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert token.expires_at is None
    assert bearer(secret).status_code == 200
    # Never again: the list shows the prefix only.
    listing = client.get(LIST).content.decode()
    assert f"mkt_{token.prefix}_" in listing and secret not in listing
    assert secret not in str(dict(client.session))


def test_create_with_an_expiry_day_ends_at_the_end_of_that_day_in_beijing(client):
    user = UserFactory()
    client.force_login(user)
    day = timezone.localdate() + timedelta(days=3)
    client.post(CREATE, {"name": "temp", "expires_on": day.isoformat()})
    token = ApiToken.objects.get(user=user)
    expires = timezone.localtime(token.expires_at)
    assert (expires.date(), expires.hour, expires.minute) == (day + timedelta(days=1), 0, 0)


def test_create_refuses_a_past_day_and_the_limit(client, settings):
    settings.API_TOKENS_PER_USER = 1
    user = UserFactory()
    client.force_login(user)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(CREATE, {"name": "old", "expires_on": yesterday.isoformat()})
    assert response.status_code == 200
    assert "Choose today or a later day." in response.content.decode()
    assert not ApiToken.objects.exists()

    client.post(CREATE, {"name": "one"})
    response = client.post(CREATE, {"name": "two"})
    assert "at most 1 active API tokens" in response.content.decode()
    assert ApiToken.objects.filter(user=user).count() == 1


def test_the_list_shows_only_own_tokens_in_constant_queries(client, django_assert_num_queries):
    user = UserFactory()
    client.force_login(user)
    mine, _ = api_token(user, name="mine")
    theirs = ApiTokenFactory(name="theirs")
    client.get(LIST)  # warm the per-process caches
    with CaptureQueriesContext(connection) as one:
        body = client.get(LIST).content.decode()
    assert "mine" in body and "theirs" not in body and theirs.prefix not in body
    revoked, _ = api_token(user, name="revoked one")
    api_token_revoke(user=user, token_id=revoked.pk)
    ApiTokenFactory.create_batch(3, user=user, expires_at=timezone.now() - timedelta(days=1))
    with django_assert_num_queries(len(one)):
        body = client.get(LIST).content.decode()
    assert body.count('data-status="expired"') == 3
    assert body.count('data-status="revoked"') == 1
    assert body.count('data-status="active"') == 1


def test_revoke_asks_first_then_revokes(client):
    token, secret = api_token()
    client.force_login(token.user)
    page = client.get(revoke_url(token))
    assert page.status_code == 200
    assert "This can't be undone." in page.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None

    response = client.post(revoke_url(token))

    assert response.status_code == 302 and response.url == LIST
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(secret).status_code == 401


def test_another_accounts_token_is_404_and_stays_unchanged(client):
    token, secret = api_token()
    client.force_login(UserFactory())
    assert client.get(revoke_url(token)).status_code == 404
    assert client.post(revoke_url(token)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert bearer(secret).status_code == 200
    assert client.post(reverse("accounts:api_token_revoke", kwargs={"pk": 2**63})).status_code == (
        404
    )


def test_the_forms_need_the_csrf_token():
    token, _ = api_token()
    client = Client(enforce_csrf_checks=True)
    client.force_login(token.user)
    assert client.post(CREATE, {"name": "forged"}).status_code == 403
    assert client.post(revoke_url(token)).status_code == 403
    assert ApiToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_both_centers_link_to_the_page(client):
    user = PublishingSellerFactory().user
    client.force_login(user)
    for center in (reverse("buyer:dashboard"), reverse("seller:dashboard")):
        assert f'href="{LIST}"' in client.get(center).content.decode(), center


def test_the_pages_speak_chinese(client):
    token, _ = api_token()
    client.force_login(token.user)
    client.cookies["django_language"] = "zh-hans"
    assert "API 令牌" in client.get(LIST).content.decode()
    assert "新建 API 令牌" in client.get(CREATE).content.decode()
    assert "撤销 API 令牌" in client.get(revoke_url(token)).content.decode()


# --- the admin -------------------------------------------------------------------------------

CHANGELIST = reverse("admin:accounts_apitoken_changelist")


def _run_revoke(client, *tokens: ApiToken):
    return client.post(
        CHANGELIST,
        {"action": "revoke", "_selected_action": [t.pk for t in tokens], "index": 0},
        follow=True,
    )


def test_support_lists_searches_and_revokes_tokens(client):
    token, secret = api_token(UserFactory(username="alice-api"))
    other, _ = api_token()
    client.force_login(SupportFactory())

    listing = client.get(CHANGELIST)
    assert listing.status_code == 200
    assert "revoke" in dict(listing.context["action_form"].fields["action"].choices)
    found = client.get(CHANGELIST, {"q": f"mkt_{token.prefix}_…"})
    assert list(found.context["cl"].result_list) == [token]
    assert list(client.get(CHANGELIST, {"q": "alice-api"}).context["cl"].result_list) == [token]
    assert client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).status_code == (
        200
    )

    response = _run_revoke(client, token)

    assert "1 API token(s) revoked." in response.content.decode()
    token.refresh_from_db()
    other.refresh_from_db()
    assert token.revoked_at is not None and other.revoked_at is None
    assert bearer(secret).status_code == 401


def test_other_groups_may_not_see_or_revoke_tokens(client):
    token, _ = api_token()
    for operator in (FinanceFactory(), ReviewerFactory(), OperatorFactory()):
        client.force_login(operator)
        assert client.get(CHANGELIST).status_code == 403
        assert _run_revoke(client, token).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_viewing_without_the_revoke_permission_offers_no_action(client):
    token, _ = api_token()
    viewer = OperatorFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_apitoken"))
    client.force_login(viewer)
    listing = client.get(CHANGELIST)
    assert listing.status_code == 200
    assert listing.context["action_form"] is None  # no action to offer
    _run_revoke(client, token)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_nobody_adds_changes_or_deletes_tokens_in_the_admin(client, admin_user):
    token, _ = api_token()
    name = token.name
    for operator in (admin_user, SupportFactory()):
        client.force_login(operator)
        assert client.get(reverse("admin:accounts_apitoken_add")).status_code == 403
        change = reverse("admin:accounts_apitoken_change", args=[token.pk])
        client.post(change, {"name": "changed", "expires_at_0": "", "expires_at_1": ""})
        delete = reverse("admin:accounts_apitoken_delete", args=[token.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
    token.refresh_from_db()
    assert token.name == name
    assert ApiToken.objects.filter(pk=token.pk).exists()
