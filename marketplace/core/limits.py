"""Bounds on everything a seller or buyer sends, in one place.

Models (validators, `max_length` of TextFields), forms, the API serializers and the
services all read these constants, so a value is refused with a message wherever it
comes from and never reaches the database unchecked. The integer bounds are business
bounds well inside a 32-bit column (PostgreSQL's `integer` stops at 2,147,483,647;
SQLite at 2**63 - 1): a value such as 3,000,000,000 or 10**20 is a typing mistake or
an attack, not an order. README › Limits lists them all.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

# --- integers -----------------------------------------------------------------------------
MAX_STOCK = 1_000_000_000  # units of one spec in stock
MAX_PURCHASE_LIMIT = 100_000  # max quantity / max orders per buyer
MAX_DELIVERY_DAYS = 3_650  # a manual service's average delivery time: ten years
MAX_PACKAGE_QUOTA = 1_000_000_000  # calls / units in one package
MAX_ATTRIBUTE_VALUE = 1_000_000_000  # min, max and step of a quantity attribute
MAX_PERIODS_PER_ORDER = 120  # months (or years) bought at once: ten years of months
MAX_LICENSE_TERM_MONTHS = 1_200  # a fixed-term licence: a hundred years
# Ids in query parameters: the range of a BigAutoField. Anything else is no id at all.
MAX_ID = 2**63 - 1

# --- text (characters) ----------------------------------------------------------------------
MAX_DESCRIPTION_LENGTH = 20_000
MAX_USAGE_GUIDE_LENGTH = 20_000
MAX_AFTER_SALES_SCOPE_LENGTH = 10_000
MAX_AGREEMENT_LENGTH = 50_000  # product service agreement and joint service-support terms
MAX_BRAND_STORY_LENGTH = 10_000
MAX_BUSINESS_SCOPE_LENGTH = 2_000  # onboarding: main products and services
MAX_JOINT_PRODUCTS_LENGTH = 5_000  # joint certification: joint products planned
MAX_REASON_LENGTH = 2_000  # rejection, delisting and exit reasons
MAX_SERVICE_NOTES_LENGTH = 2_000  # service & support: service content details
MAX_DELIVERY_TEXT_LENGTH = 5_000  # hardware specification, what auto deploy installs
MAX_FILE_NAME_LENGTH = 255  # an upload's original name, kept for display

# --- counts -------------------------------------------------------------------------------
MAX_SPECS_PER_PRODUCT = 50
MAX_ATTRIBUTES_PER_SPEC = 20
MAX_PRICES_PER_SPEC = 6  # one per price period


def max_value_validators(maximum: int, minimum: int = 0) -> list:
    """Validators of an integer model field bounded by `maximum`."""
    return [MinValueValidator(minimum), MaxValueValidator(maximum)]


def max_length_validators(maximum: int) -> list:
    """Validators of a TextField bounded by `maximum` characters (the database has no limit)."""
    return [MaxLengthValidator(maximum)]


def validate_single_line(value: str) -> None:
    """Refuse line breaks and other control characters in a one-line text (names)."""
    for char in value or "":
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            raise ValidationError(
                _("Use a single line without line breaks or control characters."),
                code="not_single_line",
            )


def check_length(errors: dict, field: str, value, maximum: int) -> None:
    """Add a message to `errors[field]` when the text `value` is longer than `maximum`.

    For services, which collect errors by field and raise them together.
    """
    if isinstance(value, str) and len(value) > maximum:
        errors.setdefault(field, []).append(
            _("Use at most %(max)s characters (this text has %(length)s).")
            % {"max": f"{maximum:,}", "length": f"{len(value):,}"}
        )


def check_range(errors: dict, field: str, value, maximum: int, minimum: int = 0) -> None:
    """Add a message to `errors[field]` when the integer `value` is outside the bounds."""
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        errors.setdefault(field, []).append(_("Enter a whole number."))
    elif value < minimum:
        errors.setdefault(field, []).append(
            _("Ensure this value is greater than or equal to %(limit_value)s.")
            % {"limit_value": minimum}
        )
    elif value > maximum:
        errors.setdefault(field, []).append(
            _("Ensure this value is less than or equal to %(limit_value)s.")
            % {"limit_value": f"{maximum:,}"}
        )
