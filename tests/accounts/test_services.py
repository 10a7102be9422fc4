"""Sign-up and real-name verification services."""

import pytest
from django.core.exceptions import ValidationError

from marketplace.accounts.models import EnterpriseVerification, IndividualVerification, User
from marketplace.accounts.services import (
    user_sign_up,
    user_verify_enterprise,
    user_verify_individual,
)
from marketplace.accounts.validators import id_check_char
from marketplace.core.audit import history_for
from marketplace.core.exceptions import DomainError
from marketplace.core.files import original_name
from tests.factories.accounts import PASSWORD, EnterpriseUserFactory, UserFactory, make_uscc

pytestmark = pytest.mark.django_db

ID_FIRST17 = "11010519491231002"
ID_NUMBER = ID_FIRST17 + id_check_char(ID_FIRST17)
USCC_WRONG_CHECK = make_uscc(1)[:17] + ("0" if make_uscc(1)[17] != "0" else "1")


def enterprise_kwargs(image_file, **overrides):
    return {
        "company_name": "Example Software Co.",
        "credit_code": make_uscc(1).lower(),  # normalised to capitals
        "legal_representative": "Li Si",
        "licence": image_file("licence.png"),
        **overrides,
    }


# --- sign-up -----------------------------------------------------------------------------


def test_sign_up_creates_an_account_with_a_fixed_id():
    user = user_sign_up(username=" alice ", email="alice@example.com ", password=PASSWORD)

    user.refresh_from_db()
    assert user.username == "alice"
    assert user.email == "alice@example.com"
    assert user.check_password(PASSWORD)
    assert len(user.account_id) == 32
    assert user.real_name_status == User.RealName.NONE
    assert [log.action for log in history_for(user)] == ["sign_up"]


def test_account_ids_differ():
    first = user_sign_up(username="a1", email="a1@example.com", password=PASSWORD)
    second = user_sign_up(username="a2", email="a2@example.com", password=PASSWORD)

    assert first.account_id != second.account_id


def test_sign_up_refuses_a_taken_name_in_any_case():
    UserFactory(username="Bob")

    with pytest.raises(DomainError, match="taken"):
        user_sign_up(username="bob", email="b@example.com", password=PASSWORD)
    assert User.objects.count() == 1


@pytest.mark.parametrize("password", ["12345678", "password", "short"])
def test_sign_up_refuses_a_weak_password(password):
    with pytest.raises(ValidationError):
        user_sign_up(username="carol", email="c@example.com", password=password)
    assert not User.objects.filter(username="carol").exists()


def test_sign_up_refuses_a_bad_mobile():
    with pytest.raises(ValidationError):
        user_sign_up(username="dan", email="d@example.com", password=PASSWORD, mobile="call me")


# --- enterprise verification ---------------------------------------------------------------


def test_enterprise_verification(image_file):
    user = UserFactory()

    verification = user_verify_enterprise(user=user, **enterprise_kwargs(image_file))

    user.refresh_from_db()
    assert user.real_name_status == User.RealName.ENTERPRISE
    assert user.is_enterprise
    assert verification.credit_code == make_uscc(1)
    # A generated key: no account id (nor the uploaded name) in the path.
    assert verification.licence.name.startswith("verification/")
    assert user.account_id not in verification.licence.name
    log = list(history_for(user))[-1]
    assert (log.action, log.from_state, log.to_state) == ("verify_enterprise", "none", "enterprise")


def test_an_individual_may_become_an_enterprise(image_file):
    user = UserFactory()
    user_verify_individual(user=user, real_name="Wang Wu", id_number=ID_NUMBER)

    user_verify_enterprise(user=user, **enterprise_kwargs(image_file))

    user.refresh_from_db()
    assert user.real_name_status == User.RealName.ENTERPRISE


@pytest.mark.parametrize("code", ["91310000000000000I", "123", USCC_WRONG_CHECK])
def test_enterprise_verification_refuses_a_bad_credit_code(image_file, code):
    user = UserFactory()

    with pytest.raises(ValidationError):
        user_verify_enterprise(user=user, **enterprise_kwargs(image_file, credit_code=code))
    user.refresh_from_db()
    assert user.real_name_status == User.RealName.NONE
    assert not EnterpriseVerification.objects.exists()


def test_enterprise_verification_refuses_a_text_file_renamed_png(image_file, fake_image_file):
    user = UserFactory()

    with pytest.raises(ValidationError, match="not a valid image"):
        user_verify_enterprise(user=user, **enterprise_kwargs(image_file, licence=fake_image_file))
    assert not EnterpriseVerification.objects.exists()


def test_enterprise_verification_refuses_an_oversize_licence(image_file, settings):
    licence = image_file("licence.png", size=(400, 400))
    settings.MAX_IMAGE_BYTES = licence.size - 1

    with pytest.raises(ValidationError, match="too large"):
        user_verify_enterprise(user=UserFactory(), **enterprise_kwargs(image_file, licence=licence))


def test_enterprise_verification_needs_names(image_file):
    with pytest.raises(ValidationError):
        user_verify_enterprise(
            user=UserFactory(), **enterprise_kwargs(image_file, company_name="  ")
        )


def test_an_enterprise_cannot_verify_again(image_file):
    user = EnterpriseUserFactory()

    with pytest.raises(DomainError, match="already verified"):
        user_verify_enterprise(user=user, **enterprise_kwargs(image_file))
    assert EnterpriseVerification.objects.count() == 1


# --- individual verification ---------------------------------------------------------------


def test_individual_verification():
    user = UserFactory()

    verification = user_verify_individual(user=user, real_name=" Wang Wu ", id_number=ID_NUMBER)

    user.refresh_from_db()
    assert user.real_name_status == User.RealName.INDIVIDUAL
    assert verification.real_name == "Wang Wu"
    assert verification.masked_id_number == f"110{'*' * 11}{ID_NUMBER[-4:]}"


def test_individual_verification_refuses_a_bad_id_number():
    user = UserFactory()
    wrong = ID_FIRST17 + ("0" if ID_NUMBER[-1] != "0" else "1")

    with pytest.raises(ValidationError, match="check character"):
        user_verify_individual(user=user, real_name="Wang Wu", id_number=wrong)
    assert not IndividualVerification.objects.exists()


def test_individual_verification_only_once():
    user = UserFactory()
    user_verify_individual(user=user, real_name="Wang Wu", id_number=ID_NUMBER)

    with pytest.raises(DomainError, match="already passed"):
        user_verify_individual(user=user, real_name="Wang Wu", id_number=ID_NUMBER)
    assert IndividualVerification.objects.count() == 1


def test_an_enterprise_cannot_verify_as_an_individual():
    with pytest.raises(DomainError, match="already passed"):
        user_verify_individual(user=EnterpriseUserFactory(), real_name="W", id_number=ID_NUMBER)


def test_licence_upload_field_is_stored(image_file):
    licence = image_file("licence.jpg")
    verification = user_verify_enterprise(
        user=UserFactory(), **enterprise_kwargs(image_file, licence=licence)
    )

    assert verification.licence.name.endswith(".jpg")
    assert original_name(verification.licence) == "licence.jpg"
    assert verification.licence.size == licence.size


@pytest.mark.django_db
def test_account_names_are_unique_whatever_the_case_in_the_database():
    from django.db import IntegrityError, transaction

    from marketplace.accounts.models import User

    User.objects.create(username="Bob")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="bob")  # even when the service's check is raced
