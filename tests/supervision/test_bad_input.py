"""Bad input (issue 11 › Bad input): each is refused with a clear, translated message,
and nothing is changed or logged."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils import translation

from orders.models import License
from orders.services.licenses import NOT_RECEIVED, LicenseRefused, license_activate
from supervision import services as s
from supervision.exceptions import (
    AppealNotAllowed,
    CaseFinished,
    CaseFrozen,
    CaseNotFound,
    EvidenceRejected,
    InputRequired,
    NotYourTurn,
    OperatorPermissionDenied,
    SupervisionError,
)
from supervision.flows import FlowCode, Node
from supervision.selectors import case_get_for_buyer, case_get_for_seller
from tests.factories.accounts import OperatorFactory, SupportFactory, UserFactory
from tests.factories.sellers import ActiveSellerFactory
from tests.factories.supervision import (
    evidence_pdf,
    exe_file,
    fake_pdf,
    open_case,
)

from .helpers import case_at, snapshot

pytestmark = pytest.mark.django_db

F, N = FlowCode, Node


def _seller(case):
    return case.seller.user


# Every node move, at the node it starts from, done by the right party with good input:
# (flow, node, who, call(case, actor)).
MOVES = {
    "submit_requirements": (
        F.STANDARD,
        N.REQUIREMENTS,
        "buyer",
        lambda c, a: s.case_submit_requirements(case_id=c.pk, actor=a, requirements="R"),
    ),
    "confirm_requirements": (
        F.STANDARD,
        N.REQUIREMENTS_REVIEW,
        "seller",
        lambda c, a: s.case_confirm_requirements(case_id=c.pk, actor=a),
    ),
    "return_requirements": (
        F.STANDARD,
        N.REQUIREMENTS_REVIEW,
        "seller",
        lambda c, a: s.case_return_requirements(case_id=c.pk, actor=a, reason="More"),
    ),
    "submit_design": (
        F.SITE_BUILDING,
        N.DESIGN,
        "seller",
        lambda c, a: s.case_submit_design(
            case_id=c.pk, actor=a, description="D", files=[evidence_pdf()]
        ),
    ),
    "confirm_design": (
        F.SITE_BUILDING,
        N.DESIGN_CONFIRMATION,
        "buyer",
        lambda c, a: s.case_confirm_design(case_id=c.pk, actor=a),
    ),
    "reject_design": (
        F.SITE_BUILDING,
        N.DESIGN_CONFIRMATION,
        "buyer",
        lambda c, a: s.case_reject_design(case_id=c.pk, actor=a, reason="No"),
    ),
    "mark_delivered": (
        F.STANDARD,
        N.IMPLEMENTING,
        "seller",
        lambda c, a: s.case_mark_delivered(
            case_id=c.pk, actor=a, description="Done", files=[evidence_pdf()]
        ),
    ),
    "accept": (
        F.STANDARD,
        N.ACCEPTANCE,
        "buyer",
        lambda c, a: s.case_accept(case_id=c.pk, actor=a),
    ),
    "reject": (
        F.STANDARD,
        N.ACCEPTANCE,
        "buyer",
        lambda c, a: s.case_reject(case_id=c.pk, actor=a, reason="Broken"),
    ),
    "operator_confirm": (
        F.JOINT,
        N.OPERATOR_REVIEW,
        "operator",
        lambda c, a: s.case_operator_confirm(case_id=c.pk, actor=a),
    ),
    "operator_return": (
        F.JOINT,
        N.OPERATOR_REVIEW,
        "operator",
        lambda c, a: s.case_operator_return(case_id=c.pk, actor=a, reason="Fix"),
    ),
    "deliver_code": (
        F.LICENSE_CODE,
        N.CODE_DELIVERY,
        "seller",
        lambda c, a: s.case_deliver_code(case_id=c.pk, actor=a, code="NEW-CODE"),
    ),
    "claim_code": (
        F.LICENSE_CODE,
        N.CODE_CLAIM,
        "buyer",
        lambda c, a: s.case_claim_code(case_id=c.pk, actor=a),
    ),
    "ship": (
        F.HARDWARE,
        N.SHIPPING,
        "seller",
        lambda c, a: s.case_ship(
            case_id=c.pk, actor=a, carrier="SF", tracking_number="T1", recipient_phone="13800138000"
        ),
    ),
    "mark_signed_for": (
        F.HARDWARE,
        N.IN_TRANSIT,
        "seller",
        lambda c, a: s.case_mark_signed_for(case_id=c.pk, actor=a),
    ),
    "remind_buyer": (
        F.HARDWARE,
        N.SIGNED_FOR,
        "seller",
        lambda c, a: s.case_remind_buyer(case_id=c.pk, actor=a),
    ),
    "upload_evidence": (
        F.STANDARD,
        N.IMPLEMENTING,
        "seller",
        lambda c, a: s.evidence_upload(case_id=c.pk, actor=a, files=[evidence_pdf()]),
    ),
}


def _actor(case, who: str):
    return {"buyer": case.buyer, "seller": _seller(case), "operator": SupportFactory()}[who]


def _wrong_party(case, who: str):
    """The other party of the case (for an operator's move: the seller)."""
    return case.buyer if who in ("seller", "operator") else _seller(case)


def refused(case, call, error=SupervisionError):
    before = snapshot(case)
    with pytest.raises(error) as info:
        call()
    assert str(info.value.message)
    assert snapshot(case) == before
    return info.value


# Both parties may add evidence at any open node: not a turn.
@pytest.mark.parametrize("name", [name for name in MOVES if name != "upload_evidence"])
def test_acting_out_of_turn_is_refused(name):
    flow, node, who, call = MOVES[name]
    case = case_at(flow, node)
    refused(case, lambda: call(case, _wrong_party(case, who)), NotYourTurn)


@pytest.mark.parametrize("name", MOVES)
def test_acting_on_someone_elses_case_is_refused_as_not_found(name):
    flow, node, who, call = MOVES[name]
    case = case_at(flow, node)
    stranger = UserFactory() if who == "buyer" else ActiveSellerFactory().user
    if who == "operator":
        stranger = OperatorFactory()  # staff without the supervision permissions
    refused(case, lambda: call(case, stranger), CaseNotFound)


@pytest.mark.parametrize("name", MOVES)
def test_every_action_on_a_frozen_case_is_refused(name):
    flow, node, who, call = MOVES[name]
    case = case_at(flow, node)
    s.appeal_open(case_id=case.pk, actor=case.buyer, reason="The seller does not answer")
    refused(case, lambda: call(case, _actor(case, who)), CaseFrozen)


def test_the_frozen_case_refuses_system_moves_too():
    case = case_at(F.HARDWARE, N.SIGNED_FOR)
    s.appeal_open(case_id=case.pk, actor=case.buyer, reason="Damaged")
    from supervision.models import Case

    Case.objects.filter(pk=case.pk).update(auto_accept_at=case.opened_at)
    before = snapshot(case)
    assert s.cases_auto_accept_hardware() == 0
    assert snapshot(case) == before


def test_activation_on_a_frozen_case_is_refused_and_the_code_stays_claimed():
    case = case_at(F.LICENSE_CODE, N.ACTIVATION)
    s.appeal_open(case_id=case.pk, actor=case.buyer, reason="Wrong edition")
    before = snapshot(case)
    with pytest.raises(LicenseRefused):
        license_activate(seller=case.seller, code=case.license.code)
    assert snapshot(case) == before
    assert License.objects.get(pk=case.license_id).status == License.Status.CLAIMED


def test_an_operator_without_the_permission_may_not_confirm_the_marketplace_node():
    case = case_at(F.JOINT, N.OPERATOR_REVIEW)
    viewer = OperatorFactory(groups=["finance"])  # views cases, no operator node
    refused(
        case,
        lambda: s.case_operator_confirm(case_id=case.pk, actor=viewer),
        OperatorPermissionDenied,
    )


def test_a_second_acceptance_is_refused():
    case = case_at(F.STANDARD, N.ACCEPTANCE)
    s.case_accept(case_id=case.pk, actor=case.buyer)
    error = refused(case, lambda: s.case_accept(case_id=case.pk, actor=case.buyer), CaseFinished)
    assert "already completed" in error.message


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_rejection_without_a_reason_is_refused(reason):
    case = case_at(F.STANDARD, N.ACCEPTANCE)
    error = refused(
        case,
        lambda: s.case_reject(case_id=case.pk, actor=case.buyer, reason=reason),
        InputRequired,
    )
    assert error.field == "comment"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (
            lambda c: s.case_mark_delivered(case_id=c.pk, actor=c.seller.user, description="x"),
            "files",
        ),
        (
            lambda c: s.case_mark_delivered(
                case_id=c.pk, actor=c.seller.user, description=" ", files=[evidence_pdf()]
            ),
            "comment",
        ),
    ],
)
def test_delivery_needs_a_description_and_acceptance_files(call, field):
    case = case_at(F.STANDARD, N.IMPLEMENTING)
    assert refused(case, lambda: call(case), InputRequired).field == field


@pytest.mark.parametrize(
    "upload",
    [exe_file, fake_pdf, lambda: fake_pdf("notes.docx"), lambda: evidence_pdf("photo.png")],
    ids=["exe", "text-renamed-pdf", "text-renamed-docx", "pdf-named-png"],
)
def test_evidence_of_a_wrong_type_is_refused_by_its_content(upload, tmp_path, settings):
    case = case_at(F.STANDARD, N.IMPLEMENTING)
    call = lambda: s.case_mark_delivered(  # noqa: E731
        case_id=case.pk, actor=case.seller.user, description="Done", files=[upload()]
    )
    refused(case, call, EvidenceRejected)
    # Nothing was stored either.
    from pathlib import Path

    stored = Path(settings.PRIVATE_FILES_ROOT) / "supervision"
    assert not any(p.is_file() for p in stored.rglob("*"))


def test_oversized_evidence_is_refused(settings):
    settings.SUPERVISION_EVIDENCE_MAX_BYTES = 200
    case = case_at(F.STANDARD, N.IMPLEMENTING)
    big = evidence_pdf(extra=b"0" * 500)
    error = refused(
        case,
        lambda: s.evidence_upload(case_id=case.pk, actor=case.buyer, files=[big]),
        EvidenceRejected,
    )
    assert "too large" in error.message


def test_one_bad_file_among_good_ones_refuses_them_all():
    case = case_at(F.STANDARD, N.IMPLEMENTING)
    refused(
        case,
        lambda: s.evidence_upload(
            case_id=case.pk, actor=case.buyer, files=[evidence_pdf(), fake_pdf()]
        ),
        EvidenceRejected,
    )


def test_activating_a_code_before_it_is_claimed_is_refused_with_92020004():
    case = case_at(F.LICENSE_CODE, N.CODE_CLAIM)
    before = snapshot(case)
    with pytest.raises(LicenseRefused) as info:
        license_activate(seller=case.seller, code=case.license.code)
    assert info.value.code == NOT_RECEIVED
    assert snapshot(case) == before


def test_activating_a_code_twice_changes_nothing_the_second_time():
    case = case_at(F.LICENSE_CODE, N.ACTIVATION)
    license_activate(seller=case.seller, code=case.license.code)
    case.refresh_from_db()
    assert case.node == N.COMPLETED
    before = snapshot(case)
    license_activate(seller=case.seller, code=case.license.code)
    assert snapshot(case) == before


def test_a_code_already_in_use_is_refused():
    other = case_at(F.LICENSE_CODE, N.CODE_CLAIM)
    case = case_at(F.LICENSE_CODE, N.CODE_DELIVERY)
    error = refused(
        case,
        lambda: s.case_deliver_code(
            case_id=case.pk, actor=case.seller.user, code=other.license.code
        ),
        InputRequired,
    )
    assert error.field == "code"


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"carrier": "", "tracking_number": "T", "recipient_phone": "13800138000"}, "carrier"),
        (
            {"carrier": "SF", "tracking_number": " ", "recipient_phone": "13800138000"},
            "tracking_number",
        ),
        (
            {"carrier": "SF", "tracking_number": "T", "recipient_phone": "call me"},
            "recipient_phone",
        ),
    ],
)
def test_shipping_needs_carrier_tracking_and_phone(kw, field):
    case = case_at(F.HARDWARE, N.SHIPPING)
    error = refused(
        case, lambda: s.case_ship(case_id=case.pk, actor=case.seller.user, **kw), InputRequired
    )
    assert error.field == field


@pytest.mark.parametrize("flow", [F.STANDARD, F.LICENSE_CODE])
def test_an_appeal_on_a_completed_case_is_refused(flow):
    case = open_case(flow=flow)
    from .helpers import drive

    drive(case, N.ACTIVATION if flow == F.LICENSE_CODE else N.ACCEPTANCE)
    if flow == F.LICENSE_CODE:
        license_activate(seller=case.seller, code=case.license.code)
    else:
        s.case_accept(case_id=case.pk, actor=case.buyer)
    refused(
        case,
        lambda: s.appeal_open(case_id=case.pk, actor=case.buyer, reason="Too late?"),
        AppealNotAllowed,
    )


def test_an_appeal_needs_a_reason_and_only_one_is_open_at_a_time():
    case = case_at(F.STANDARD, N.IMPLEMENTING)
    refused(
        case,
        lambda: s.appeal_open(case_id=case.pk, actor=case.buyer, reason=""),
        InputRequired,
    )
    s.appeal_open(case_id=case.pk, actor=case.buyer, reason="Late")
    refused(
        case,
        lambda: s.appeal_open(case_id=case.pk, actor=case.buyer, reason="Again"),
        AppealNotAllowed,
    )


def test_the_seller_may_not_appeal_before_the_buyer_has_been_idle_long_enough():
    case = case_at(F.STANDARD, N.ACCEPTANCE)
    error = refused(
        case,
        lambda: s.appeal_open(case_id=case.pk, actor=case.seller.user, reason="No answer"),
        AppealNotAllowed,
    )
    assert "7 days" in error.message


def test_pages_get_404_for_someone_elses_case():
    case = open_case()
    with pytest.raises(Http404):
        case_get_for_buyer(UserFactory(), case.pk)
    with pytest.raises(Http404):
        case_get_for_seller(ActiveSellerFactory(), case.pk)
    assert case_get_for_buyer(case.buyer, case.pk) == case
    assert case_get_for_seller(case.seller, case.pk) == case


def test_refusals_are_translated():
    case = case_at(F.STANDARD, N.ACCEPTANCE)
    with translation.override("zh-hans"), pytest.raises(InputRequired) as info:
        s.case_reject(case_id=case.pk, actor=case.buyer, reason="")
    assert info.value.message != "Say why you reject the delivery."
    with translation.override("zh-hans"), pytest.raises(NotYourTurn) as info:
        s.case_accept(case_id=case.pk, actor=case.seller.user)
    assert "waiting for" not in info.value.message
