import factory
from django.utils import timezone

from sellers.models import BusinessInfo, JointCertification, Seller, ServiceGroup, StorePage

from .accounts import EnterpriseUserFactory


class SellerFactory(factory.django.DjangoModelFactory):
    """A submitted application (pending), copying the account's enterprise verification."""

    class Meta:
        model = Seller

    user = factory.SubFactory(EnterpriseUserFactory)
    status = Seller.Status.PENDING
    company_name = factory.LazyAttribute(lambda s: s.user.enterprise_verification.company_name)
    credit_code = factory.LazyAttribute(lambda s: s.user.enterprise_verification.credit_code)
    store_name = factory.Sequence(lambda n: f"Store {n}")
    business_scope = "Cloud software and services"
    contact_name = "Li Si"
    contact_mobile = "13900139000"
    contact_email = factory.LazyAttribute(lambda s: f"{s.user.username}@seller.example.com")
    submitted_at = factory.LazyFunction(timezone.now)


class RejectedSellerFactory(SellerFactory):
    status = Seller.Status.REJECTED
    rejection_reason = "The store name is misleading."
    reviewed_at = factory.LazyFunction(timezone.now)


class ApprovedSellerFactory(SellerFactory):
    status = Seller.Status.APPROVED
    reviewed_at = factory.LazyFunction(timezone.now)


class BusinessInfoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessInfo

    seller = factory.SubFactory(ApprovedSellerFactory)
    province = "广东省"
    city = "深圳市"
    district = "南山区"
    address_detail = "科技园 1 号"
    has_marketplace_contact = False
    logo = factory.django.ImageField(filename="logo.png", format="PNG")
    certified_at = factory.LazyFunction(timezone.now)


class ActiveSellerFactory(ApprovedSellerFactory):
    """Passed all three onboarding steps: may publish products."""

    class Meta:
        skip_postgeneration_save = True

    status = Seller.Status.ACTIVE
    activated_at = factory.LazyFunction(timezone.now)
    business_info = factory.RelatedFactory(BusinessInfoFactory, factory_related_name="seller")


class ExitPendingSellerFactory(ActiveSellerFactory):
    status = Seller.Status.EXIT_PENDING


class ExitedSellerFactory(ActiveSellerFactory):
    status = Seller.Status.EXITED
    exited_at = factory.LazyFunction(timezone.now)


class ServiceGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceGroup

    seller = factory.SubFactory(ActiveSellerFactory)
    name = factory.Sequence(lambda n: f"Support team {n}")
    phone = "400-800-8000"
    email = "support@example.com"
    hours = "Mon–Fri 9:00–18:00"


class StorePageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StorePage

    seller = factory.SubFactory(ActiveSellerFactory)
    brand_story = "We build software."


class JointCertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JointCertification

    seller = factory.SubFactory(ActiveSellerFactory)
    status = JointCertification.Status.PENDING
    company_name = factory.LazyAttribute(lambda c: c.seller.company_name)
    credit_code = factory.LazyAttribute(lambda c: c.seller.credit_code)
    authorization_letter = factory.django.FileField(filename="letter.pdf", data=b"%PDF-1.4\n%")
    products_description = "A joint SaaS product"
    submitted_at = factory.LazyFunction(timezone.now)
