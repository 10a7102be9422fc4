"""Product health: automatic delisting when a product's production interface failed too
many orders (isv-api-reference §1.0 "product monitoring"; 04 › Health).

Counted: orders of the product (test accounts' orders left out) whose create-instance
call (newInstance) is *finally failed*, the failure recorded within the current Beijing
calendar month. A call restarted by hand that then succeeds no longer counts. More than
`ISV_MAX_FAILED_ORDERS_PER_MONTH` (5) → the listed product is delisted through the
catalog's delist service with a system reason (no operator: actor None), the reason kept
on the product (`delist_reason`, shown in the admin and the seller center) and the seller
e-mailed. Idempotent: a product no longer listed is left alone.

(The daily-probe rule of §1.0 — 5 failing days running — is the debugging console's.)
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.catalog.models import Product
from marketplace.core.notifications import notify

from ..models import ProvisioningCall


def month_bounds(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of the Beijing calendar month of `now`."""
    local = timezone.localtime(now or timezone.now())
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


def _failed_calls(now: dt.datetime | None = None):
    start, end = month_bounds(now)
    return ProvisioningCall.objects.filter(
        activity=ProvisioningCall.Activity.NEW_INSTANCE,
        status=ProvisioningCall.Status.FAILED,
        finished_at__gte=start,
        finished_at__lt=end,
        order__isnull=False,
        order__is_test=False,
    )


def failed_orders_this_month(*, product_id: int, now: dt.datetime | None = None) -> int:
    """Orders of the product whose instance creation finally failed this Beijing month."""
    return (
        _failed_calls(now)
        .filter(subscription__product_id=product_id)
        .values("order_id")
        .distinct()
        .count()
    )


def delist_reason() -> str:
    return _("The production interface failed for more than %(count)s orders this month.") % {
        "count": settings.ISV_MAX_FAILED_ORDERS_PER_MONTH
    }


@transaction.atomic
def product_check_interface_health(*, product_id: int, now: dt.datetime | None = None) -> bool:
    """Delist the product if its interface failed too many orders this month; True if it
    was delisted now."""
    from marketplace.catalog.services.products import product_delist

    if failed_orders_this_month(product_id=product_id, now=now) <= (
        settings.ISV_MAX_FAILED_ORDERS_PER_MONTH
    ):
        return False
    product = Product.objects.select_for_update().select_related("seller__user").get(pk=product_id)
    if product.status != Product.Status.LISTED:
        return False
    reason = delist_reason()
    product_delist(product=product, actor=None, reason=reason, by_operator=False)
    notify(
        user=product.seller.user,
        template="product_delisted_interface",
        context={"product_id": product.pk, "product_name": product.name, "reason": reason},
        key=f"product-delisted-interface:{product.pk}:{month_bounds(now)[0]:%Y%m}",
    )
    return True


def products_check_interface_health(*, now: dt.datetime | None = None) -> int:
    """Beat: check every listed product with a failed order this month; how many were
    delisted now."""
    ids = (
        _failed_calls(now)
        .filter(subscription__product__status=Product.Status.LISTED)
        .values_list("subscription__product_id", flat=True)
        .distinct()
    )
    return sum(product_check_interface_health(product_id=pk, now=now) for pk in list(ids))
