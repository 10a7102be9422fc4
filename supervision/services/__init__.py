"""Supervision services (writes), one module per topic: `engine` (the checks and the
write every move goes through), `cases` (opening a case; the service flows' moves),
`delivery` (license codes and hardware), `appeals` (appeals and evidence uploads),
`sweeps` (the beat jobs), `log` (the evidence log's hash chain), `notify` (who is
e-mailed). Import from here: `from supervision.services import case_accept`."""

from .appeals import appeal_decide, appeal_open, evidence_upload
from .cases import (
    case_accept,
    case_confirm_design,
    case_confirm_requirements,
    case_mark_delivered,
    case_open,
    case_operator_confirm,
    case_operator_return,
    case_reject,
    case_reject_design,
    case_return_requirements,
    case_submit_design,
    case_submit_requirements,
    open_case_for_paid_order,
)
from .delivery import (
    case_auto_accept,
    case_claim_code,
    case_code_activated,
    case_deliver_code,
    case_mark_signed_for,
    case_remind_buyer,
    case_ship,
)
from .log import verify_chain, verify_chains
from .sweeps import (
    cases_auto_accept_hardware,
    cases_flag_overdue,
    cases_poll_logistics,
    orders_complete_supervised,
)

__all__ = [
    "appeal_decide",
    "appeal_open",
    "case_accept",
    "case_auto_accept",
    "case_claim_code",
    "case_code_activated",
    "case_confirm_design",
    "case_confirm_requirements",
    "case_deliver_code",
    "case_mark_delivered",
    "case_mark_signed_for",
    "case_open",
    "case_operator_confirm",
    "case_operator_return",
    "case_reject",
    "case_reject_design",
    "case_remind_buyer",
    "case_return_requirements",
    "case_ship",
    "case_submit_design",
    "case_submit_requirements",
    "cases_auto_accept_hardware",
    "cases_flag_overdue",
    "cases_poll_logistics",
    "evidence_upload",
    "open_case_for_paid_order",
    "orders_complete_supervised",
    "verify_chain",
    "verify_chains",
]
