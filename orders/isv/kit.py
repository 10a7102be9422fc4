"""Joint-operation kit sync 联营kit (04 › kit sync; isv-api-reference.md §1.9-§1.12).

A buyer binds an active joint-operation SaaS subscription to their enterprise in the
buyer center. `tenant_bind` assigns the tenant (tenantId, tenantCode and the domain name
`<tenantCode>.<settings.TENANT_DOMAIN_SUFFIX>`), saves the `TenantBinding` and writes one
`KitSync` row per call, in the order they are sent:

    tenantSync (flag 1) → applicationSync (flag 1) → allOrgSync (one root department)
    → authSync (the buyer as the tenant's admin, flag 1)

The buyer may then change the enterprise name (`tenant_modify`, flag 2 — the reference
lets tenantSync change the name and the domain, but the domain is the marketplace's,
derived from the tenant code, so only the name changes):

    tenantSync (flag 2, the new name) → singleOrgSync (flag 2, the root department renamed)

or unbind (`tenant_unbind`, flag 0), undoing the bind in reverse order — every record the
bind made is deleted explicitly, as the reference does not say that deleting a tenant
deletes what hangs off it:

    authSync (flag 0) → singleOrgSync (flag 0) → applicationSync (flag 0) → tenantSync (flag 0)

An unbinding cancels the calls of an earlier operation that never went through (status
`cancelled`: an "add" sent after the "delete" would bring the tenant back); the ISV must
accept the deletes anyway (§1.9: idempotent, no check that the record exists). When every
delete succeeded the `TenantBinding` is deleted (its KitSync rows stay, binding null) and
the service can be bound again. A change waits until the earlier calls went through.

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
MODIFY_ORDER = [KitSync.Path.TENANT, KitSync.Path.SINGLE_ORG]
UNBIND_ORDER = [
    KitSync.Path.AUTH,
    KitSync.Path.SINGLE_ORG,
    KitSync.Path.APPLICATION,
    KitSync.Path.TENANT,
]
FLAGS = {  # §1.9: flag 0 delete / 1 add / 2 modify
    KitSync.Operation.BIND: 1,
    KitSync.Operation.MODIFY: 2,
    KitSync.Operation.UNBIND: 0,
}
OPEN = (KitSync.Status.PENDING, KitSync.Status.FAILED)
ORG_NAME_MAX = 128  # orgName M(128), while the enterprise name may have 255
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


def _payloads(
    subscription: Subscription, binding: TenantBinding, buyer, *, flag: int = 1
) -> dict[str, dict]:
    """The request bodies, without `timeStamp` (set when sent), with `flag` (allOrgSync
    has none). `testFlag` is 0: a binding is real, even for a test account's order (§1.9:
    Integer 0/1). Deletes carry every mandatory field too, the same as the add."""
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
    org_name = binding.name[:ORG_NAME_MAX]
    return {
        KitSync.Path.TENANT: common
        | {
            "orderId": order.number if order else "",
            "tenantCode": binding.tenant_code,
            "name": binding.name,
            "domainName": binding.domain_name,
            "flag": flag,
        },
        KitSync.Path.APPLICATION: common
        | {
            "appId": application,
            "clientId": f"{binding.tenant_code}-{application}",
            "clientSecret": REDACTED,
            "flag": flag,
        },
        KitSync.Path.ALL_ORG: common
        | {"orgInfoList": [{"orgCode": ROOT_ORG, "orgName": org_name}]},
        KitSync.Path.SINGLE_ORG: common | {"orgCode": ROOT_ORG, "orgName": org_name, "flag": flag},
        KitSync.Path.AUTH: common
        | {
            "appId": application,
            "userList": [{k: v for k, v in admin.items() if v is not None}],
            "flag": flag,
        },
    }


def _syncs_create(
    subscription: Subscription, binding: TenantBinding, operation: str, paths: list[str]
) -> None:
    payloads = _payloads(subscription, binding, subscription.buyer, flag=FLAGS[operation])
    # Created in sending order: `kit_syncs_send` sends the open rows by id.
    KitSync.objects.bulk_create(
        KitSync(
            subscription=subscription,
            binding=binding,
            operation=operation,
            path=path,
            payload=payloads[path],
        )
        for path in paths
    )


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Enter the name of your enterprise."))
    if len(name) > 255:
        raise DomainError(_("The enterprise name is too long (255 characters at most)."))
    return name


@transaction.atomic
def tenant_bind(*, subscription_id: int, buyer, name: str) -> TenantBinding:
    """Bind the buyer's joint SaaS subscription to the enterprise `name`: the tenant and
    its pending kit syncs. Send them with `kit_syncs_send` after this commits."""
    name = _clean_name(name)
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
    _syncs_create(subscription, binding, KitSync.Operation.BIND, SEND_ORDER)
    return binding


def _binding_for_update(*, subscription_id: int, buyer) -> TenantBinding:
    """The buyer's binding of the subscription, locked; scoped by the buyer in the query."""
    binding = (
        TenantBinding.objects.select_for_update()
        .select_related("subscription__buyer")
        .filter(subscription_id=subscription_id, subscription__buyer=buyer)
        .first()
    )
    if binding is None:
        raise DomainError(_("This service is not bound to an enterprise."))
    return binding


@transaction.atomic
def tenant_modify(*, subscription_id: int, buyer, name: str) -> TenantBinding:
    """Change the enterprise name of the buyer's binding: its modify syncs (flag 2).
    Send them with `kit_syncs_send` after this commits."""
    name = _clean_name(name)
    binding = _binding_for_update(subscription_id=subscription_id, buyer=buyer)
    subscription = binding.subscription
    if binding.unbind_requested_at is not None:
        raise DomainError(_("This service is being unbound from its enterprise."))
    if subscription.status != Subscription.Status.ACTIVE:
        raise DomainError(_("Only a service in use can change its enterprise."))
    if binding.kit_syncs.filter(status__in=OPEN).exists():
        raise DomainError(_("The last synchronisation has not gone through yet: retry it first."))
    if name == binding.name:
        raise DomainError(_("The enterprise name is unchanged."))
    binding.name = name
    binding.save(update_fields=["name"])
    _syncs_create(subscription, binding, KitSync.Operation.MODIFY, MODIFY_ORDER)
    return binding


@transaction.atomic
def tenant_unbind(*, subscription_id: int, buyer) -> TenantBinding:
    """Unbind the buyer's service from its enterprise: cancel what was never sent, write
    the delete syncs (flag 0). Send them with `kit_syncs_send` after this commits; the
    binding goes when they all succeeded."""
    binding = _binding_for_update(subscription_id=subscription_id, buyer=buyer)
    if binding.unbind_requested_at is not None:
        raise DomainError(
            _("This service is already being unbound: retry the failed synchronisation.")
        )
    binding.kit_syncs.filter(status__in=OPEN).update(
        status=KitSync.Status.CANCELLED, updated_at=timezone.now()
    )
    binding.unbind_requested_at = timezone.now()
    binding.save(update_fields=["unbind_requested_at"])
    _syncs_create(binding.subscription, binding, KitSync.Operation.UNBIND, UNBIND_ORDER)
    return binding


@transaction.atomic
def _unbind_finish(*, binding_id: int) -> bool:
    """Delete an unbinding binding whose delete syncs all succeeded; False otherwise."""
    binding = (
        TenantBinding.objects.select_for_update()
        .filter(pk=binding_id, unbind_requested_at__isnull=False)
        .first()
    )
    if binding is None or binding.kit_syncs.filter(status__in=OPEN).exists():
        return False
    binding.delete()  # its KitSync rows stay, with binding null
    return True


def kit_syncs_open(binding: TenantBinding) -> list[KitSync]:
    """The binding's kit syncs still to be sent (or sent again), in sending order. Only
    one operation has open calls at a time: a change waits for the earlier ones, an
    unbinding cancels them."""
    return list(binding.kit_syncs.filter(status__in=OPEN).order_by("pk"))


def _body(sync: KitSync, binding: TenantBinding) -> dict:
    body = dict(sync.payload) | {"timeStamp": kit_timestamp()}
    if sync.path == KitSync.Path.APPLICATION:
        body["clientSecret"] = client_secret(binding, body["appId"])
    if sync.path == KitSync.Path.AUTH:
        body["currentSyncTime"] = body["timeStamp"]
    return body


def kit_syncs_send(*, subscription_id: int) -> list[KitSync]:
    """Send the subscription's open kit syncs (`kit_syncs_open`) in order, stopping at the
    first failure (which e-mails the seller), and return them. Runs outside any
    transaction: each result is saved on its own, so a crash leaves the truth about what
    was sent. When an unbinding's last delete succeeded, the binding is deleted."""
    from .client import post_kit  # the HTTP client; imported late to keep imports light

    subscription = Subscription.objects.select_related(
        "product__interface__access_key", "product__interface__kit_access_key"
    ).get(pk=subscription_id)
    binding = TenantBinding.objects.filter(subscription=subscription).first()
    if binding is None:
        return []
    interface = getattr(subscription.product, "interface", None)
    syncs = kit_syncs_open(binding)
    timeout = settings.ISV_QUERY_TIMEOUT_SECONDS
    for sync in syncs:
        if interface is None:
            error, exchange = _("The product has no production interface."), None
        else:
            exchange = post_kit(
                interface=interface,
                path=KIT_PREFIX + sync.path,
                body=_body(sync, binding),
                timeout=timeout,
            )
            error = "" if exchange.ok else exchange.error
        _record(sync, exchange, error)
        if error:
            break
    if binding.unbind_requested_at is not None:
        _unbind_finish(binding_id=binding.pk)
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
    # Not over a cancellation made meanwhile (an unbinding in another tab).
    updated = (
        KitSync.objects.filter(pk=sync.pk)
        .exclude(status=KitSync.Status.CANCELLED)
        .update(attempts=F("attempts") + 1, **changes)
    )
    sync.refresh_from_db()
    if error and updated:
        notify_kit_failed(sync)


def kit_sync_retry(*, subscription_id: int, buyer) -> list[KitSync]:
    """The buyer's Retry: send the failed call and the ones after it again."""
    binding = TenantBinding.objects.filter(
        subscription_id=subscription_id, subscription__buyer=buyer
    ).first()
    if binding is None:
        raise DomainError(_("This service is not bound to an enterprise."))
    if not binding.kit_syncs.filter(status=KitSync.Status.FAILED).exists():
        raise DomainError(_("There is nothing to retry."))
    return kit_syncs_send(subscription_id=binding.subscription_id)


# --- e-mail to the seller --------------------------------------------------------------------


def _context(sync: KitSync) -> dict:
    subscription = sync.subscription
    return {
        "sync_id": sync.pk,
        "path": sync.path,
        "operation": sync.operation,
        "product_name": subscription.product.name,
        "instance_id": subscription.instance_id,
        "tenant_name": sync.binding.name if sync.binding else "",
        "error": sync.last_error[:500],
    }


def notify_kit_failed(sync: KitSync) -> None:
    """E-mail the seller's account (a notification) and, after commit, the mailbox of the
    product's customer-service group. Call in the transaction that records the failure."""
    sync = KitSync.objects.select_related(
        "subscription__seller__user",
        "subscription__product__listed_version__service_group",
        "binding",
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
