import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from marketplace.accounts.models import EnterpriseVerification, IndividualVerification, User
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
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


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
