"""The moves of the license-code and hardware flows (05 › Flows 6–7): delivering and
claiming a code, its activation through the open API, shipping, signed-for, the
buyer's reminder and the automatic acceptance."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import License
from orders.services.licenses import INVALID_PARAMETER, LicenseRefused, license_claim

from ..exceptions import CaseFinished, CaseFrozen, InputRequired, NotYourTurn
from ..flows import FlowCode, Node, Role
from ..models import Case, SupervisionStatus
from .engine import act, move, set_fields

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@transaction.atomic
def case_deliver_code(*, case_id: int, actor, code: str, comment: str = "") -> Case:
    """The seller delivers the license code: it becomes the purchased service's code
    (`orders.License`, delivered) that the buyer claims."""
    code = (code or "").strip()

    def prepare(case: Case, role: str) -> dict:
        if not CODE_PATTERN.match(code):
            raise InputRequired(
                _("Enter the license code: up to 64 letters, digits, dots, dashes or underscores."),
                field="code",
            )
        if case.order.subscription_id is None:
            raise NotYourTurn(_("This order has no purchased service to deliver a code to."))
        if License.objects.filter(code=code).exists():
            raise InputRequired(_("This license code is already in use."), field="code")
        return {"code": code}

    def apply(case: Case, now: dt.datetime) -> None:
        try:
            with transaction.atomic():
                case.license = License.objects.create(
                    subscription_id=case.order.subscription_id, code=code
                )
        except IntegrityError:  # the same code delivered at this instant elsewhere
            raise InputRequired(_("This license code is already in use."), field="code") from None

    return act(
        case_id=case_id,
        actor=actor,
        action_name="deliver_code",
        comment=comment,
        prepare=prepare,
        apply=apply,
    )


@transaction.atomic
def case_claim_code(*, case_id: int, actor) -> Case:
    """The buyer claims (领取) the delivered code, as in purchased services."""

    def apply(case: Case, now: dt.datetime) -> None:
        license_claim(license_id=case.license_id, buyer=actor)

    def prepare(case: Case, role: str) -> None:
        if case.license_id is None:
            raise NotYourTurn(_("No license code has been delivered yet."))

    return act(case_id=case_id, actor=actor, action_name="claim_code", prepare=prepare, apply=apply)


def case_code_activated(*, license: License) -> Case | None:
    """The license-activated hook (`orders.services.licenses`): the seller's server
    activated the code through the open API, which has already refused a code not
    claimed (92020004) or activated before. The case's node passes and the case
    completes (the service's start time is the activation time, set by orders).
    A case frozen by an appeal refuses the activation (the open API answers it)."""
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("order", "seller", "buyer")
        .filter(flow=FlowCode.LICENSE_CODE, order__subscription_id=license.subscription_id)
        .order_by("-license_id")
        .first()
    )
    if case is None or case.node in (Node.COMPLETED, Node.CLOSED):
        return None
    if case.is_frozen:
        raise LicenseRefused(
            INVALID_PARAMETER,
            "An appeal is open on this order's supervision case; activate after it is decided.",
        )
    action = case.flow_def.action("activate")
    if case.node not in action.sources:
        return None  # delivered outside the case: the seller still delivers it here
    move(
        case,
        action=action,
        role=Role.SYSTEM,
        actor=None,
        now=timezone.now(),
        data={"code": license.code},
    )
    return case


def on_license_activated(license: License) -> None:
    """The hook `SupervisionConfig.ready()` registers with `orders.services.licenses`."""
    case_code_activated(license=license)


def _digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-11:]  # +86 / 0086 prefixes: compare the national number


def phones_match(a: str, b: str) -> bool:
    return bool(_digits(a)) and _digits(a) == _digits(b)


@transaction.atomic
def case_ship(
    *,
    case_id: int,
    actor,
    carrier: str,
    tracking_number: str,
    recipient_phone: str,
    comment: str = "",
) -> Case:
    """The seller ships the goods: carrier, tracking number and the recipient's phone on
    the waybill (compared with the buyer's for the auto-acceptance)."""
    carrier = (carrier or "").strip()
    tracking_number = (tracking_number or "").strip()
    recipient_phone = (recipient_phone or "").strip()

    def prepare(case: Case, role: str) -> dict:
        if not carrier or len(carrier) > 50:
            raise InputRequired(_("Enter the carrier."), field="carrier")
        if not tracking_number or len(tracking_number) > 50:
            raise InputRequired(_("Enter the tracking number."), field="tracking_number")
        if not re.fullmatch(r"\+?[0-9][0-9 -]{5,19}", recipient_phone):
            raise InputRequired(_("Enter the recipient's phone number."), field="recipient_phone")
        return {
            "carrier": carrier,
            "tracking_number": tracking_number,
            "recipient_phone": recipient_phone,
        }

    return act(
        case_id=case_id,
        actor=actor,
        action_name="ship",
        comment=comment,
        prepare=prepare,
        apply=set_fields(
            carrier=carrier,
            tracking_number=tracking_number,
            recipient_phone=recipient_phone,
            shipped_at=lambda now: now,
        ),
    )


@transaction.atomic
def case_mark_signed_for(*, case_id: int, actor, signed_for_at: dt.datetime | None = None) -> Case:
    """The shipment was signed for (the seller or an operator records it by hand, or the
    logistics provider reports it: `actor=None`). When the recipient's phone is the
    buyer's, the case is accepted automatically SUPERVISION_HARDWARE_AUTO_ACCEPT_DAYS
    later; otherwise the buyer must accept (the seller reminds them)."""
    now = timezone.now()
    when = signed_for_at or now

    def prepare(case: Case, role: str) -> dict:
        if when > now or (case.shipped_at and when < case.shipped_at):
            raise InputRequired(
                _("The signed-for time must be after shipping and not in the future."),
                field="signed_for_at",
            )
        match = phones_match(case.recipient_phone, case.buyer_phone)
        return {"signed_for_at": when.isoformat(), "phones_match": match}

    def apply(case: Case, at: dt.datetime) -> None:
        case.signed_for_at = when
        if phones_match(case.recipient_phone, case.buyer_phone):
            days = settings.SUPERVISION_HARDWARE_AUTO_ACCEPT_DAYS
            case.auto_accept_at = when + dt.timedelta(days=days)
        else:
            case.auto_accept_at = None

    return act(
        case_id=case_id,
        actor=actor,
        action_name="mark_signed_for",
        prepare=prepare,
        apply=apply,
        now=now,
    )


@transaction.atomic
def case_remind_buyer(*, case_id: int, actor, comment: str = "") -> Case:
    """The seller reminds the buyer to accept signed-for goods (no auto-acceptance when
    the recipient's phone differs from the buyer's). The buyer is e-mailed, as after
    every move to a node that waits for them."""
    return act(case_id=case_id, actor=actor, action_name="remind_buyer", comment=comment)


@transaction.atomic
def case_auto_accept(*, case_id: int, now: dt.datetime | None = None) -> Case | None:
    """The system accepts signed-for hardware when its time has come (the sweep). None
    when the case is no longer due (accepted, appealed, not yet time)."""
    now = now or timezone.now()
    case = Case.objects.filter(pk=case_id).values_list("status", "node", "auto_accept_at").first()
    if case is None:
        return None
    status, node, due = case
    if (
        status != SupervisionStatus.IN_PROGRESS
        or node != Node.SIGNED_FOR
        or due is None
        or due > now
    ):
        return None
    try:
        return act(
            case_id=case_id,
            actor=None,
            action_name="auto_accept",
            apply=set_fields(accepted_at=lambda at: at),
            now=now,
        )
    except (CaseFinished, CaseFrozen, NotYourTurn):
        return None  # moved on between the read and the lock
