"""Application credentials 应用凭证 and test accounts 应用测试账号 (04, isv-api-reference §2).

Access keys
- A key is a `key_id` (20 upper-case letters and digits, the AK of the open API) and a
  secret (40 URL-safe characters, the SK or the production-interface signing key). The
  secret is stored only encrypted (marketplace/core/crypto.py); the services that make a
  key return its plaintext once, for the page that shows it, and nothing else ever does
  except `access_key_secret`, which the signing and verifying code calls.
- Rotation makes a new key of the same kind and leaves the old one usable for an overlap
  window (`ACCESS_KEY_ROTATION_OVERLAP_HOURS`, default 24 h), so the seller can install the
  new secret on its server without an outage. A product's production interface keeps
  naming the key it was set with: the seller switches it to the new key on the production
  interface page during the overlap (the page warns about keys that are running out). We
  don't switch it for them: the marketplace would then sign with a key the seller's server
  may not hold yet.
- Revocation ends a key at once (a leaked secret); it is always allowed.

Test accounts
- A seller may hold `MAX_TEST_ACCOUNTS` test buyer accounts, named `test-<store>-<n>`, with
  a generated password shown once. They are ordinary accounts marked by a `TestAccount`
  row; what they may buy (the seller's own products, without money: `Order.is_test`) is
  decided in checkout.
"""

from __future__ import annotations

import re
import secrets
import string
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.accounts.names import name_key
from marketplace.core import crypto
from marketplace.core.audit import log_transition
from marketplace.core.exceptions import DomainError

from ..models import AccessKey, Seller, TestAccount

KEY_ID_LENGTH = 20
KEY_ID_ALPHABET = string.ascii_uppercase + string.digits
SECRET_BYTES = 30  # token_urlsafe(30) is 40 characters
# Keys without an end date a seller may hold per kind; keys that are running out after a
# rotation don't count, so a rotation is always possible.
MAX_KEYS_PER_KIND = 5
MAX_TEST_ACCOUNTS = 5
TEST_PASSWORD_BYTES = 12  # 16 characters
# `last_used_at` is written at most this often per key: the open API may be called many
# times a second, and the column only needs to say "used recently".
LAST_USED_RESOLUTION = timedelta(minutes=1)

# Keys may be managed while the seller is leaving too: its subscriptions run on, and their
# calls are still signed (see sellers.services for exit). Test accounts are for active ones.
_SELLING = (Seller.Status.ACTIVE, Seller.Status.EXIT_PENDING)


def new_key_id() -> str:
    return "".join(secrets.choice(KEY_ID_ALPHABET) for _ in range(KEY_ID_LENGTH))


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def _check_seller(seller: Seller) -> None:
    if seller.status not in _SELLING:
        raise DomainError(_("Only an onboarded seller can manage application credentials."))


def _make_key(*, seller: Seller, kind: str) -> tuple[AccessKey, str]:
    secret = new_secret()
    key_id = new_key_id()
    while AccessKey.objects.filter(key_id=key_id).exists():  # 36**20: never, in practice
        key_id = new_key_id()
    key = AccessKey.objects.create(
        seller=seller, kind=kind, key_id=key_id, secret_encrypted=crypto.encrypt(secret)
    )
    return key, secret


@transaction.atomic
def access_key_create(*, seller: Seller, kind: str, actor) -> tuple[AccessKey, str]:
    """A new key of `kind` for `seller` and its secret — the only time it is given out."""
    if kind not in AccessKey.Kind.values:
        raise DomainError(_("Choose the kind of key."))
    seller = Seller.objects.select_for_update().get(pk=seller.pk)  # serialise the count
    _check_seller(seller)
    open_ended = AccessKey.objects.filter(
        seller=seller, kind=kind, revoked_at__isnull=True, expires_at__isnull=True
    ).count()
    if open_ended >= MAX_KEYS_PER_KIND:
        raise DomainError(
            _("You already have %(count)d keys of this kind: revoke one you no longer use first.")
            % {"count": open_ended}
        )
    key, secret = _make_key(seller=seller, kind=kind)
    log_transition(key, action="create", to_state="active", actor=actor)
    return key, secret


@transaction.atomic
def access_key_rotate(
    *, key: AccessKey, actor, overlap: timedelta | None = None
) -> tuple[AccessKey, str]:
    """A new key of the same seller and kind (and its secret, given out once); the old
    key stays usable until now + `overlap` (default ACCESS_KEY_ROTATION_OVERLAP_HOURS),
    or its own earlier end."""
    if overlap is None:
        overlap = timedelta(hours=settings.ACCESS_KEY_ROTATION_OVERLAP_HOURS)
    if overlap < timedelta(0):
        raise DomainError(_("The overlap can't be negative."))
    key = AccessKey.objects.select_for_update().select_related("seller").get(pk=key.pk)
    _check_seller(key.seller)
    now = timezone.now()
    if not access_key_usable(key, at=now):
        raise DomainError(_("This key is revoked or expired: create a new key instead."))
    if key.expires_at is not None:
        # Already rotated once: a second rotation would leave two live successors.
        raise DomainError(_("This key has already been rotated; rotate its successor instead."))
    new_key, secret = _make_key(seller=key.seller, kind=key.kind)
    key.expires_at = now + overlap
    key.save(update_fields=["expires_at"])
    log_transition(key, action="rotate", from_state="active", to_state="expiring", actor=actor)
    log_transition(new_key, action="create", to_state="active", actor=actor)
    return new_key, secret


@transaction.atomic
def access_key_revoke(*, key: AccessKey, actor) -> AccessKey:
    """End `key` now (idempotent: a revoked key stays as it was)."""
    key = AccessKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        log_transition(key, action="revoke", to_state="revoked", actor=actor)
    return key


def access_key_secret(key: AccessKey) -> str:
    """The plaintext secret, for signing and verifying only: never show or log it."""
    return crypto.decrypt(key.secret_encrypted)


def access_key_usable(key: AccessKey, at: datetime | None = None) -> bool:
    """Not revoked and not past its end (`expires_at`, set by a rotation) at `at` (now)."""
    at = at or timezone.now()
    if key.revoked_at is not None and key.revoked_at <= at:
        return False
    return key.expires_at is None or at < key.expires_at


def access_key_mark_used(*, key: AccessKey, at: datetime | None = None) -> None:
    """Record that `key` signed or verified a request (at most once a minute per key,
    with one conditional UPDATE and no lock: callers are on hot paths)."""
    at = at or timezone.now()
    AccessKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=at - LAST_USED_RESOLUTION)
    ).update(last_used_at=at)


def open_api_key_lookup(key_id: str) -> tuple[AccessKey, str] | None:
    """The usable OPEN_API key with this AK and its secret (SK), or None. The seller is
    selected too: callers scope everything to `key.seller`."""
    key = (
        AccessKey.objects.filter(key_id=key_id or "", kind=AccessKey.Kind.OPEN_API)
        .select_related("seller")
        .first()
    )
    if key is None or not access_key_usable(key):
        return None
    if key.seller.status not in (Seller.Status.ACTIVE, Seller.Status.EXIT_PENDING):
        return None
    return key, access_key_secret(key)


def access_key_list(*, seller: Seller):
    """The seller's keys, newest first (metadata only: never decrypt for a list)."""
    return AccessKey.objects.filter(seller=seller).order_by("-created_at", "-pk")


# --- test accounts -------------------------------------------------------------------------


def _store_slug(seller: Seller) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", slugify(seller.store_name or "")).strip("-")[:30]
    return slug or f"seller{seller.pk}"


def _free_test_name(seller: Seller) -> str:
    base = f"test-{_store_slug(seller)}"
    number = TestAccount.objects.filter(seller=seller).count() + 1
    while True:
        username = f"{base}-{number}"
        if not User.objects.filter(name_key=name_key(username)).exists():
            return username
        number += 1


@transaction.atomic
def test_account_create(*, seller: Seller, actor) -> tuple[TestAccount, str]:
    """A new test buyer account of `seller` and its password — shown once."""
    seller = Seller.objects.select_for_update().get(pk=seller.pk)  # serialise the count
    if seller.status != Seller.Status.ACTIVE:
        raise DomainError(_("Only an onboarded seller can create test accounts."))
    if TestAccount.objects.filter(seller=seller).count() >= MAX_TEST_ACCOUNTS:
        raise DomainError(
            _("A seller may have at most %(count)d test accounts.") % {"count": MAX_TEST_ACCOUNTS}
        )
    password = secrets.token_urlsafe(TEST_PASSWORD_BYTES)
    user = User(username=_free_test_name(seller), language=seller.user.language)
    user.set_password(password)
    user.save()
    account = TestAccount.objects.create(seller=seller, user=user)
    log_transition(account, action="create", to_state="active", actor=actor)
    return account, password


def test_account_list(*, seller: Seller):
    return TestAccount.objects.filter(seller=seller).select_related("user").order_by("pk")


def is_test_account(user) -> bool:
    """The account is a seller's test buyer account (one query unless cached)."""
    if not getattr(user, "is_authenticated", False):
        return False
    try:
        return user.test_account is not None
    except TestAccount.DoesNotExist:
        return False


# Service names that start with "test_" are not tests: keep pytest from collecting them
# where a test module imports them.
test_account_create.__test__ = False  # type: ignore[attr-defined]
test_account_list.__test__ = False  # type: ignore[attr-defined]
