"""Settlement writes (services: `<entity>_<verb>(*, ...)`, atomic, validated; refusals
are `DomainError`s with a translated message and change nothing)."""

from .partners import (
    partner_binding_create,
    partner_binding_end,
    partner_create,
    partner_terms_create,
)
from .payments import (
    partner_share_bill_countersign,
    partner_share_bill_invoice_upload,
    partner_share_bill_mark_paid,
    partner_share_bill_receive_invoice,
    payment_request_approve,
    payment_request_create,
    payment_request_reject,
    seller_invoice_mark_mailed,
    seller_invoice_receive,
    seller_invoice_reject,
    seller_invoice_upload,
)
from .policies import fee_policy_change, fee_policy_create, fee_policy_withdraw
from .run import settlement_check_period, settlement_run

__all__ = [
    "fee_policy_change",
    "fee_policy_create",
    "fee_policy_withdraw",
    "partner_binding_create",
    "partner_binding_end",
    "partner_create",
    "partner_share_bill_countersign",
    "partner_share_bill_invoice_upload",
    "partner_share_bill_mark_paid",
    "partner_share_bill_receive_invoice",
    "partner_terms_create",
    "payment_request_approve",
    "payment_request_create",
    "payment_request_reject",
    "seller_invoice_mark_mailed",
    "seller_invoice_receive",
    "seller_invoice_reject",
    "seller_invoice_upload",
    "settlement_check_period",
    "settlement_run",
]
