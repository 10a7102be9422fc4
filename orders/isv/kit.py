"""Joint-operation kit sync 联营kit (04 › kit sync; isv-api-reference.md §1.9-§1.12).

A buyer binds an active joint-operation SaaS subscription to their enterprise in the
buyer center. `tenant_bind` assigns the tenant (tenantId, tenantCode and the domain name
`<tenantCode>.<settings.TENANT_DOMAIN_SUFFIX>`), saves the `TenantBinding` and writes one
`KitSync` row per call, in the order they are sent:

    tenantSync (flag 1) → applicationSync (flag 1) → allOrgSync (one root department)
    → authSync (the buyer as the tenant's admin, flag 1)

`kit_syncs_send` then sends them synchronously, outside any transaction, each with a short
timeout (`settings.ISV_QUERY_TIMEOUT_SECONDS`, the buyer is waiting), and stops at the
first failure: the later calls need the earlier ones. There is no automatic retry (§1.9):
the buyer sees the failure and a Retry button (`kit_sync_retry`, which sends the failed
call and the ones after it again), and the seller is e-mailed — its account and the
product's customer-service group mailbox.

applicationSync.clientSecret: the reference has it RSA-encrypted with a public key the
seller registered; the marketplace has no public-key registration (nor an identity
provider that would check the secret), so it is sent as an opaque value derived from
SECRET_KEY — the same on every retry, never stored: the `KitSync.payload` keeps "***".
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.catalog.models import DeliveryType
from marketplace.core.exceptions import DomainError
from marketplace.core.notifications import notify

from ..models import KitSync, ProductInterface, Subscription, TenantBinding

logger = logging.getLogger(__name__)

KIT_PREFIX = "/produceAPI/v2/"
SEND_ORDER = [
    KitSync.Path.TENANT,
    KitSync.Path.APPLICATION,
    KitSync.Path.ALL_ORG,
    KitSync.Path.AUTH,
]
ROOT_ORG = "root"
FAILED_TEMPLATE = "kit_sync_failed"
REDACTED = "***"
BEIJING = timezone.get_fixed_timezone(timedelta(hours=8))


def tenant_domain_suffix() -> str:
    return getattr(settings, "TENANT_DOMAIN_SUFFIX", "tenants.localhost")


def kit_timestamp(at=None) -> str:
    """`timeStamp` / `currentSyncTime`: yyyyMMddHHmmssSSS in UTC+8 (§1.9)."""
    moment = (at or timezone.now()).astimezone(BEIJING)
    return moment.strftime("%Y%m%d%H%M%S") + f"{moment.microsecond // 1000:03d}"


def default_enterprise_name(user) -> str:
    """The company name of the buyer's enterprise verification, if there is one."""
    verification = getattr(user, "enterprise_verification", None)
    return verification.company_name if verification is not None else ""


def app_id(subscription: Subscription) -> str:
    """The seller's application in applicationSync/authSync: one per product."""
    return f"app-{subscription.product_id}"


def client_secret(binding: TenantBinding, application: str) -> str:
    # Derived, not stored: a retry sends the same value, and nothing secret is at rest.
    message = f"kit-client-secret:{binding.tenant_id}:{application}"
    return hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


def kit_bindable(subscription: Subscription) -> bool:
    """Whether the bind form is offered: an active joint SaaS subscription, not bound yet."""
    return (
        subscription.delivery_type == DeliveryType.JOINT_SAAS
        and subscription.status == Subscription.Status.ACTIVE
        and not hasattr(subscription, "tenant")
    )


def _payloads(subscription: Subscription, binding: TenantBinding, buyer) -> dict[str, dict]:
    """The request bodies, without `timeStamp` (set when sent). `testFlag` is 0: a
    binding is real, even for a test account's order (§1.9: Integer 0/1)."""
    order = subscription.orders.order_by("created_at", "id").first()
    common = {"instanceId": subscription.instance_id, "testFlag": 0, "tenantId": binding.tenant_id}
    application = app_id(subscription)
    admin = {
        "userName": buyer.username,
        "name": buyer.get_full_name() or buyer.username,
        "orgCode": ROOT_ORG,
        "role": "admin",
        "enable": "true",
        "email": buyer.email or None,
        "mobile": buyer.mobile or None,
    }
    return {
        KitSync.Path.TENANT: common
        | {
            "orderId": order.number if order else "",
            "tenantCode": binding.tenant_code,
            "name": binding.name,
            "domainName": binding.domain_name,
            "flag": 1,
        },
        KitSync.Path.APPLICATION: common
        | {
            "appId": application,
            "clientId": f"{binding.tenant_code}-{application}",
            "clientSecret": REDACTED,
            "flag": 1,
        },
        KitSync.Path.ALL_ORG: common
        | {"orgInfoList": [{"orgCode": ROOT_ORG, "orgName": binding.name}]},
        KitSync.Path.AUTH: common
        | {
            "appId": application,
            "userList": [{k: v for k, v in admin.items() if v is not None}],
            "flag": 1,
        },
    }


@transaction.atomic
def tenant_bind(*, subscription_id: int, buyer, name: str) -> TenantBinding:
    """Bind the buyer's joint SaaS subscription to the enterprise `name`: the tenant and
    its pending kit syncs. Send them with `kit_syncs_send` after this commits."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Enter the name of your enterprise."))
    if len(name) > 255:
        raise DomainError(_("The enterprise name is too long (255 characters at most)."))
    subscription = (
        Subscription.objects.select_for_update()
        .select_related("product")
        .filter(pk=subscription_id, buyer=buyer)
        .first()
    )
    if subscription is None:
        raise DomainError(_("This purchased service does not exist."))
    if subscription.delivery_type != DeliveryType.JOINT_SAAS:
        raise DomainError(_("Only a joint-operation SaaS service can be bound to an enterprise."))
    if subscription.status != Subscription.Status.ACTIVE:
        raise DomainError(_("Only a service in use can be bound to an enterprise."))
    if TenantBinding.objects.filter(subscription=subscription).exists():
        raise DomainError(_("This service is already bound to an enterprise."))
    if not ProductInterface.objects.filter(product_id=subscription.product_id).exists():
        raise DomainError(_("The seller has not set up the product's production interface yet."))
    tenant_code = "t" + secrets.token_hex(5)
    binding = TenantBinding.objects.create(
        subscription=subscription,
        tenant_id=uuid.uuid4().hex,
        tenant_code=tenant_code,
        name=name,
        domain_name=f"{tenant_code}.{tenant_domain_suffix()}",
    )
    payloads = _payloads(subscription, binding, buyer)
    KitSync.objects.bulk_create(
        KitSync(subscription=subscription, path=path, payload=payloads[path]) for path in SEND_ORDER
    )
    return binding


def kit_syncs_for(subscription: Subscription) -> list[KitSync]:
    """The subscription's kit syncs in sending order (the latest row per path)."""
    latest: dict[str, KitSync] = {}
    for sync in KitSync.objects.filter(subscription=subscription).order_by("created_at", "id"):
        latest[sync.path] = sync
    return sorted(latest.values(), key=lambda s: SEND_ORDER.index(s.path))


def _body(sync: KitSync, binding: TenantBinding) -> dict:
    body = dict(sync.payload) | {"timeStamp": kit_timestamp()}
    if sync.path == KitSync.Path.APPLICATION:
        body["clientSecret"] = client_secret(binding, body["appId"])
    if sync.path == KitSync.Path.AUTH:
        body["currentSyncTime"] = body["timeStamp"]
    return body


def kit_syncs_send(*, subscription_id: int) -> list[KitSync]:
    """Send the subscription's kit syncs that have not succeeded, in order, stopping at
    the first failure (which e-mails the seller). Runs outside any transaction: each
    result is saved on its own, so a crash leaves the truth about what was sent."""
    from .client import post_kit  # the HTTP client; imported late to keep imports light

    subscription = Subscription.objects.select_related(
        "product__interface__access_key", "product__interface__kit_access_key", "tenant"
    ).get(pk=subscription_id)
    interface = getattr(subscription.product, "interface", None)
    syncs = kit_syncs_for(subscription)
    timeout = settings.ISV_QUERY_TIMEOUT_SECONDS
    for sync in syncs:
        if sync.status == KitSync.Status.SUCCEEDED:
            continue
        if interface is None:
            error, exchange = _("The product has no production interface."), None
        else:
            exchange = post_kit(
                interface=interface,
                path=KIT_PREFIX + sync.path,
                body=_body(sync, subscription.tenant),
                timeout=timeout,
            )
            error = "" if exchange.ok else exchange.error
        _record(sync, exchange, error)
        if error:
            break
    return syncs


@transaction.atomic
def _record(sync: KitSync, exchange, error: str) -> None:
    changes = {
        "status": KitSync.Status.FAILED if error else KitSync.Status.SUCCEEDED,
        "http_status": exchange.http_status if exchange else None,
        "result_code": (exchange.result_code if exchange else "")[:16],
        "last_error": error[:2000],
        "updated_at": timezone.now(),
    }
    KitSync.objects.filter(pk=sync.pk).update(attempts=F("attempts") + 1, **changes)
    sync.refresh_from_db()
    if error:
        notify_kit_failed(sync)


def kit_sync_retry(*, subscription_id: int, buyer) -> list[KitSync]:
    """The buyer's Retry: send the failed call and the ones after it again."""
    subscription = Subscription.objects.filter(pk=subscription_id, buyer=buyer).first()
    if subscription is None or not TenantBinding.objects.filter(subscription=subscription).exists():
        raise DomainError(_("This service is not bound to an enterprise."))
    failed = KitSync.objects.filter(subscription=subscription, status=KitSync.Status.FAILED)
    if not failed.exists():
        raise DomainError(_("There is nothing to retry."))
    return kit_syncs_send(subscription_id=subscription.pk)


# --- e-mail to the seller --------------------------------------------------------------------


def _context(sync: KitSync) -> dict:
    subscription = sync.subscription
    return {
        "sync_id": sync.pk,
        "path": sync.path,
        "product_name": subscription.product.name,
        "instance_id": subscription.instance_id,
        "tenant_name": subscription.tenant.name,
        "error": sync.last_error[:500],
    }


def notify_kit_failed(sync: KitSync) -> None:
    """E-mail the seller's account (a notification) and, after commit, the mailbox of the
    product's customer-service group. Call in the transaction that records the failure."""
    sync = KitSync.objects.select_related(
        "subscription__seller__user",
        "subscription__product__listed_version__service_group",
        "subscription__tenant",
    ).get(pk=sync.pk)
    user = sync.subscription.seller.user
    context = _context(sync)
    notify(
        user=user,
        template=FAILED_TEMPLATE,
        context=context,
        key=f"kit-sync-failed:{sync.pk}:{sync.attempts}",
    )
    version = sync.subscription.product.listed_version
    group = version.service_group if version is not None else None
    if group is not None and group.email.lower() != (user.email or "").lower():
        transaction.on_commit(lambda: _mail_service_group(group.email, user, context))


def _mail_service_group(address: str, user, context: dict) -> None:
    """A copy for the customer-service group: not an account, so not a notification.
    Sent right after commit; a mail failure is logged, it must not fail the buyer's page."""
    context = context | {
        "user": user,
        "site_url": settings.SITE_URL.rstrip("/"),
        "site_name": settings.SITE_NAME,
    }
    name = f"emails/{FAILED_TEMPLATE}"
    try:
        with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
            subject = " ".join(render_to_string(f"{name}_subject.txt", context).split())
            body = render_to_string(f"{name}_body.txt", context)
        EmailMultiAlternatives(subject=subject, body=body, to=[address]).send()
    except Exception:
        logger.exception("could not mail the kit sync failure to %s", address)
