"""Checks of Chinese identifiers by their check characters."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 18 characters from this 31-letter alphabet, the last one a check character.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# GB 11643-1999: 17 digits and a check character (0-9 or X).
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

MOBILE_RE = re.compile(r"^\+?\d[\d\- ]{6,18}\d$")
# A service phone: a mobile, a landline with its area code (010-12345678), a 400/800
# number, a short service number (95588), or an international +… number; separators
# (space, hyphen, brackets) and an extension (ext. 12, 转12, #12) are allowed.
PHONE_RE = re.compile(
    r"^(?P<number>\+?\(?\d[\d ()\-]*\d)(?:\s*(?:ext\.?|x|转|#)\s*(?P<ext>\d{1,6}))?$", re.I
)
PHONE_DIGITS = (5, 15)  # 95588 … the E.164 maximum


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code):
        raise ValidationError(
            _("A unified social credit code has 18 characters (digits and capital letters)."),
            code="uscc_format",
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("This unified social credit code is not valid: its check character is wrong."),
            code="uscc_checksum",
        )


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> None:
    number = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError(
            _("A resident ID number has 18 characters: 17 digits and a digit or X."),
            code="id_format",
        )
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("This ID number is not valid: its check character is wrong."), code="id_checksum"
        )


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match((value or "").strip()):
        raise ValidationError(_("Enter a valid mobile number."), code="mobile")


def _phone_parts(value: str) -> tuple[str, str] | None:
    """(number digits with a leading + if any, extension) of a valid phone, else None."""
    match = PHONE_RE.match((value or "").strip())
    if not match:
        return None
    number = match["number"]
    digits = re.sub(r"\D", "", number)
    if not PHONE_DIGITS[0] <= len(digits) <= PHONE_DIGITS[1]:
        return None
    return ("+" if number.startswith("+") else "") + digits, match["ext"] or ""


def validate_phone(value: str) -> None:
    """A customer-service phone: mobile, landline, 400/800 or service number."""
    if _phone_parts(value) is None:
        raise ValidationError(
            _("Enter a valid phone number, e.g. 400-800-8000, 010-12345678 or 13812345678."),
            code="phone",
        )


def phone_uri(value: str) -> str:
    """The `tel:` link of a valid phone (RFC 3966), or "" for anything else."""
    parts = _phone_parts(value)
    if parts is None:
        return ""
    number, ext = parts
    return f"tel:{number}" + (f";ext={ext}" if ext else "")
