"""Settlement writes (services: `<entity>_<verb>(*, ...)`, atomic, validated; refusals
are `DomainError`s with a translated message and change nothing)."""

from .partners import (
    partner_binding_create,
    partner_binding_end,
    partner_create,
    partner_terms_create,
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
    "partner_terms_create",
    "settlement_check_period",
    "settlement_run",
]
