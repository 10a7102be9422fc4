"""No N+1 in the operators' admin: a changelist costs the same number of queries with 2
rows as with 12, and every change page opens.

Every model registered with the admin needs a case here (`test_every_admin_has_a_case`),
so a new admin gets its query-count test too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from buyers.models import CashCoupon, CreditBill, LedgerEntry, TopUp, Voucher, VoucherGrant, Wallet
from marketplace.accounts.models import IndividualVerification, User
from marketplace.catalog import services as catalog_services
from marketplace.catalog.models import Category, DelistRequest, Product, ProductVersion, Region
from marketplace.core.models import Heartbeat, Notification, TransitionLog
from orders.models import (
    Order,
    PrivateOffer,
    ProvisioningCall,
    Refund,
    SignedAgreement,
    Subscription,
    Unsubscription,
    UsageRecord,
)
from sellers.models import BusinessInfo, JointCertification, Seller, ServiceGroup, StorePage
from tests.factories.accounts import (
    EnterpriseUserFactory,
    GroupFactory,
    IndividualVerificationFactory,
    UserFactory,
)
from tests.factories.buyers import (
    CashCouponFactory,
    CreditBillFactory,
    TopUpFactory,
    VoucherFactory,
    VoucherGrantFactory,
    WalletFactory,
)
from tests.factories.catalog import CategoryFactory, RegionFactory, listed_product
from tests.factories.catalog_publishing import listed_product as reviewed_product
from tests.factories.catalog_publishing import pending_product
from tests.factories.core import HeartbeatFactory, NotificationFactory, TransitionLogFactory
from tests.factories.orders import PaidOrderFactory, SubscriptionFactory
from tests.factories.sellers import (
    ActiveSellerFactory,
    BusinessInfoFactory,
    JointCertificationFactory,
    SellerFactory,
    ServiceGroupFactory,
    StorePageFactory,
)

pytestmark = pytest.mark.django_db


def _categories(n: int) -> None:
    # Each with its own parent: the changelist shows the parent.
    for _ in range(n):
        CategoryFactory(parent=CategoryFactory())


def _products(n: int) -> None:
    for i in range(n):
        product = listed_product(name=f"Product {i}", regions=[RegionFactory()])
        TransitionLogFactory(object_id=str(product.pk))


def _pending_versions(n: int) -> None:
    for _ in range(n):
        pending_product()


def _product_version_to_review() -> ProductVersion:
    """A listed product with a new version under review: the change page shows a diff."""
    product = reviewed_product()
    draft = catalog_services.product_edit_listed(product=product, actor=None)
    specs = [catalog_services.spec_as_input(spec) for spec in draft.specs.all()]
    specs[0]["prices"][0]["amount"] = "123.45"
    catalog_services.product_version_update(
        product=product, fields={"summary": "A new summary"}, specs=specs
    )
    catalog_services.product_submit(product=product, actor=None)
    draft.refresh_from_db()
    return draft


def _delist_requests(n: int) -> None:
    for _ in range(n):
        product = listed_product()
        DelistRequest.objects.create(product=product, seller=product.seller)


def _store_pages(n: int) -> None:
    for _ in range(n):
        page = StorePageFactory()
        page.images.create(image="sellers/store.png", position=0)


def _axes_rows(model) -> Callable[[int], None]:
    """Log-in attempts as django-axes records them (operators unlock accounts there)."""

    def make(n: int) -> None:
        extra = {"get_data": "", "post_data": "", "failures_since_start": 1}
        for i in range(n):
            model.objects.create(
                username=f"someone{model.objects.count()}-{i}",
                ip_address="10.0.0.1",
                user_agent="pytest",
                http_accept="*/*",
                path_info="/accounts/login/",
                **(extra if model is AccessAttempt else {}),
            )

    return make


@dataclass
class Case:
    """How to make `n` rows the changelist lists, and the object whose change page opens."""

    make_rows: Callable[[int], object]
    change_object: Callable[[], object] | None = None
    query: dict = field(default_factory=dict)  # the changelist's query string


CASES: dict[type, Case] = {
    Group: Case(lambda n: GroupFactory.create_batch(n)),
    User: Case(lambda n: EnterpriseUserFactory.create_batch(n)),
    IndividualVerification: Case(lambda n: IndividualVerificationFactory.create_batch(n)),
    Heartbeat: Case(lambda n: HeartbeatFactory.create_batch(n)),
    TransitionLog: Case(lambda n: TransitionLogFactory.create_batch(n)),
    Notification: Case(lambda n: NotificationFactory.create_batch(n)),
    # The review queue, with its default filter (pending review).
    ProductVersion: Case(_pending_versions, change_object=_product_version_to_review),
    Product: Case(_products),
    DelistRequest: Case(_delist_requests),
    Category: Case(_categories),
    Region: Case(lambda n: RegionFactory.create_batch(n)),
    Seller: Case(lambda n: SellerFactory.create_batch(n)),
    JointCertification: Case(lambda n: JointCertificationFactory.create_batch(n)),
    ServiceGroup: Case(lambda n: ServiceGroupFactory.create_batch(n)),
    BusinessInfo: Case(lambda n: BusinessInfoFactory.create_batch(n)),
    StorePage: Case(_store_pages),
    AccessAttempt: Case(_axes_rows(AccessAttempt)),
    AccessLog: Case(_axes_rows(AccessLog)),
    AccessFailureLog: Case(_axes_rows(AccessFailureLog)),
}

# --- orders (orders/admin.py): each row names its order, buyer, seller ... joined. ---------


def _paid_orders(n: int) -> list[Order]:
    return PaidOrderFactory.create_batch(n)


def _unsubscriptions(n: int) -> None:
    for order in _paid_orders(n):
        Unsubscription.objects.create(
            order=order,
            buyer=order.buyer,
            seller=order.seller,
            rule=Unsubscription.Rule.GUARANTEE,
            proposed_amount=Decimal("1.00"),
        )


def _refunds(n: int) -> None:
    for order in _paid_orders(n):
        Refund.objects.create(
            order=order,
            key=f"refund:{order.number}",
            amount=Decimal("1.00"),
            reason="r",
            actor=UserFactory(),
        )


def _signed_agreements(n: int) -> None:
    for order in _paid_orders(n):
        SignedAgreement.objects.create(
            order=order,
            buyer=order.buyer,
            seller=order.seller,
            product=order.product,
            product_name=order.product_name,
            version_number=order.version_number,
            kind=SignedAgreement.Kind.AGREEMENT,
            text="Agreement",
            signed_at=timezone.now(),
        )


def _calls(n: int) -> None:
    for order in _paid_orders(n):
        ProvisioningCall.objects.create(
            subscription=order.subscription,
            order=order,
            sequence=1,
            activity=ProvisioningCall.Activity.NEW_INSTANCE,
        )


def _private_offers(n: int) -> None:
    for _ in range(n):
        product = listed_product()
        PrivateOffer.objects.create(
            seller=product.seller,
            product=product,
            buyer=UserFactory(),
            kind=PrivateOffer.Kind.PERCENT,
            value=Decimal("10"),
            valid_from=timezone.now(),
            valid_until=timezone.now() + timedelta(days=30),
        )


def _usage_records(n: int) -> None:
    for subscription in SubscriptionFactory.create_batch(n):
        UsageRecord.objects.create(subscription=subscription, key="k", amount=1)


CASES.update(
    {
        Order: Case(_paid_orders),
        Subscription: Case(lambda n: SubscriptionFactory.create_batch(n)),
        Unsubscription: Case(_unsubscriptions),
        Refund: Case(_refunds),
        SignedAgreement: Case(_signed_agreements),
        ProvisioningCall: Case(_calls),
        PrivateOffer: Case(_private_offers),
        UsageRecord: Case(_usage_records),
        Wallet: Case(lambda n: WalletFactory.create_batch(n, balance=Decimal("10.00"))),
        LedgerEntry: Case(lambda n: WalletFactory.create_batch(n, balance=Decimal("10.00"))),
        TopUp: Case(lambda n: TopUpFactory.create_batch(n)),
        CreditBill: Case(lambda n: CreditBillFactory.create_batch(n)),
        CashCoupon: Case(lambda n: CashCouponFactory.create_batch(n)),
    }
)


def _voucher_with_products():
    product = listed_product()
    voucher = VoucherFactory(seller=product.seller)
    voucher.products.add(product)
    VoucherGrantFactory(voucher=voucher)
    return voucher


CASES.update(
    {
        Voucher: Case(
            lambda n: [VoucherGrantFactory().voucher for _ in range(n)],
            change_object=_voucher_with_products,
        ),
        VoucherGrant: Case(lambda n: VoucherGrantFactory.create_batch(n)),
    }
)


def _isv_cases() -> dict:
    """Issue 9 credentials admins (imported here so the block stays self-contained)."""
    from orders.models import ProbeRun, ProductInterface
    from sellers.models import AccessKey
    from sellers.models import TestAccount as SellerTestAccount
    from tests.factories.isv import (
        AccessKeyFactory,
        ProbeRunFactory,
        ProductInterfaceFactory,
        TestAccountFactory,
    )

    def joint_interfaces(n: int) -> None:
        for interface in ProductInterfaceFactory.create_batch(n):
            interface.kit_access_key = AccessKeyFactory(seller=interface.product.seller)
            interface.save()

    return {
        AccessKey: Case(lambda n: AccessKeyFactory.create_batch(n)),
        ProductInterface: Case(joint_interfaces),
        SellerTestAccount: Case(lambda n: TestAccountFactory.create_batch(n)),
        ProbeRun: Case(lambda n: ProbeRunFactory.create_batch(n)),
    }


CASES.update(_isv_cases())


def _api_token_cases() -> dict:
    """Personal API tokens (marketplace/accounts/admin.py): each row names its account."""
    from marketplace.accounts.models import ApiToken
    from tests.factories.accounts import ApiTokenFactory

    return {ApiToken: Case(lambda n: ApiTokenFactory.create_batch(n))}


CASES.update(_api_token_cases())


def _supervision_cases() -> dict:
    """Service supervision (supervision/admin.py): cases, their log, evidence, appeals;
    each row names its case, order, parties ... joined."""
    from supervision import services as supervision_services
    from supervision.models import Appeal, CaseLog, EvidenceFile
    from supervision.models import Case as SupervisionCase
    from tests.factories.supervision import evidence_pdf, open_case

    def appeals(n: int) -> None:
        for case in (open_case() for _ in range(n)):
            supervision_services.appeal_open(case_id=case.pk, actor=case.buyer, reason="Late")

    def evidence(n: int) -> None:
        for case in (open_case() for _ in range(n)):
            supervision_services.evidence_upload(
                case_id=case.pk, actor=case.buyer, files=[evidence_pdf()]
            )

    return {
        SupervisionCase: Case(lambda n: [open_case() for _ in range(n)]),
        CaseLog: Case(lambda n: [open_case() for _ in range(n)]),
        Appeal: Case(appeals),
        EvidenceFile: Case(evidence),
    }


CASES.update(_supervision_cases())


def _settlement_cases() -> dict:
    """Settlement (settlement/admin.py): policies, partners, runs, bills, lines,
    carry-overs, payment requests, invoices and share bills; each row's relations joined."""
    from settlement import services as settlement_services
    from settlement.models import (
        AccelerationTier,
        Bill,
        BillLine,
        CarryOver,
        FeePolicy,
        Partner,
        PartnerBinding,
        PartnerShareBill,
        PartnerTerms,
        PaymentRequest,
        SellerInvoice,
        SettlementRun,
    )
    from tests.factories.settlement import (
        FeePolicyFactory,
        PartnerBindingFactory,
        PartnerFactory,
        PartnerTermsFactory,
        issued_bill,
        share_bill,
    )
    from tests.factories.supervision import evidence_pdf

    def bills(n: int) -> list:
        return [issued_bill(product_type="joint_saas") for _ in range(n)]

    def lines(n: int) -> None:
        for bill in bills(n):
            order = PaidOrderFactory(seller=bill.seller)
            BillLine.objects.create(
                bill=bill,
                order=order,
                kind="normal",
                gross=order.amount,
                fee_policy=FeePolicyFactory(effective_from=order.paid_at - timedelta(days=1)),
                partner=PartnerFactory(),
                seller_net=order.amount,
            )

    def carry_overs(n: int) -> None:
        for bill in bills(n):
            CarryOver.objects.create(
                seller=bill.seller,
                product_type="saas",
                period=bill.period,
                amount=Decimal("10.00"),
                run=bill.run,
            )

    def invoices(n: int) -> list:
        return [
            settlement_services.seller_invoice_upload(
                bill=bill,
                seller_user=bill.seller.user,
                number="No 1",
                issued_on=timezone.localdate(),
                amount=bill.net_total,
                file=evidence_pdf("invoice.pdf"),
            )
            for bill in bills(n)
        ]

    def requests(n: int) -> None:
        for invoice in invoices(n):
            settlement_services.seller_invoice_mark_mailed(
                invoice=invoice, seller_user=invoice.uploaded_by, carrier="SF", tracking_number="1"
            )
            settlement_services.payment_request_create(
                bill=invoice.bill, seller_user=invoice.uploaded_by
            )

    def tiers(n: int) -> None:
        start = AccelerationTier.objects.count()
        for i in range(start, start + n):
            AccelerationTier.objects.create(
                code=f"t{i}", name=f"Tier {i}", gmv_threshold=Decimal(1000 + i)
            )

    def policies(n: int) -> None:
        start = timezone.now() + timedelta(days=1 + FeePolicy.objects.count())
        for i in range(n):
            FeePolicyFactory(effective_from=start + timedelta(hours=i), created_by=UserFactory())

    return {
        FeePolicy: Case(policies),
        AccelerationTier: Case(tiers),
        Partner: Case(lambda n: PartnerFactory.create_batch(n, user=None)),
        PartnerBinding: Case(lambda n: PartnerBindingFactory.create_batch(n)),
        PartnerTerms: Case(lambda n: PartnerTermsFactory.create_batch(n)),
        SettlementRun: Case(lambda n: [issued_bill().run for _ in range(n)]),
        Bill: Case(bills),
        BillLine: Case(lines),
        CarryOver: Case(carry_overs),
        PaymentRequest: Case(requests),
        SellerInvoice: Case(invoices),
        PartnerShareBill: Case(lambda n: [share_bill() for _ in range(n)]),
    }


CASES.update(_settlement_cases())


def _invoice_cases() -> dict:
    """Invoicing (invoices/admin.py): requests name their seller and buyer, joined; the
    sellers' overdue counts come in one query."""
    from invoices.models import InvoiceRequest, RedLetterInvoice
    from tests.factories.invoices import invoice_request

    def red_letters(n: int) -> None:
        for request in (invoice_request() for _ in range(n)):
            line = request.lines.get()
            RedLetterInvoice.objects.create(request=request, order=line.order, amount=1)

    return {
        InvoiceRequest: Case(lambda n: [invoice_request() for _ in range(n)]),
        RedLetterInvoice: Case(red_letters),
    }


CASES.update(_invoice_cases())


# The review queue once more with every status, so rows of every state are listed.
EXTRA_CHANGELISTS = [
    pytest.param(ProductVersion, {"status": "all"}, id="catalog.productversion-all"),
    pytest.param(Seller, {"status": Seller.Status.ACTIVE}, id="sellers.seller-active"),
]


def _label(model) -> str:
    return model._meta.label_lower


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_every_admin_has_a_case():
    missing = sorted(_label(m) for m in admin.site._registry if m not in CASES)
    assert not missing, f"admins without a query-count test in {__name__}: {missing}"
    stale = sorted(_label(m) for m in CASES if m not in admin.site._registry)
    assert not stale, f"cases for models no longer in the admin: {stale}"


def _changelist_queries(client, model, query: dict) -> tuple[int, int, list[str]]:
    url = _url(model, "changelist")
    assert client.get(url, query).status_code == 200  # warm the per-process caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, query)
    assert response.status_code == 200
    return (
        len(ctx.captured_queries),
        response.context["cl"].result_count,
        [q["sql"] for q in ctx.captured_queries],
    )


def _assert_constant(client, model, make_rows, query):
    make_rows(2)
    few, few_rows, few_sql = _changelist_queries(client, model, query)
    make_rows(10)
    many, many_rows, many_sql = _changelist_queries(client, model, query)
    assert many_rows - few_rows >= 10, "the extra rows should be listed"
    assert many == few, (
        f"{_label(model)} changelist: {few} queries for {few_rows} rows, "
        f"{many} for {many_rows}:\n" + "\n".join(many_sql)
    )


@pytest.mark.parametrize("model", list(CASES), ids=_label)
def test_changelist_queries_do_not_grow_with_rows(operator_client, model):
    case = CASES[model]
    _assert_constant(operator_client, model, case.make_rows, case.query)


@pytest.mark.parametrize(("model", "query"), EXTRA_CHANGELISTS)
def test_filtered_changelist_queries_do_not_grow_with_rows(operator_client, model, query):
    make = {
        ProductVersion: lambda n: [listed_product() for _ in range(n)],
        Seller: lambda n: ActiveSellerFactory.create_batch(n),
    }[model]
    _assert_constant(operator_client, model, make, query)


@pytest.mark.parametrize("model", list(CASES), ids=_label)
def test_change_page_opens(operator_client, model):
    case = CASES[model]
    if case.change_object is not None:
        obj = case.change_object()
    else:
        case.make_rows(1)
        obj = model._default_manager.order_by("-pk").first()
    response = operator_client.get(_url(model, "change", obj.pk))
    assert response.status_code == 200
