"""The catalog's part in a seller's exit 退出云商店 (01 › Exit; issue 6 item 11).

A seller with listed products may apply to exit. The application opens a
`DelistRequest` per listed product: the operators' queue in the admin (*Catalog ›
delisting requests*), whose action delists through `product_delist` with the reason
"seller exit". Whatever delists a seller's last listed product (that action, the product
admin, the seller) completes the pending exit in the same transaction
(`product_delist` → `sellers.services.seller_complete_exit`). Withdrawing the exit
cancels the open requests. Registered with the sellers' exit steps in `CatalogConfig`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.core.audit import check_state, log_transition, move_to
from marketplace.core.permissions import check_operator_permission
from sellers.exit_checks import ExitStep
from sellers.models import Seller
from sellers.services import seller_complete_exit

from ..models import DelistRequest, Product
from .products import listed_products_block_exit, product_delist


def delist_requests_open(seller: Seller, actor: User | None) -> list[DelistRequest]:
    """The seller applied to exit: ask the operators to delist each listed product
    (once: a product with an open request gets no second one)."""
    already = DelistRequest.objects.filter(
        product__seller=seller, status=DelistRequest.Status.OPEN
    ).values_list("product_id", flat=True)
    opened = []
    for product in Product.objects.filter(seller=seller, status=Product.Status.LISTED).exclude(
        pk__in=list(already)
    ):
        request = DelistRequest.objects.create(
            product=product, seller=seller, reason=DelistRequest.Reason.SELLER_EXIT
        )
        log_transition(request, action="open", to_state=request.status, actor=actor)
        opened.append(request)
    return opened


def delist_requests_cancel(seller: Seller, actor: User | None) -> int:
    """The seller withdrew the exit: close the open requests, delisting nothing more."""
    requests = DelistRequest.objects.select_for_update().filter(
        seller=seller, status=DelistRequest.Status.OPEN
    )
    count = 0
    for request in requests:
        request.resolved_at = timezone.now()
        request.resolved_by = actor
        move_to(
            request,
            DelistRequest.Status.CANCELLED,
            action="cancel",
            actor=actor,
            reason=_("The seller withdrew the exit request."),
            also_save=["resolved_at", "resolved_by"],
        )
        count += 1
    return count


@transaction.atomic
def delist_request_fulfil(*, delist_request: DelistRequest, actor: User) -> Product:
    """The operator delists the requested product with the reason "seller exit".

    `product_delist` checks the operator's permission (catalog.delist_product), marks
    the request done and, for the seller's last listed product, completes the exit.
    """
    check_operator_permission(
        actor, "catalog.delist_product", _("You don't have the permission to delist products.")
    )
    delist_request = DelistRequest.objects.select_for_update().get(pk=delist_request.pk)
    check_state(delist_request, allowed=[DelistRequest.Status.OPEN])
    product = Product.objects.select_for_update().get(pk=delist_request.product_id)
    if product.status != Product.Status.LISTED:
        # Delisted while the exit was being requested: nothing left to do but record it.
        delist_request.resolved_at = timezone.now()
        delist_request.resolved_by = actor
        move_to(
            delist_request,
            DelistRequest.Status.DONE,
            action="delist",
            actor=actor,
            also_save=["resolved_at", "resolved_by"],
        )
        seller_complete_exit(seller=product.seller, actor=actor)
        return product
    return product_delist(
        product=product,
        actor=actor,
        reason=_("Seller exit: the seller is leaving the marketplace."),
        by_operator=True,
    )


EXIT_STEP = ExitStep(
    pending=listed_products_block_exit, start=delist_requests_open, cancel=delist_requests_cancel
)
