"""License codes (线上授权码, isv-api-reference §4.4): the buyer claims a delivered code in
purchased services; the seller's server activates it and sends heartbeats through the
open API.

    delivered ──license_claim (buyer)──▶ claimed ──license_activate (seller's server)──▶ alive

- `license_activate`: only the seller's own code (another seller's → 92020001), known
  (→ 92020005), claimed by the buyer first (→ 92020004). Sets status ALIVE,
  `activated_at`, and the purchased service's start (`starts_at`) to `real_effect_time`
  (not before the service was bought; default now). Activating an ALIVE code again
  answers it as it is and changes nothing.
- `license_heartbeat`: records `last_heartbeat_at` and reports the code's state: RELEASED
  when the code or its service is released / unsubscribed, EXPIRED when it or its service
  has expired or is frozen, else ALIVE. A code not yet activated → 92020004.

Seam for supervision (05): activation passes the supervision case's node later. Orders
sits below supervision in the import layering, so supervision registers a handler here
from its app's `ready()`:

    from orders.services.licenses import register_license_activated_hook
    register_license_activated_hook(lambda license: ...)

Handlers run inside the activation's transaction, once per code (not on a repeated
activation); an exception in one rolls the activation back. None are registered now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core.audit import move_to
from marketplace.core.exceptions import DomainError

from ..models import License, Subscription

LicenseHook = Callable[[License], None]

SUCCESS = "92020000"
UNAUTHORIZED = "92020001"
INVALID_PARAMETER = "92020002"
NOT_RECEIVED = "92020004"
NOT_FOUND = "92020005"

_activated_hooks: list[LicenseHook] = []


def register_license_activated_hook(hook: LicenseHook) -> LicenseHook:
    """Add `hook(license)` to run on every first activation (usable as a decorator)."""
    if hook not in _activated_hooks:
        _activated_hooks.append(hook)
    return hook


def unregister_license_activated_hook(hook: LicenseHook) -> None:
    if hook in _activated_hooks:
        _activated_hooks.remove(hook)


def run_license_activated_hooks(license: License) -> None:
    for hook in list(_activated_hooks):
        hook(license)


class LicenseRefused(DomainError):
    """Refused with a licence API code (§3.2)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _own_license(*, seller, code: str, lock: bool) -> License:
    queryset = License.objects.select_related("subscription")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    license = queryset.filter(code=code).first()
    if license is None:
        raise LicenseRefused(NOT_FOUND, "License code does not exist.")
    if license.subscription.seller_id != seller.pk:
        raise LicenseRefused(UNAUTHORIZED, "This license code belongs to another seller.")
    return license


@transaction.atomic
def license_activate(*, seller, code: str, real_effect_time: dt.datetime | None = None) -> License:
    """Activate the seller's claimed license code (see the module for the codes)."""
    license = _own_license(seller=seller, code=code, lock=True)
    if license.status == License.Status.ALIVE:
        return license
    if license.status == License.Status.DELIVERED:
        raise LicenseRefused(NOT_RECEIVED, "The buyer has not received this license code yet.")
    if license.status != License.Status.CLAIMED:
        raise LicenseRefused(
            INVALID_PARAMETER, f"A {license.status} license code can't be activated."
        )
    subscription = Subscription.objects.select_for_update().get(pk=license.subscription_id)
    now = timezone.now()
    effective = real_effect_time or now
    if effective < subscription.created_at:
        raise LicenseRefused(INVALID_PARAMETER, "real_effect_time is before the order was placed.")
    license.activated_at = now
    move_to(license, License.Status.ALIVE, action="activate", also_save=["activated_at"])
    subscription.starts_at = effective
    subscription.save(update_fields=["starts_at"])
    license.subscription = subscription
    run_license_activated_hooks(license)
    return license


def license_state(license: License, now: dt.datetime | None = None) -> str:
    """ALIVE | EXPIRED | RELEASED as the heartbeat reports it (nothing written)."""
    now = now or timezone.now()
    subscription = license.subscription
    if license.status == License.Status.RELEASED or subscription.status in (
        Subscription.Status.RELEASED,
        Subscription.Status.UNSUBSCRIBED,
    ):
        return "RELEASED"
    if (
        license.status == License.Status.EXPIRED
        or subscription.status == Subscription.Status.FROZEN
        or (subscription.expires_at is not None and subscription.expires_at <= now)
    ):
        return "EXPIRED"
    return "ALIVE"


@transaction.atomic
def license_heartbeat(*, seller, code: str) -> License:
    """Record a heartbeat of the seller's activated license code."""
    license = _own_license(seller=seller, code=code, lock=False)
    if license.status in (License.Status.DELIVERED, License.Status.CLAIMED):
        raise LicenseRefused(NOT_RECEIVED, "This license code has not been activated.")
    now = timezone.now()
    License.objects.filter(pk=license.pk).update(last_heartbeat_at=now)
    license.last_heartbeat_at = now
    return license


@transaction.atomic
def license_claim(*, license_id: int, buyer) -> License:
    """The buyer takes a delivered code of one of their purchased services (idempotent:
    a code already claimed or activated is returned as it is)."""
    license = (
        License.objects.select_for_update().filter(pk=license_id, subscription__buyer=buyer).first()
    )
    if license is None:
        raise DomainError(_("This license code doesn't exist."))
    if license.status != License.Status.DELIVERED:
        return license
    license.claimed_at = timezone.now()
    move_to(license, License.Status.CLAIMED, action="claim", actor=buyer, also_save=["claimed_at"])
    return license
