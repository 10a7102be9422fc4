"""Reads for the seller center, scoped to the signed-in account's seller.

Other domains use `seller_for_user` and `seller_can_publish` to decide whether a seller
may publish products; whether an approved certification covers a joint product is the
catalog's question (`marketplace.catalog.services.covering_certification`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from marketplace.accounts.models import User

from . import exit_checks
from .models import JointCertification, Seller, ServiceGroup, StorePage

Status = Seller.Status


def seller_for_user(*, user) -> Seller | None:
    """The seller row of `user` (any status), or None for anonymous and non-sellers.

    Uses the user's cached reverse relation, so asking twice in a request costs one query.
    """
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, "seller", None)


def is_active_seller(user) -> bool:
    seller = seller_for_user(user=user)
    return seller is not None and seller.status == Status.ACTIVE


def seller_can_publish(*, seller: Seller | None) -> bool:
    """Passed all three onboarding steps and has not asked to leave (01-sellers)."""
    return seller is not None and seller.status == Status.ACTIVE


def joint_certification_list(*, seller: Seller) -> QuerySet[JointCertification]:
    """The seller's certifications, newest first (each names the products it covers)."""
    return seller.joint_certifications.order_by("-submitted_at", "-id")


def joint_certification_current(*, seller: Seller) -> JointCertification | None:
    """The certification the dashboard shows: the latest open one, else the latest."""
    open_ = (
        seller.joint_certifications.filter(
            status__in=[JointCertification.Status.PENDING, JointCertification.Status.APPROVED]
        )
        .order_by("-submitted_at", "-id")
        .first()
    )
    return open_ or seller.joint_certifications.order_by("-submitted_at", "-id").first()


def service_group_list(*, seller: Seller) -> QuerySet[ServiceGroup]:
    return ServiceGroup.objects.filter(seller=seller).order_by("name", "id")


def store_page_for(*, seller: Seller) -> StorePage | None:
    return StorePage.objects.filter(seller=seller).prefetch_related("images").first()


# --- onboarding steps shown on the dashboard --------------------------------------------------


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    done: bool
    current: bool

    @property
    def css(self) -> str:
        return "done" if self.done else ("current" if self.current else "")


def onboarding_steps(*, user: User, seller: Seller | None) -> list[Step]:
    """The three onboarding steps (01-sellers, Onboarding), the first unfinished one current."""
    status = seller.status if seller else None
    done = [
        user.real_name_status == User.RealName.ENTERPRISE,
        status in (Status.APPROVED, Status.ACTIVE, Status.EXIT_PENDING, Status.EXITED),
        status in (Status.ACTIVE, Status.EXIT_PENDING, Status.EXITED),
    ]
    titles = [
        _("Enterprise real-name verification"),
        _("Onboarding application"),
        _("Business information certification"),
    ]
    first_open = next((i for i, is_done in enumerate(done) if not is_done), None)
    return [
        Step(number=i + 1, title=str(titles[i]), done=done[i], current=i == first_open)
        for i in range(3)
    ]


@dataclass(frozen=True)
class NextStep:
    key: str
    title: str
    done: bool
    url_name: str
    link_text: str


def next_steps(
    *, service_group_count: int, product_submitted: bool, has_store_page: bool
) -> list[NextStep]:
    """What a newly active seller does next (issue 7 item 11), in order, each with the page
    that does it: a customer-service group (each product picks one), a product submitted
    for review, the store page decorated."""
    return [
        NextStep(
            "service_group",
            str(_("Create a customer-service group")),
            service_group_count > 0,
            "seller:service_group_create",
            str(_("Create a group")),
        ),
        NextStep(
            "product",
            str(_("Publish a product")),
            product_submitted,
            "seller:product_new",
            str(_("Publish a product")),
        ),
        NextStep(
            "store_page",
            str(_("Decorate your store")),
            has_store_page,
            "seller:store_page",
            str(_("Decorate your store")),
        ),
    ]


def seller_overview(*, seller: Seller) -> dict:
    """Figures of the dashboard of an onboarded seller."""
    return {
        "service_group_count": ServiceGroup.objects.filter(seller=seller).count(),
        "joint_certification": joint_certification_current(seller=seller),
        "has_store_page": StorePage.objects.filter(seller=seller).exists(),
    }


def exit_blocking_reasons(*, seller: Seller) -> list[str]:
    return exit_checks.blocking_reasons(seller)
