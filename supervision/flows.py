"""The supervision flows (05 › Flows): one declared state machine of nodes per kind.

A flow lists its nodes and its actions once. Each action names the nodes it may start
from, the node it leads to, the roles that may perform it, and what it needs (a comment
or reason, files). The services check every request against this table
(`Flow.action`), the pages ask it which buttons to show (`Flow.actions_for`), and the
README's diagrams are generated from it (`manage.py supervision_diagrams`).

Which flow a paid order gets (`flow_for_order`), decided from 02's delivery-type table:

| delivery type                    | flow                                         |
|----------------------------------|----------------------------------------------|
| manual service                   | `standard` or `site_building` (the product's  |
|                                  | service flow template; standard by default)   |
| data file                        | `data_file`                                   |
| application orchestration        | `orchestration`                               |
| SaaS (period and trial specs)    | `saas`: the seller confirms the instance is   |
|                                  | delivered, the buyer accepts (like            |
|                                  | orchestration); pay-as-you-go and package     |
|                                  | SaaS are not supervised (02: "yes for period  |
|                                  | SaaS")                                        |
| joint-operation SaaS             | `joint`: + a marketplace (operator) node      |
| license: software package        | `license_package` (buyer confirms completion) |
| license: online code             | `license_code`; orders placed before          |
|                                  | `SUPERVISION_LICENSE_CODE_CUTOVER` (Beijing   |
|                                  | date): `license_code_legacy` (buyer confirms) |
| hardware                         | `hardware`                                    |

Appeals are not node moves: an open appeal freezes the case where it is (the case's
status, not its node), and the operator's decision completes it, sends it back to the
seller's delivery node, or closes it with a refund (`Flow.return_node`, `Node.CLOSED`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.core.statemachine import StateMachine, Transition


class Role(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SELLER = "seller", _("Seller")
    OPERATOR = "operator", _("Marketplace operator")
    SYSTEM = "system", _("System")


class FlowCode(models.TextChoices):
    STANDARD = "standard", _("Standard service")
    SITE_BUILDING = "site_building", _("Site building")
    DATA_FILE = "data_file", _("Data file")
    ORCHESTRATION = "orchestration", _("Application orchestration")
    SAAS = "saas", _("SaaS")
    JOINT = "joint", _("Joint operation")
    LICENSE_PACKAGE = "license_package", _("License: software package deployment")
    LICENSE_CODE = "license_code", _("License: online authorization code")
    LICENSE_CODE_LEGACY = (
        "license_code_legacy",
        _("License: online authorization code (before the cut-over)"),
    )
    HARDWARE = "hardware", _("Hardware")


class Node(models.TextChoices):
    REQUIREMENTS = "requirements", _("Buyer submits requirements")
    REQUIREMENTS_REVIEW = "requirements_review", _("Seller confirms requirements")
    DESIGN = "design", _("Seller prepares the design")
    DESIGN_CONFIRMATION = "design_confirmation", _("Buyer confirms the design")
    IMPLEMENTING = "implementing", _("Seller delivers")
    OPERATOR_REVIEW = "operator_review", _("Marketplace confirms the delivery")
    ACCEPTANCE = "acceptance", _("Buyer accepts")
    CODE_DELIVERY = "code_delivery", _("Seller delivers the license code")
    CODE_CLAIM = "code_claim", _("Buyer claims the license code")
    ACTIVATION = "activation", _("Waiting for activation")
    SHIPPING = "shipping", _("Seller ships")
    IN_TRANSIT = "in_transit", _("In transit")
    SIGNED_FOR = "signed_for", _("Signed for: buyer accepts")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")


FINAL_NODES = frozenset({Node.COMPLETED, Node.CLOSED})
# The nodes whose time is the seller's delivery time: entering one starts the
# implementation deadline (the product's average delivery days); leaving them stops it.
DELIVERY_NODES = frozenset({Node.IMPLEMENTING, Node.CODE_DELIVERY, Node.SHIPPING})
# The buyer's acceptance step (05 › Appeals: the seller may appeal when it has made no
# progress for SUPERVISION_SELLER_APPEAL_AFTER_DAYS).
ACCEPTANCE_NODES = frozenset({Node.ACCEPTANCE, Node.SIGNED_FOR, Node.DESIGN_CONFIRMATION})

ACTION_LABELS = {
    "submit_requirements": _("Submit requirements"),
    "confirm_requirements": _("Confirm requirements"),
    "return_requirements": _("Return requirements to the buyer"),
    "submit_design": _("Submit the design"),
    "confirm_design": _("Confirm the design"),
    "reject_design": _("Reject the design"),
    "mark_delivered": _("Confirm done"),
    "operator_confirm": _("Confirm the delivery (marketplace)"),
    "operator_return": _("Return to the seller (marketplace)"),
    "accept": _("Confirm acceptance"),
    "reject": _("Reject"),
    "auto_accept": _("Accepted automatically"),
    "deliver_code": _("Deliver the license code"),
    "claim_code": _("Claim the license code"),
    "activate": _("License code activated"),
    "ship": _("Ship"),
    "mark_signed_for": _("Record signed for"),
    "remind_buyer": _("Remind the buyer to accept"),
    # Not node moves, but rows of the log too:
    "open": _("Case opened"),
    "upload_evidence": _("Upload evidence"),
    "appeal_open": _("Appeal"),
    "appeal_decide": _("Appeal decided"),
}


@dataclass(frozen=True)
class Action:
    """One declared move: `name` from any of `sources` to `target`, by one of `roles`."""

    name: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    needs_comment: bool = False  # a reason, the requirements, the result description
    needs_files: bool = False  # at least one evidence file with the request
    # Nodes where the move may be made but the case is not waiting for it (not that
    # role's turn there: no to-do, no e-mail).
    optional_at: tuple[str, ...] = ()


@dataclass(frozen=True)
class Flow:
    code: str
    initial: str
    actions: tuple[Action, ...]
    # The seller's delivery node an operator's "return to seller" decision goes back to.
    return_node: str
    machine: StateMachine = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        machine = StateMachine(
            field="node",
            states=Node,
            transitions=[Transition(a.name, a.sources, a.target) for a in self.actions],
        )
        object.__setattr__(self, "machine", machine)

    @property
    def label(self) -> str:
        return FlowCode(self.code).label

    def action(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)

    def nodes(self) -> list[str]:
        """The flow's nodes, in the order they are first reached."""
        seen = [self.initial]
        for action in self.actions:
            for node in (*action.sources, action.target):
                if node not in seen:
                    seen.append(node)
        return seen

    def actions_for(self, node: str, role: str) -> list[str]:
        """Names of the actions `role` may perform at `node` (declared order)."""
        return [a.name for a in self.actions if node in a.sources and role in a.roles]

    def roles_at(self, node: str) -> set[str]:
        """Who has a move at `node` (whose turn it is)."""
        return {role for a in self.actions if node in a.sources for role in a.roles}

    def turn(self, node: str) -> set[str]:
        """The roles the case waits for at `node` (who is told and counts it as a to-do)."""
        return {
            role
            for a in self.actions
            if node in a.sources and node not in a.optional_at
            for role in a.roles
        }

    def mermaid(self) -> str:
        """A Mermaid `stateDiagram-v2` of the flow; each arrow says who moves it."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for action in self.actions:
            roles = "/".join(action.roles)
            for source in action.sources:
                lines.append(f"    {source} --> {action.target}: {action.name} ({roles})")
        for node in self.nodes():
            if node in FINAL_NODES:
                lines.append(f"    {node} --> [*]")
        return "\n".join(lines)


B, S, OP, SYS = Role.BUYER, Role.SELLER, Role.OPERATOR, Role.SYSTEM
N = Node

_REQUIREMENTS = (
    Action("submit_requirements", (N.REQUIREMENTS,), N.REQUIREMENTS_REVIEW, (B,), True),
    Action("confirm_requirements", (N.REQUIREMENTS_REVIEW,), N.IMPLEMENTING, (S,)),
    Action("return_requirements", (N.REQUIREMENTS_REVIEW,), N.REQUIREMENTS, (S,), True),
)
_ACCEPT = (
    Action("accept", (N.ACCEPTANCE,), N.COMPLETED, (B,)),
    Action("reject", (N.ACCEPTANCE,), N.IMPLEMENTING, (B,), True),
)
_DELIVER_WITH_FILES = Action(
    "mark_delivered", (N.IMPLEMENTING,), N.ACCEPTANCE, (S,), needs_comment=True, needs_files=True
)
_DELIVER = Action("mark_delivered", (N.IMPLEMENTING,), N.ACCEPTANCE, (S,), needs_comment=True)

FLOWS: dict[str, Flow] = {
    flow.code: flow
    for flow in (
        # 05 › Flows 1.
        Flow(
            FlowCode.STANDARD,
            N.REQUIREMENTS,
            (*_REQUIREMENTS, _DELIVER_WITH_FILES, *_ACCEPT),
            return_node=N.IMPLEMENTING,
        ),
        # 05 › Flows 2 (decision): standard + one buyer confirmation of the seller's design
        # between the requirements and the implementation.
        Flow(
            FlowCode.SITE_BUILDING,
            N.REQUIREMENTS,
            (
                Action("submit_requirements", (N.REQUIREMENTS,), N.REQUIREMENTS_REVIEW, (B,), True),
                Action("confirm_requirements", (N.REQUIREMENTS_REVIEW,), N.DESIGN, (S,)),
                Action("return_requirements", (N.REQUIREMENTS_REVIEW,), N.REQUIREMENTS, (S,), True),
                Action(
                    "submit_design",
                    (N.DESIGN,),
                    N.DESIGN_CONFIRMATION,
                    (S,),
                    needs_comment=True,
                    needs_files=True,
                ),
                Action("confirm_design", (N.DESIGN_CONFIRMATION,), N.IMPLEMENTING, (B,)),
                Action("reject_design", (N.DESIGN_CONFIRMATION,), N.DESIGN, (B,), True),
                _DELIVER_WITH_FILES,
                *_ACCEPT,
            ),
            return_node=N.IMPLEMENTING,
        ),
        # 05 › Flows 3: the seller works from the buyer's requirements (no confirmation).
        Flow(
            FlowCode.DATA_FILE,
            N.REQUIREMENTS,
            (
                Action("submit_requirements", (N.REQUIREMENTS,), N.IMPLEMENTING, (B,), True),
                _DELIVER_WITH_FILES,
                *_ACCEPT,
            ),
            return_node=N.IMPLEMENTING,
        ),
        # 05 › Flows 4: delivered offline, the seller confirms done, the buyer accepts.
        Flow(FlowCode.ORCHESTRATION, N.IMPLEMENTING, (_DELIVER, *_ACCEPT), N.IMPLEMENTING),
        # Period SaaS (02 table): as orchestration, on the instance the seller delivered.
        Flow(FlowCode.SAAS, N.IMPLEMENTING, (_DELIVER, *_ACCEPT), N.IMPLEMENTING),
        # 05 › Flows 8 (decision): an operator confirms the seller's delivery in the admin
        # before the buyer's acceptance, or returns it to the seller.
        Flow(
            FlowCode.JOINT,
            N.IMPLEMENTING,
            (
                Action("mark_delivered", (N.IMPLEMENTING,), N.OPERATOR_REVIEW, (S,), True),
                Action("operator_confirm", (N.OPERATOR_REVIEW,), N.ACCEPTANCE, (OP,)),
                Action("operator_return", (N.OPERATOR_REVIEW,), N.IMPLEMENTING, (OP,), True),
                *_ACCEPT,
            ),
            return_node=N.IMPLEMENTING,
        ),
        # 05 › Flows 5: the seller deploys, the buyer confirms completion.
        Flow(FlowCode.LICENSE_PACKAGE, N.IMPLEMENTING, (_DELIVER, *_ACCEPT), N.IMPLEMENTING),
        # 05 › Flows 6: the code is delivered, claimed, activated (open API) → done.
        Flow(
            FlowCode.LICENSE_CODE,
            N.CODE_DELIVERY,
            (
                Action("deliver_code", (N.CODE_DELIVERY,), N.CODE_CLAIM, (S,)),
                Action("claim_code", (N.CODE_CLAIM,), N.ACTIVATION, (B,)),
                # A code claimed in purchased services (not here) is activated from
                # code_claim: the open API has checked it was claimed (92020004).
                Action("activate", (N.CODE_CLAIM, N.ACTIVATION), N.COMPLETED, (SYS,)),
            ),
            return_node=N.CODE_DELIVERY,
        ),
        # 05 › Flows 6, orders before the cut-over: the buyer confirms.
        Flow(
            FlowCode.LICENSE_CODE_LEGACY,
            N.CODE_DELIVERY,
            (
                Action("deliver_code", (N.CODE_DELIVERY,), N.ACCEPTANCE, (S,)),
                Action("accept", (N.ACCEPTANCE,), N.COMPLETED, (B,)),
                Action("reject", (N.ACCEPTANCE,), N.CODE_DELIVERY, (B,), True),
            ),
            return_node=N.CODE_DELIVERY,
        ),
        # 05 › Flows 7: shipped, signed for, accepted (by the buyer, or by the system
        # SUPERVISION_HARDWARE_AUTO_ACCEPT_DAYS after signed-for when the phones match).
        Flow(
            FlowCode.HARDWARE,
            N.SHIPPING,
            (
                Action("ship", (N.SHIPPING,), N.IN_TRANSIT, (S,)),
                Action("mark_signed_for", (N.IN_TRANSIT,), N.SIGNED_FOR, (S, OP, SYS)),
                Action(
                    "remind_buyer",
                    (N.SIGNED_FOR,),
                    N.SIGNED_FOR,
                    (S,),
                    optional_at=(N.SIGNED_FOR,),
                ),
                # The buyer may accept goods that arrived before the carrier's record.
                Action(
                    "accept",
                    (N.IN_TRANSIT, N.SIGNED_FOR),
                    N.COMPLETED,
                    (B,),
                    optional_at=(N.IN_TRANSIT,),
                ),
                Action("auto_accept", (N.SIGNED_FOR,), N.COMPLETED, (SYS,)),
            ),
            return_node=N.SHIPPING,
        ),
    )
}


def get_flow(code: str) -> Flow:
    return FLOWS[code]


def license_code_cutover() -> dt.date:
    value = settings.SUPERVISION_LICENSE_CODE_CUTOVER
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def is_supervised(order) -> bool:
    """Does this paid order open a case? New purchases and trials of a supervised type;
    never renewals, upgrades or package repurchases (03 › Renew); SaaS only by period
    (or its trial: 02 "yes for period SaaS")."""
    from marketplace.catalog.models import SUPERVISED_TYPES, BillingMode, DeliveryType

    if order.kind not in ("new", "trial") or order.delivery_type not in SUPERVISED_TYPES:
        return False
    if order.delivery_type == DeliveryType.SAAS:
        return order.billing_mode in (BillingMode.PERIOD, BillingMode.TRIAL)
    return True


def flow_for_order(order, *, flow_template: str = "") -> str:
    """The flow code of a supervised order (module table). `flow_template`: the product
    version's service flow template (manual services)."""
    from marketplace.catalog.models import DeliveryType as T

    kind = order.delivery_type
    if kind == T.MANUAL_SERVICE:
        return FlowCode.SITE_BUILDING if flow_template == "site_building" else FlowCode.STANDARD
    if kind == T.LICENSE_CODE:
        placed = timezone.localdate(order.created_at or timezone.now())
        if placed < license_code_cutover():
            return FlowCode.LICENSE_CODE_LEGACY
        return FlowCode.LICENSE_CODE
    return {
        T.DATA_FILE: FlowCode.DATA_FILE,
        T.ORCHESTRATION: FlowCode.ORCHESTRATION,
        T.SAAS: FlowCode.SAAS,
        T.JOINT_SAAS: FlowCode.JOINT,
        T.LICENSE_PACKAGE: FlowCode.LICENSE_PACKAGE,
        T.HARDWARE: FlowCode.HARDWARE,
    }[kind]
