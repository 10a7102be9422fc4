"""The money rules of a bill line, in one place (06 › Amounts on a bill line, › Customer
service partner share). The billing run computes the same formulas in SQL
(`services/run_sql.py`: PostgreSQL expressions; on SQLite these very functions are
registered as SQL functions); `settlement_check` and `line_explain` use them as well.

Rounding rule: every amount is rounded once, ROUND_HALF_UP (ties away from zero, also
for negative refund amounts) to the cent, from its exact inputs. Products of inputs are
exact; the one division of a formula is carried to far more digits than any tie could
need (≥ 20 decimals, in SQL as in Python), so SQL and Python agree to the cent.
Bill totals are sums of the rounded line amounts.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
ZERO = Decimal("0.00")
ONE = Decimal(1)
# Digits for the exact products and the one division (28 would do; 60 is cheap).
PRECISION = 60


def money(value) -> Decimal:
    """A 2-place Decimal from a Decimal, int or str (SQLite hands its functions floats
    that stand for 2-place values: their shortest repr is that value)."""
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(value) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(MICRO, rounding=ROUND_HALF_UP)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fee_amount(gross, fee_ratio) -> Decimal:
    """Operations management fee = gross × fee ratio."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return _cents(money(gross) * ratio(fee_ratio))


def floor_share_base(gross, floor_price, units: int) -> Decimal:
    """Floor-price mode: share base = order price − floor price × units, never below 0."""
    return max(ZERO, money(gross) - money(floor_price) * int(units))


def partner_amount(base, partner_ratio, output_vat_rate, service_fee_vat_rate) -> Decimal:
    """Partner amount (tax incl.) = base × ratio ÷ (1 + output VAT) × (1 + service-fee VAT).
    Computed as base × ratio × (1 + service-fee VAT) ÷ (1 + output VAT) (the same number:
    the only inexact step, the division, comes last) and rounded once."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        numerator = money(base) * ratio(partner_ratio) * (ONE + ratio(service_fee_vat_rate))
        return _cents(numerator / (ONE + ratio(output_vat_rate)))


def refund_share_base(refund_gross, original_base, original_gross) -> Decimal:
    """A refund line's share base: the original line's base in proportion to the part
    refunded, −(refund × original base ÷ original gross), rounded once (a full refund
    takes back exactly the original base)."""
    original_gross = money(original_gross)
    if original_gross == 0:
        return ZERO
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return -_cents(-money(refund_gross) * money(original_base) / original_gross)


def seller_net(gross, fee, partner) -> Decimal:
    """Seller net = gross − fee − partner amount (exact: all are cents)."""
    return money(gross) - money(fee) - money(partner)


def money_sub(a, b) -> Decimal:
    return money(a) - money(b)
