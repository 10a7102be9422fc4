import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from marketplace.accounts import tokens
from marketplace.accounts.groups import ensure_operator_groups
from marketplace.accounts.models import (
    ApiToken,
    EnterpriseVerification,
    IndividualVerification,
    User,
)
from marketplace.accounts.services import api_token_create
from marketplace.accounts.validators import uscc_check_char

PASSWORD = "market-Pass-2026"


def make_uscc(n: int) -> str:
    """A valid unified social credit code, distinct for each n."""
    first17 = f"91310000{n:09d}"
    return first17 + uscc_check_char(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    mobile = "13800138000"
    # Verified, as most accounts are: selling needs it. `email_verified_at=None` for one
    # that has not opened the link yet.
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def operator_group(name: str) -> Group:
    """The operator group `name` as the data migration makes it. A test that flushes the
    database (transaction=True, live server) loses it: it is made again the same way."""
    ensure_operator_groups()
    return Group.objects.get(name=name)


def _in_groups(*default: str) -> factory.PostGeneration:
    """Put the account in the operator groups `groups=[...]` (default: `default`)."""

    def add(obj, create, extracted, **kwargs):
        if create:
            names = default if extracted is None else extracted
            obj.groups.add(*(operator_group(name) for name in names))

    return factory.PostGeneration(add)


class OperatorFactory(UserFactory):
    """A staff account in no operator group: it may log in to the admin, and do nothing.
    `OperatorFactory(groups=["support", "finance"])` for several groups."""

    is_staff = True
    groups = _in_groups()


class ReviewerFactory(OperatorFactory):
    """Decides applications, exits, certifications and product versions; delists; sees
    private documents."""

    groups = _in_groups("reviewer")


class SupportFactory(OperatorFactory):
    """View-only: no decisions, no private documents."""

    groups = _in_groups("support")


class FinanceFactory(OperatorFactory):
    """View-only for now (settlement adds its permissions)."""

    groups = _in_groups("finance")


class EnterpriseUserFactory(UserFactory):
    real_name_status = User.RealName.ENTERPRISE
    enterprise = factory.RelatedFactory(
        "tests.factories.accounts.EnterpriseVerificationFactory", factory_related_name="user"
    )


class EnterpriseVerificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnterpriseVerification

    user = factory.SubFactory(UserFactory, real_name_status=User.RealName.ENTERPRISE)
    company_name = factory.Sequence(lambda n: f"Example Software Co. {n}")
    credit_code = factory.Sequence(make_uscc)
    legal_representative = "Zhang San"
    licence = factory.django.ImageField(filename="licence.png", format="PNG")
    verified_at = factory.LazyFunction(timezone.now)


class IndividualVerificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndividualVerification

    user = factory.SubFactory(UserFactory, real_name_status=User.RealName.INDIVIDUAL)
    real_name = factory.Sequence(lambda n: f"Wang Wu {n}")
    id_number = "11010519491231002X"
    verified_at = factory.LazyFunction(timezone.now)


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Operators {n}")


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A personal API token row; its secret is not kept (use `api_token()` to call the API
    with one)."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"script {n}")
    prefix = factory.LazyFunction(lambda: tokens.new_token()[0])
    digest = factory.LazyFunction(lambda: tokens.digest(tokens.new_token()[1]))


def api_token(user: User | None = None, *, name: str = "script", expires_at=None):
    """(ApiToken, the token itself) made by the service, as the "API tokens" page does."""
    return api_token_create(user=user or UserFactory(), name=name, expires_at=expires_at)
