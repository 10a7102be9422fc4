"""What each delivery type sells and describes (02-products › Delivery types).

One table of the billing modes each delivery type may sell with, used by the spec form's
choices, the services' validation and the seller API, and written out in the README
("Billing modes per delivery type"); and which version fields each type describes for
buyers and for provisioning, required on submit.

Sources: the spec's delivery-type table and the seeds: SaaS is sold by period
(包周期), on demand, one-off and as "stop when used up" packages (用完即停套餐包, seed 004);
the trial configuration applies only to SaaS products that publish a trial spec
(seed 003: 该配置只对发布了试用规格的SaaS类商品生效); images are yearly/monthly
(包年包月镜像) or pay-as-you-go (按需付费镜像); API products are charged per call or
sold as per-call / on-demand packages (按调用次数计费, 按需套餐包、按次套餐包).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .models import BillingMode, DeliveryType

PERIOD, ON_DEMAND, ONE_OFF, PACKAGE, TRIAL = (
    BillingMode.PERIOD,
    BillingMode.ON_DEMAND,
    BillingMode.ONE_OFF,
    BillingMode.PACKAGE,
    BillingMode.TRIAL,
)

# Billing modes per delivery type. Every type is listed: a new type must decide.
MODES_BY_TYPE: dict[str, frozenset[str]] = {
    DeliveryType.SAAS: frozenset({PERIOD, ON_DEMAND, ONE_OFF, PACKAGE, TRIAL}),
    # Joint-operation SaaS is a SaaS product (联营SaaS类商品): the same modes, trial included.
    DeliveryType.JOINT_SAAS: frozenset({PERIOD, ON_DEMAND, ONE_OFF, PACKAGE, TRIAL}),
    # Licences: a subscription licence (yearly/monthly) or a one-off (perpetual) one.
    DeliveryType.LICENSE_CODE: frozenset({PERIOD, ONE_OFF}),
    DeliveryType.LICENSE_PACKAGE: frozenset({PERIOD, ONE_OFF}),
    DeliveryType.LICENSE_AUTO: frozenset({PERIOD, ONE_OFF}),
    DeliveryType.IMAGE: frozenset({PERIOD, ON_DEMAND}),
    # Shipped goods are paid once.
    DeliveryType.HARDWARE: frozenset({ONE_OFF}),
    # People doing work: a one-off job, or a recurring service (e.g. yearly operations).
    DeliveryType.MANUAL_SERVICE: frozenset({ONE_OFF, PERIOD}),
    DeliveryType.DATA_FILE: frozenset({ONE_OFF}),
    DeliveryType.ORCHESTRATION: frozenset({ONE_OFF}),
    DeliveryType.API_APIG: frozenset({ON_DEMAND, PACKAGE}),
    DeliveryType.API_AGENTS: frozenset({ON_DEMAND, PACKAGE}),
}

# Types that may publish a trial spec (and so use the trial allowlist).
TRIAL_TYPES = frozenset(t for t, modes in MODES_BY_TYPE.items() if TRIAL in modes)

# Version fields a delivery type describes, in form order; all are required on submit.
# "image_regions", "shipping_regions" and "api_endpoints" are rows, not columns
# (services/versions.py › ROW_FIELDS).
DELIVERY_FIELDS: dict[str, tuple[str, ...]] = {
    DeliveryType.IMAGE: ("image_os", "image_architecture", "image_regions"),
    DeliveryType.HARDWARE: (
        "hardware_spec",
        "hardware_weight_kg",
        "hardware_size",
        "shipping_regions",
        "avg_delivery_days",
    ),
    DeliveryType.LICENSE_CODE: ("license_type", "license_term"),
    DeliveryType.LICENSE_PACKAGE: ("license_type", "license_term"),
    DeliveryType.LICENSE_AUTO: ("license_type", "license_term", "deploy_contents"),
    DeliveryType.MANUAL_SERVICE: ("flow_template", "avg_delivery_days"),
    DeliveryType.API_APIG: ("api_endpoints", "api_quota_unit"),
    DeliveryType.API_AGENTS: ("api_endpoints", "api_quota_unit"),
}
# Every field that belongs to some delivery type only (with license_term_months, which
# a fixed license term needs).
TYPE_SPECIFIC_FIELDS = frozenset(
    {f for fields in DELIVERY_FIELDS.values() for f in fields} | {"license_term_months"}
)

# The message when a field a type needs is missing on submit.
MISSING_MESSAGES = {
    "image_os": _("An image needs its operating system."),
    "image_architecture": _("An image needs its architecture."),
    "image_regions": _("An image needs its image ID in at least one region."),
    "hardware_spec": _("Hardware needs its specification."),
    "hardware_weight_kg": _("Hardware needs its weight."),
    "hardware_size": _("Hardware needs its size."),
    "shipping_regions": _("Hardware needs the regions it ships to."),
    "avg_delivery_days": _("Give the average delivery time."),
    "license_type": _("A license needs its type."),
    "license_term": _("A license needs its term."),
    "license_term_months": _("A fixed-term license needs its length in months."),
    "deploy_contents": _("Say what the automatic deployment installs."),
    "flow_template": _("A manual service needs its service flow template."),
    "api_endpoints": _("List the APIs the product sells."),
    "api_quota_unit": _("Give the unit the API quota is counted in."),
}


def allowed_modes(delivery_type: str) -> list[str]:
    """The billing modes `delivery_type` may sell with, in `BillingMode` order."""
    modes = MODES_BY_TYPE.get(delivery_type, frozenset())
    return [mode for mode in BillingMode.values if mode in modes]


def delivery_fields(delivery_type: str) -> tuple[str, ...]:
    return DELIVERY_FIELDS.get(delivery_type, ())
