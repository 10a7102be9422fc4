import pytest
from django.core.exceptions import ValidationError

from marketplace.accounts.validators import (
    id_check_char,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)
from tests.factories.accounts import make_uscc


def test_real_world_uscc_passes():
    # The published code of a well-known company; its check character is "A".
    validate_uscc("91440300708461136T")


@pytest.mark.parametrize("n", [0, 1, 42, 99999])
def test_generated_codes_pass(n):
    validate_uscc(make_uscc(n))


def test_uscc_with_wrong_check_character_is_refused():
    code = make_uscc(7)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(ValidationError, match="check character"):
        validate_uscc(wrong)


@pytest.mark.parametrize("value", ["", "123", "91310000000000000I", "9131000000000000000"])
def test_uscc_with_wrong_format_is_refused(value):
    with pytest.raises(ValidationError):
        validate_uscc(value)


def test_id_number_checksum():
    first17 = "11010519491231002"
    validate_id_number(first17 + id_check_char(first17))
    with pytest.raises(ValidationError):
        validate_id_number(first17 + ("0" if id_check_char(first17) != "0" else "1"))


@pytest.mark.parametrize("value", ["abc", "12", ""])
def test_bad_mobile(value):
    with pytest.raises(ValidationError):
        validate_mobile(value)
