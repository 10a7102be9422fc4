"""Instance data in the buyer's purchased services (04 › Instance data; reference §1.2
"called synchronously whenever the buyer opens purchased services → resource info").

`instance_refresh` asks the seller's server (`queryInstance`, signed, with the short
`ISV_QUERY_TIMEOUT_SECONDS`) for the instance's current appInfo and stores it on the
subscription; on any failure the stored data stays and the page says it may be stale.
Not logged as a provisioning call (it is a read, repeated on every visit).
`instance_view` is what the page shows: instanceId, the front-end link (only an http(s)
address), the admin URL, and userName/password decrypted per §2.3 (`appinfo`), or as
returned when they can't be decrypted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from ..models import ProductInterface, Subscription
from .appinfo import decrypt_value
from .client import post_activity

REFRESHABLE = (Subscription.Status.ACTIVE, Subscription.Status.FROZEN)


@dataclass
class InstanceView:
    instance_id: str = ""
    front_end_url: str = ""
    admin_url: str = ""
    user_name: str = ""
    password: str = ""
    memo: str = ""
    encrypted: list[str] = field(default_factory=list)  # shown as returned
    refreshed: bool = False
    stale_reason: str = ""


def _web(url) -> str:
    url = str(url or "")
    return url if url.startswith(("https://", "http://")) else ""


def _interface(subscription: Subscription) -> ProductInterface | None:
    return (
        ProductInterface.objects.select_related("access_key", "kit_access_key")
        .filter(product_id=subscription.product_id)
        .first()
    )


def instance_refresh(*, subscription: Subscription, timeout: float | None = None) -> str:
    """queryInstance for the subscription's instance; "" when refreshed (or nothing to
    ask), else why the data shown may be stale."""
    if subscription.status not in REFRESHABLE or not subscription.instance_id:
        return ""
    interface = _interface(subscription)
    if interface is None:
        return ""
    body = {"activity": "queryInstance", "instanceId": subscription.instance_id}
    exchange = post_activity(
        interface=interface,
        body=body,
        timeout=timeout if timeout is not None else settings.ISV_QUERY_TIMEOUT_SECONDS,
    )
    if not exchange.ok:
        return exchange.error
    answer = exchange.response_json or {}
    for entry in answer.get("info") or []:
        if isinstance(entry, dict) and str(entry.get("instanceId")) == subscription.instance_id:
            info = entry.get("appInfo")
            if isinstance(info, dict):
                if answer.get("encryptType"):
                    info = {**info, "encryptType": str(answer["encryptType"])}
                info = {**info, "refreshedAt": timezone.now().isoformat()}
                Subscription.objects.filter(pk=subscription.pk).update(access_info=info)
                subscription.access_info = info
            return ""
    return ""


def instance_view(subscription: Subscription, *, stale_reason: str = "") -> InstanceView:
    info = subscription.access_info if isinstance(subscription.access_info, dict) else {}
    view = InstanceView(
        instance_id=subscription.instance_id,
        front_end_url=_web(info.get("frontEndUrl")),
        admin_url=_web(info.get("adminUrl")),
        memo=str(info.get("memo") or ""),
        refreshed=bool(info.get("refreshedAt")) and not stale_reason,
        stale_reason=stale_reason,
    )
    secrets = {k: str(info[k]) for k in ("userName", "password") if info.get(k)}
    key = ""
    if secrets:
        interface = _interface(subscription)
        if interface is not None:
            from sellers.services.credentials import access_key_secret

            try:
                key = access_key_secret(interface.access_key)
            except Exception:  # an undecryptable key at rest: show the values as returned
                key = ""
    for name, value in secrets.items():
        plain = None
        if key:
            encrypt_type = info.get("encryptType") or "1"
            plain = decrypt_value(value, access_key=key, encrypt_type=encrypt_type)
        if plain is None:
            view.encrypted.append(name)
            plain = value
        setattr(view, "user_name" if name == "userName" else "password", plain)
    return view
