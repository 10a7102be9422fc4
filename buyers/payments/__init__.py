"""Payment providers for wallet top-ups (03-orders › Pay: balance is topped up first).

A provider is two calls, the shape every real one (Alipay, WeChat Pay, UnionPay) has:

- `start(top_up, return_url) -> str`: the URL of the provider's page the buyer is sent to;
  after paying there the buyer's browser comes back to `return_url` (which only *shows*
  the status: a browser coming back proves nothing);
- `verify_notification(data) -> (txn_id, reference, amount, ok)`: the provider's signed
  asynchronous notification, sent server to server; raises `InvalidNotification` when
  the signature or a field is wrong. Only a verified notification completes a top-up
  (`buyers.services.topup.top_up_complete`, idempotent on the provider's `txn_id`).

`settings.PAYMENT_PROVIDER` names the one in use; "sandbox" (buyers.payments.sandbox) is a
stand-in of that exact shape whose "provider page" is one of our own URLs.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.translation import gettext as _

from marketplace.core.exceptions import DomainError


class InvalidNotification(DomainError):
    """A notification whose signature or fields don't check out: refused, nothing done."""


class PaymentProvider(Protocol):
    name: str

    def start(self, top_up, return_url: str) -> str: ...

    def verify_notification(self, data) -> tuple[str, str, Decimal, bool]: ...


def get_provider(name: str | None = None) -> PaymentProvider:
    """The provider called `name` (default: settings.PAYMENT_PROVIDER)."""
    from .sandbox import SandboxProvider

    providers = {SandboxProvider.name: SandboxProvider}
    name = name or settings.PAYMENT_PROVIDER
    if name not in providers:
        raise DomainError(_("Unknown payment provider."))
    return providers[name]()
