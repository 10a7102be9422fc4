"""Joint-operation products and their certification (01 › Joint-operation certification;
02 › Preconditions): a joint product is submitted for review only when an approved
certification names it, of the seller's own company entity, and the service support
terms name that certified entity as the seller.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from marketplace.core.exceptions import DomainError
from sellers.models import JointCertification

from ..agreements import support_terms_fields
from ..models import Product, ProductVersion


def covering_certification(product: Product) -> JointCertification | None:
    """The approved certification that names `product`, of its seller's own entity."""
    seller = product.seller
    return (
        JointCertification.objects.filter(
            products=product,
            seller=seller,
            status=JointCertification.Status.APPROVED,
            company_name=seller.company_name,
            credit_code=seller.credit_code,
        )
        .order_by("-reviewed_at", "-id")
        .first()
    )


def check_joint_certified(product: Product) -> JointCertification:
    """The covering certification, or a refusal telling the seller what to do."""
    certification = covering_certification(product)
    if certification is None:
        raise DomainError(
            _(
                "A joint-operation product is submitted only when an approved joint-operation "
                "certification of your own company entity covers it: name this product in a "
                "certification (seller center › joint-operation certification) and wait for "
                "its approval."
            )
        )
    return certification


def joint_problems(product: Product, version: ProductVersion) -> dict[str, list[str]]:
    """What keeps a joint product's draft from review on the certification side, by field:
    no covering certification, or terms whose seller is not the certified company."""
    certification = covering_certification(product)
    if certification is None:
        return {
            "joint_certification": [
                _(
                    "No approved joint-operation certification covers this product yet: "
                    "name it in a certification."
                )
            ]
        }
    named = support_terms_fields(version.support_terms_text).get("seller_name")
    if named is not None and named != certification.company_name:
        return {
            "support_terms_text": [
                _(
                    "The seller named in the service support terms (“%(named)s”) must be the "
                    "certified company: %(company)s."
                )
                % {"named": named, "company": certification.company_name}
            ]
        }
    return {}
