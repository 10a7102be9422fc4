"""Production interface settings 生产接口 of a product (04, isv-api-reference §1.0, §2.1-2.2).

One production URL per product: every basic activity is POSTed to it, signed with the
seller's INTERFACE access key (`access_key`); a joint-operation product may name a second
INTERFACE key for the kit sync paths (`kit_access_key`, §2.2; the basic key signs them
when it is empty). The URL passes `marketplace.core.netguard.check_outbound_url` here and
again before each send.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.catalog.models import DeliveryType, Product
from marketplace.core.audit import log_transition
from marketplace.core.exceptions import DomainError
from marketplace.core.netguard import check_outbound_url
from sellers.models import AccessKey, Seller
from sellers.services.credentials import access_key_usable

from ..models import ProductInterface

# The delivery types whose orders the marketplace provisions on the seller's server.
INTERFACE_TYPES = (
    DeliveryType.SAAS,
    DeliveryType.JOINT_SAAS,
    DeliveryType.LICENSE_CODE,
    DeliveryType.LICENSE_PACKAGE,
    DeliveryType.LICENSE_AUTO,
)


def _check_key(key: AccessKey | None, *, seller: Seller) -> None:
    if key is None:
        return
    if key.seller_id != seller.pk or key.kind != AccessKey.Kind.INTERFACE:
        raise DomainError(_("Choose one of your production interface signing keys."))
    if not access_key_usable(key):
        raise DomainError(
            _("The key %(key_id)s is revoked or expired: choose another one.")
            % {"key_id": key.key_id}
        )


@transaction.atomic
def product_interface_set(
    *,
    seller: Seller,
    product: Product,
    production_url: str,
    access_key: AccessKey,
    kit_access_key: AccessKey | None = None,
    actor,
) -> ProductInterface:
    """Create or replace `product`'s production interface settings."""
    if product.seller_id != seller.pk:
        raise DomainError(_("This product isn't yours."))
    if seller.status not in (Seller.Status.ACTIVE, Seller.Status.EXIT_PENDING):
        raise DomainError(_("Only an onboarded seller can manage application credentials."))
    if product.delivery_type not in INTERFACE_TYPES:
        raise DomainError(
            _("Only SaaS, joint-operation SaaS and license products have a production interface.")
        )
    if access_key is None:
        raise DomainError(_("Choose the key that signs the calls."))
    _check_key(access_key, seller=seller)
    if kit_access_key is not None and not product.is_joint:
        raise DomainError(_("Only a joint-operation product has a kit sync key."))
    _check_key(kit_access_key, seller=seller)
    production_url = (production_url or "").strip()
    check_outbound_url(production_url)
    interface = ProductInterface.objects.select_for_update().filter(product=product).first()
    created = interface is None
    if created:
        interface = ProductInterface(product=product)
    interface.production_url = production_url
    interface.access_key = access_key
    interface.kit_access_key = kit_access_key
    interface.save()
    log_transition(interface, action="create" if created else "update", actor=actor, to_state="set")
    return interface
