"""Account names: NFKC, case and look-alikes; e-mail addresses: one account each."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from marketplace.accounts.models import User
from marketplace.accounts.names import email_key, name_key, validate_account_name_script
from marketplace.accounts.services import user_sign_up
from marketplace.core.exceptions import DomainError
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CYRILLIC_A = "\u0430"  # а, looks like Latin a
GREEK_O = "\u03bf"  # ο, looks like Latin o


def sign_up(username, email=None):
    return user_sign_up(
        username=username, email=email or f"{abs(hash(username))}@example.com", password=PASSWORD
    )


def test_the_key_folds_case_width_and_look_alikes():
    assert name_key("Alice") == name_key("alice") == name_key("ａｌｉｃｅ")
    assert name_key(f"{CYRILLIC_A}lice") == name_key("alice")
    assert name_key(f"b{GREEK_O}b") == name_key("bob")
    assert name_key("Ä-user") == name_key("ä-user")
    assert name_key("alice") != name_key("alicia")


def test_names_are_stored_nfkc():
    user = sign_up("ｂｏｂ２０２６")

    assert user.username == "bob2026"


def test_umlaut_names_collide_in_any_case():
    """SQLite's lower() folds ASCII only; the key is made in Python, so both databases
    refuse the second name."""
    sign_up("Ä-user")

    with pytest.raises(DomainError, match="taken"):
        sign_up("ä-user")
    assert User.objects.count() == 1


def test_the_database_refuses_a_look_alike_too():
    UserFactory(username="Ä-user")

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="ä-user")


@pytest.mark.parametrize("name", [f"{CYRILLIC_A}lice", f"b{GREEK_O}b-admin"])
def test_mixed_script_names_are_refused(name):
    with pytest.raises(DomainError, match="one alphabet"):
        sign_up(name)


def test_an_all_cyrillic_look_alike_of_a_latin_name_is_taken():
    sign_up("cop")

    with pytest.raises(DomainError, match="taken"):
        sign_up("\u0441\u043e\u0440")  # сор, all Cyrillic


@pytest.mark.parametrize("name", ["张三-dev", "王五2026", "\u0438\u0432\u0430\u043d", "Ärzte"])
def test_names_of_one_alphabet_with_han_or_digits_are_fine(name):
    validate_account_name_script(name)
    assert sign_up(name).pk


def test_script_check_raises_a_validation_error():
    with pytest.raises(ValidationError):
        validate_account_name_script(f"p{CYRILLIC_A}ypal")


def test_sign_up_page_refuses_a_look_alike_name(client):
    UserFactory(username="alice")
    data = {
        "username": "ALICE",
        "email": "x@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }

    response = client.post("/accounts/signup/", data)

    assert response.context["form"].errors["username"] == ["This account name is taken."]


# --- e-mail addresses --------------------------------------------------------------------


def test_email_key_ignores_case_and_spaces():
    assert email_key(" Alice@Example.COM ") == email_key("alice@example.com")
    assert email_key("") == ""


def test_sign_up_refuses_an_address_another_account_uses():
    UserFactory(email="erin@example.com")

    with pytest.raises(ValidationError) as exc:
        user_sign_up(username="erin2", email="ERIN@example.com", password=PASSWORD)
    assert "email" in exc.value.error_dict


def test_sign_up_page_shows_the_taken_address_on_its_field(client):
    UserFactory(email="erin@example.com")
    data = {
        "username": "erin2",
        "email": "Erin@Example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }

    response = client.post("/accounts/signup/", data)

    assert "Another account uses this e-mail address" in response.context["form"].errors["email"][0]
    assert not User.objects.filter(username="erin2").exists()


def test_the_database_refuses_a_second_account_with_the_address():
    UserFactory(email="erin@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="Erin@example.com")


def test_many_accounts_may_have_no_address():
    UserFactory(email="")
    UserFactory(email="")

    assert User.objects.filter(email="").count() == 2


def test_admin_add_form_refuses_look_alikes_and_taken_addresses(admin_client):
    UserFactory(username="alice", email="alice@example.com")

    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": f"{CYRILLIC_A}lice",
            "email": "ALICE@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "usable_password": "true",
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "username" in errors
    assert "email" in errors
