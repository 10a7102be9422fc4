"""`line_explain(line)`: a bill line's formula with its numbers filled in (issue 12 §4),
step by step, so a seller can check the bill by hand (seller center, admin).

The numbers are the line's own stored values; the steps restate the rules of
`settlement.amounts` and `settlement.rules`. The caller selects the line's `order` (and
`fee_policy`, `refund_of` for refund lines) to keep the page at a constant query count.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.html import conditional_escape, format_html, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from buyers.services.periods import period_of

from .models import BillLine, PartnerTerms
from .rules import MIN_BILLABLE


@dataclass(frozen=True)
class ExplainStep:
    label: str
    formula: str
    result: str


def money_text(value: Decimal) -> str:
    return f"{value:,.2f}"


def percent_text(ratio: Decimal) -> str:
    """0.125000 → "12.5%"."""
    percent = (ratio * 100).normalize()
    text = f"{percent:f}"
    return f"{text}%"


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def line_explain(line: BillLine) -> list[ExplainStep]:
    """The steps from the order to the seller's net amount of `line`."""
    order = line.order
    steps: list[ExplainStep] = []
    if line.kind == BillLine.Kind.NORMAL:
        steps.append(
            ExplainStep(
                _("Gross"),
                _("paid amount of order %(number)s (after discounts)") % {"number": order.number},
                money_text(line.gross),
            )
        )
        if line.carried_over and line.eligible_at:
            steps.append(
                ExplainStep(
                    _("Carried over"),
                    _(
                        "eligible since %(when)s: the product type's amounts stayed below "
                        "%(minimum)s yuan until this bill, carried over from %(period)s"
                    )
                    % {
                        "when": _when(line.eligible_at),
                        "minimum": money_text(MIN_BILLABLE),
                        "period": period_of(line.eligible_at),
                    },
                    money_text(line.gross),
                )
            )
    else:
        before = line.refunded_total + line.gross  # gross is negative
        steps.append(
            ExplainStep(
                _("Refund"),
                _(
                    "order %(number)s refunded %(total)s so far, %(before)s of it on "
                    "earlier bills: −(%(total)s − %(before)s)"
                )
                % {
                    "number": order.number,
                    "total": money_text(line.refunded_total),
                    "before": money_text(before),
                },
                money_text(line.gross),
            )
        )
    steps.append(_policy_step(line))
    steps.append(
        ExplainStep(
            _("Operations management fee"),
            _("%(gross)s × %(ratio)s, rounded half up to the cent")
            % {"gross": money_text(line.gross), "ratio": percent_text(line.fee_ratio)},
            money_text(line.fee),
        )
    )
    if line.partner_id is not None:
        steps.extend(_partner_steps(line))
    steps.append(
        ExplainStep(
            _("Seller net"),
            _("gross %(gross)s − fee %(fee)s − partner share %(partner)s")
            % {
                "gross": money_text(line.gross),
                "fee": money_text(line.fee),
                "partner": money_text(line.partner_amount),
            },
            money_text(line.seller_net),
        )
    )
    return steps


def _policy_step(line: BillLine) -> ExplainStep:
    label = _("Fee ratio")
    if line.kind == BillLine.Kind.REFUND:
        return ExplainStep(
            label,
            _("as on the order's line: the policy in force for the order"),
            percent_text(line.fee_ratio),
        )
    if line.fee_policy_id is None:
        return ExplainStep(
            label,
            _("no fee policy of this product type was in force at %(at)s")
            % {"at": _when(line.policy_at)},
            percent_text(line.fee_ratio),
        )
    order = line.order
    if order.kind == "renewal" and order.paid_at and line.policy_at == order.paid_at:
        why = _("the renewal was paid before it took effect: the policy at payment, %(at)s")
    else:
        why = _("the policy in force at the order's effective time, %(at)s")
    return ExplainStep(
        label,
        _("version in force since %(since)s; %(why)s")
        % {
            "since": _when(line.fee_policy.effective_from),
            "why": why % {"at": _when(line.policy_at)},
        },
        percent_text(line.fee_ratio),
    )


def _partner_steps(line: BillLine) -> list[ExplainStep]:
    partner = line.partner.name if line.partner else str(line.partner_id)
    if line.kind == BillLine.Kind.REFUND and line.refund_of is not None:
        original = line.refund_of
        base_formula = _(
            "share base taken back in proportion: %(refund)s × %(base)s ÷ %(gross)s"
        ) % {
            "refund": money_text(line.gross),
            "base": money_text(original.partner_base),
            "gross": money_text(original.gross),
        }
    elif line.partner_mode == PartnerTerms.Mode.FLOOR_PRICE:
        base_formula = _(
            "floor-price mode: order price %(gross)s − floor price %(floor)s × %(units)s "
            "units (not below 0)"
        ) % {
            "gross": money_text(line.gross),
            "floor": money_text(line.partner_floor or Decimal(0)),
            "units": line.partner_units,
        }
    else:
        base_formula = _("price-share mode: the order's paid amount %(gross)s") % {
            "gross": money_text(line.gross)
        }
    return [
        ExplainStep(
            _("Partner share base"),
            # HTML: the partner's name is people's words (marked for the pages' language
            # checks, README › Tests); the rest is escaped.
            mark_safe(  # noqa: S308 - the pieces are escaped or format_html
                conditional_escape(_("partner %(partner)s; %(formula)s"))
                % {
                    "partner": format_html("<span data-user-content>{}</span>", partner),
                    "formula": conditional_escape(base_formula),
                }
            ),
            money_text(line.partner_base),
        ),
        ExplainStep(
            _("Partner share (tax incl.)"),
            _(
                "%(base)s × %(ratio)s ÷ (1 + %(output_vat)s) × (1 + %(service_vat)s), "
                "rounded half up to the cent"
            )
            % {
                "base": money_text(line.partner_base),
                "ratio": percent_text(line.partner_ratio),
                "output_vat": percent_text(line.output_vat_rate),
                "service_vat": percent_text(line.service_fee_vat_rate),
            },
            money_text(line.partner_amount),
        ),
    ]


def line_explain_text(line: BillLine) -> str:
    """The steps as plain text lines (admin, CSV)."""
    return "\n".join(f"{s.label}: {strip_tags(s.formula)} = {s.result}" for s in line_explain(line))
