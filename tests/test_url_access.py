"""Access control of every URL of the project (DEVELOPERS guide: "A buyer or seller never
reaches another's objects: check ownership in the query, not after it, and test it for
every URL you add").

`URLS` classifies every named URL. `test_every_url_is_classified` fails when a URL is
added (or renamed) without a row here, so each new URL gets an access class and, with
it, the tests below:

- PUBLIC: anyone may open it (catalog, log-in, API schema ...).
- LOGIN: any signed-in account; anonymous visitors are sent to log in.
- SELLER: a seller in one of `statuses` (default: active); anonymous → log in, any other
  account or seller status → 403.
- OWNED: as SELLER, plus the URL names one of the seller's objects (product, spec,
  service group, allowlist entry, attribute name ...): another seller's object is a 404
  for GET and POST alike, and a POST by the wrong owner changes nothing.
- API_SELLER / API_OWNED: the same for the seller API: anonymous → 401/403, wrong role →
  403, another seller's object → 404.
- BUYER_OWNED: the URL names one of a buyer's own objects (order, purchased service,
  unsubscription, top-up, credit bill): anonymous → log in; the owner gets in; another
  buyer (or the seller of the order) gets a 404 for GET and POST alike, and a POST by the
  wrong buyer changes nothing.
- API_BUYER / API_BUYER_OWNED: the buyer API: anonymous → 401/403; another buyer's order
  → 404.
- API_AKSK: the open API for sellers' servers: every request needs an AK/SK signature
  (tests/orders/test_openapi*.py test the signed side); unsigned → 401 MKT.0154.
- SIGNED: called by the payment provider or reached through a link it signed: no log-in,
  and without a valid signature it answers 4xx and changes nothing.
- PARTNER / PARTNER_OWNED: the partner center (settlement.partner_views): an account
  linked to a customer service partner; anonymous → log in, any other account → 403; a
  share bill of another partner → 404 for GET and POST alike, nothing changed.
- PRIVATE_FILE: a signed link to a private document: anonymous → log in; its owner
  account and operators allowed to see private documents (reviewer group) → 200; any
  other account, other staff included → 404.

The Django admin (`admin:`) is the operators' (is_staff) and is checked once; the API
schema and docs, static, media and the JavaScript catalog are public.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from buyers.models import (
    CashCoupon,
    CreditBill,
    LedgerEntry,
    TopUp,
    Voucher,
    VoucherGrant,
    Wallet,
)
from invoices.models import InvoiceRequest, InvoiceTitle, MailingAddress, RedLetterInvoice
from marketplace.accounts.models import ApiToken
from marketplace.accounts.services import email_verification_token
from marketplace.catalog import services
from marketplace.catalog.models import (
    AllowlistEntry,
    AttributeName,
    Price,
    Product,
    ProductScreenshot,
    ProductVersion,
    Spec,
    SpecAttribute,
    SpecSales,
)
from marketplace.core.models import TransitionLog
from marketplace.core.private_files import make_token
from orders.models import (
    InterfaceTestCase,
    License,
    Order,
    PrivateOffer,
    ProductInterface,
    ProvisioningCall,
    Refund,
    SignedAgreement,
    Subscription,
    Unsubscription,
)
from sellers.models import (
    AccessKey,
    BusinessInfo,
    JointCertification,
    Seller,
    ServiceGroup,
    StorePage,
)
from settlement.models import (
    Bill,
    BillLine,
    PartnerShareBill,
    PaymentRequest,
    SellerInvoice,
)
from supervision.models import Appeal, Case, CaseLog, EvidenceFile
from supervision.services import case_open
from tests.conftest import make_image_file
from tests.factories import catalog as public
from tests.factories import catalog_publishing as publishing
from tests.factories.accounts import (
    ApiTokenFactory,
    EnterpriseUserFactory,
    ReviewerFactory,
    SupportFactory,
    UserFactory,
)
from tests.factories.buyers import CreditBillFactory, TopUpFactory, VoucherFactory, WalletFactory
from tests.factories.invoices import company_title, invoice_request, mailing_address
from tests.factories.isv import ProductInterfaceFactory
from tests.factories.orders import OrderFactory, PaidOrderFactory
from tests.factories.sellers import (
    ActiveSellerFactory,
    ApprovedSellerFactory,
    ExitedSellerFactory,
    ExitPendingSellerFactory,
    RejectedSellerFactory,
    SellerFactory,
    ServiceGroupFactory,
)
from tests.factories.settlement import PartnerFactory
from tests.factories.settlement_bills import issued_bill, share_bill_for

pytestmark = pytest.mark.django_db

PUBLIC = "public"
LOGIN = "login required"
SELLER = "seller"
OWNED = "owner-scoped object"
API_SELLER = "API: seller"
API_OWNED = "API: owner-scoped object"
PRIVATE_FILE = "private file (owner and staff)"
BUYER_OWNED = "buyer-owned object"
API_BUYER = "API: buyer"
API_BUYER_OWNED = "API: buyer-owned object"
API_AKSK = "open API: AK/SK-signed, scoped to the key's seller"
SIGNED = "signed by the payment provider"
PARTNER = "partner center"
PARTNER_OWNED = "partner-owned object"

S = Seller.Status
ACTIVE = (S.ACTIVE,)


# --- the world every test works in: two active sellers with one of each object ---------------


@dataclass
class Side:
    """One seller and its objects."""

    seller: Seller
    draft: Product  # a draft with specs "basic" and "trial" and one screenshot
    listed: Product  # on sale, with one allowlist entry
    group: ServiceGroup  # unused, so it can be deleted
    attribute: AttributeName  # unused, so it can be deleted
    entry: AllowlistEntry
    shot: ProductScreenshot
    buying: Buying | None = None  # a buyer of `listed` and what they hold


@dataclass
class Buying:
    """A buyer of one side's listed product, with one of each of their objects."""

    buyer: object
    order: Order  # paid, with its subscription and signed agreement
    pending: Order  # waiting for payment
    subscription: Subscription
    unsubscription: Unsubscription  # pending with the seller, on `refundable`
    top_up: TopUp
    bill: CreditBill
    voucher: Voucher  # the seller's
    offer: PrivateOffer  # the seller's, for this buyer
    key: AccessKey | None = None  # the seller's interface signing key
    interface: ProductInterface | None = None  # of the listed product
    test_case: InterfaceTestCase | None = None
    call: ProvisioningCall | None = None  # finally failed, of `subscription`
    license: License | None = None  # delivered on `subscription`, not yet claimed
    api_token: ApiToken | None = None  # the buyer's personal API token
    case: Case | None = None  # the supervision case of `order` (SaaS: the seller delivers)
    invoice: InvoiceRequest | None = None  # an e-invoice request for `order`
    red_letter: RedLetterInvoice | None = None  # due on `invoice`
    title: InvoiceTitle | None = None  # the buyer's invoice title
    address: MailingAddress | None = None  # the buyer's mailing address
    settle_bill: Bill | None = None  # the seller's issued bill with `order` on it
    settle_line: BillLine | None = None  # `order`'s line on it, shared with `partner`
    partner_user: object = None  # the account of the buyer's customer service partner
    share_bill: PartnerShareBill | None = None  # that partner's share bill of the period


def make_buying(seller: Seller, product: Product) -> Buying:
    buyer = UserFactory()
    WalletFactory(buyer=buyer, balance=Decimal("1000.00"))
    order = PaidOrderFactory(buyer=buyer, product=product)
    SignedAgreement.objects.create(
        order=order,
        buyer=buyer,
        seller=seller,
        product=product,
        product_name=order.product_name,
        version_number=order.version_number,
        kind=SignedAgreement.Kind.AGREEMENT,
        text="Agreement",
        signed_at=timezone.now(),
    )
    refundable = PaidOrderFactory(buyer=buyer, product=product)
    unsubscription = Unsubscription.objects.create(
        order=refundable,
        buyer=buyer,
        seller=seller,
        rule=Unsubscription.Rule.GUARANTEE,
        proposed_amount=refundable.amount,
    )
    now = timezone.now()
    interface = ProductInterfaceFactory(product=product)
    invoice = invoice_request(order=order)
    partner = PartnerFactory(user=UserFactory())
    settle_bill = issued_bill(seller=seller, orders=[order], partner=partner)
    return Buying(
        settle_bill=settle_bill,
        settle_line=settle_bill.lines.get(),
        partner_user=partner.user,
        share_bill=share_bill_for(partner, settle_bill.period),
        invoice=invoice,
        red_letter=RedLetterInvoice.objects.create(request=invoice, order=order, amount=1),
        title=company_title(buyer),
        address=mailing_address(buyer),
        key=interface.access_key,
        interface=interface,
        test_case=InterfaceTestCase.objects.create(
            product=product, name="create", activity="newInstance", body={"orderId": "MOCK"}
        ),
        call=ProvisioningCall.objects.create(
            subscription=order.subscription,
            order=order,
            sequence=1,
            activity=ProvisioningCall.Activity.NEW_INSTANCE,
            status=ProvisioningCall.Status.FAILED,
            finished_at=now,
        ),
        license=License.objects.create(subscription=order.subscription, code=f"LIC-{order.pk}"),
        api_token=ApiTokenFactory(user=buyer),
        case=case_open(order=order),
        buyer=buyer,
        order=order,
        pending=OrderFactory(buyer=buyer, product=product),
        subscription=order.subscription,
        unsubscription=unsubscription,
        top_up=TopUpFactory(buyer=buyer),
        bill=CreditBillFactory(buyer=buyer),
        voucher=VoucherFactory(seller=seller),
        offer=PrivateOffer.objects.create(
            seller=seller,
            product=product,
            buyer=buyer,
            kind=PrivateOffer.Kind.PERCENT,
            value=Decimal("10"),
            valid_from=now,
            valid_until=now + timedelta(days=30),
        ),
    )


@dataclass
class World:
    own: Side
    other: Side
    buyer: object  # an account sellers can put on an allowlist
    shop_window: Product  # a listed product of a third seller, for the public pages
    roles: dict[str, object] = field(default_factory=dict)  # an account of each of ROLES


def make_side(image_file) -> Side:
    seller = ActiveSellerFactory()
    draft = publishing.draft_product(seller)
    shot = services.product_screenshots_update(
        product=draft, add=[image_file("shot.png")], actor=seller.user
    )[0]
    listed = publishing.listed_product(seller)
    entry = AllowlistEntry.objects.create(
        product=listed, kind=AllowlistEntry.Kind.SALES, user=UserFactory()
    )
    return Side(
        seller=seller,
        draft=draft,
        listed=listed,
        group=ServiceGroupFactory(seller=seller),
        attribute=publishing.AttributeNameFactory(seller=seller),
        entry=entry,
        shot=shot,
        buying=make_buying(seller, listed),
    )


def make_world() -> World:
    return World(
        own=make_side(make_image_file),
        other=make_side(make_image_file),
        buyer=UserFactory(),
        shop_window=public.listed_product(),
        roles={role: make() for role, make in ROLES.items()},
    )


@pytest.fixture(scope="module")
def _world(module_data) -> World:
    """The world, built once for the module (tests/conftest.py, `module_data`)."""
    return module_data.build(make_world)


@pytest.fixture
def world(_world, module_data, db, settings, _media_root) -> World:
    """Each test's own copy of the world: its rows as built (each test's changes are rolled
    back), its Python objects and files copied afresh."""
    return module_data.copy(_world, settings)


# --- POST payloads: valid for the owner, so that a missing scope would change something -----


def spec_data(code: str = "basic", name: str = "Hijacked") -> dict:
    return {
        "code": code,
        "name": name,
        "billing_mode": "period",
        "prices-TOTAL_FORMS": "1",
        "prices-INITIAL_FORMS": "0",
        "prices-0-period": "month",
        "prices-0-amount": "1.00",
        "prices-0-max_periods": "1",
        "attributes-TOTAL_FORMS": "0",
        "attributes-INITIAL_FORMS": "0",
    }


def edit_data(side: Side, **extra) -> dict:
    version = side.draft.versions.get(status=ProductVersion.Status.DRAFT)
    return {
        "name": "Hijacked",
        "category": version.category_id,
        "summary": version.summary,
        "description": version.description,
        "tags": version.tags,
        "service_group": version.service_group_id,
        "agreement_text": version.agreement_text,
        "remove_screenshots": [side.shot.pk],
        **extra,
    }


GROUP_DATA = {
    "name": "Hijacked",
    "phone": "400-800-8000",
    "email": "hijack@example.com",
    "hours": "Mon-Fri 9:00-18:00",
}


def nothing(w: World, s: Side) -> dict:
    return {}


def _spec_code(w: World) -> str:
    return w.shop_window.listed_version.specs.order_by("position", "id").first().code


@dataclass(frozen=True)
class Route:
    access: str
    methods: tuple[str, ...] = ("get",)
    kwargs: Callable[[World, Side], dict] = nothing
    data: Callable[[World, Side], dict] = nothing
    statuses: tuple[str, ...] = ACTIVE  # SELLER / OWNED: the seller statuses let in
    api: bool = field(default=False)


GP = ("get", "post")

URLS: dict[str, Route] = {
    # --- public --------------------------------------------------------------------------
    "home": Route(PUBLIC),
    "healthz": Route(PUBLIC),
    "help": Route(PUBLIC),
    "terms": Route(PUBLIC),
    "privacy": Route(PUBLIC),
    "contact": Route(PUBLIC),
    "set_language": Route(PUBLIC, GP),
    "javascript-catalog": Route(PUBLIC),
    "accounts:sign_up": Route(PUBLIC, GP),
    "accounts:login": Route(PUBLIC, GP),
    "accounts:logout": Route(PUBLIC, GP),
    "accounts:verify_email": Route(
        PUBLIC, kwargs=lambda w, s: {"token": email_verification_token(w.buyer)}
    ),
    "accounts:password_reset": Route(PUBLIC, GP),
    "accounts:password_reset_done": Route(PUBLIC),
    "accounts:password_reset_confirm": Route(
        PUBLIC, GP, kwargs=lambda w, s: {"uidb64": "MQ", "token": "set-password"}
    ),
    "accounts:password_reset_complete": Route(PUBLIC),
    "catalog:search": Route(PUBLIC),
    "catalog:category": Route(PUBLIC, kwargs=lambda w, s: {"slug": w.shop_window.category.slug}),
    "catalog:product": Route(PUBLIC, kwargs=lambda w, s: {"pk": w.shop_window.pk}),
    "catalog:store": Route(PUBLIC, kwargs=lambda w, s: {"seller_id": w.shop_window.seller_id}),
    "api-catalog-products": Route(PUBLIC, api=True),
    "api-catalog-product": Route(PUBLIC, kwargs=lambda w, s: {"pk": w.shop_window.pk}, api=True),
    "api-schema": Route(PUBLIC, api=True),
    "api-docs": Route(PUBLIC),
    # --- a private document, by signed link ------------------------------------------------
    "private_file": Route(
        PRIVATE_FILE,
        kwargs=lambda w, s: {"token": make_token(s.seller.user.enterprise_verification, "licence")},
    ),
    # --- any signed-in account -------------------------------------------------------------
    "seller:dashboard": Route(LOGIN),
    "seller:apply": Route(LOGIN, GP),
    "seller:region_cities": Route(LOGIN),
    "seller:region_districts": Route(LOGIN),
    "buyer:dashboard": Route(LOGIN),
    "buyer:credentials": Route(LOGIN),
    "buyer:verification": Route(LOGIN),
    "buyer:verify_enterprise": Route(LOGIN, GP),
    "seller:verify_enterprise": Route(LOGIN, GP),
    "accounts:email_verification": Route(LOGIN, GP),
    "buyer:verify_individual": Route(LOGIN, GP),
    "accounts:api_tokens": Route(LOGIN),
    "accounts:api_token_create": Route(LOGIN, GP),
    # A personal API token: any account's own (README › API tokens), revoked by POST.
    "accounts:api_token_revoke": Route(
        BUYER_OWNED, GP, kwargs=lambda w, s: {"pk": s.buying.api_token.pk}
    ),
    # --- a seller in a given status, no object in the URL ------------------------------------
    "seller:business_info": Route(SELLER, GP, statuses=(S.APPROVED, S.ACTIVE, S.EXIT_PENDING)),
    "seller:business_info_edit": Route(SELLER, GP),
    "seller:store_page": Route(SELLER, GP),
    "seller:joint_certification": Route(SELLER, GP),
    "seller:service_group_list": Route(SELLER),
    "seller:service_group_create": Route(SELLER, GP),
    "seller:exit": Route(SELLER, GP, statuses=(S.ACTIVE, S.EXIT_PENDING)),
    "seller:exit_withdraw": Route(SELLER, ("post",), statuses=(S.ACTIVE, S.EXIT_PENDING)),
    "seller:product_list": Route(SELLER),
    "seller:product_new": Route(SELLER),
    "seller:product_create": Route(SELLER, GP, kwargs=lambda w, s: {"delivery_type": "saas"}),
    "seller:attribute_names": Route(SELLER, GP),
    "seller:product_templates": Route(SELLER),
    "seller:product_template_download": Route(SELLER, kwargs=lambda w, s: {"name": "agreement"}),
    # --- one of the active seller's own objects ---------------------------------------------
    "seller:service_group_edit": Route(
        OWNED, GP, kwargs=lambda w, s: {"pk": s.group.pk}, data=lambda w, s: GROUP_DATA
    ),
    "seller:service_group_delete": Route(OWNED, GP, kwargs=lambda w, s: {"pk": s.group.pk}),
    "seller:product_detail": Route(OWNED, GP, kwargs=lambda w, s: {"pk": s.draft.pk}),
    "seller:product_edit": Route(
        OWNED, GP, kwargs=lambda w, s: {"pk": s.draft.pk}, data=lambda w, s: edit_data(s)
    ),
    "seller:spec_create": Route(
        OWNED, GP, kwargs=lambda w, s: {"pk": s.draft.pk}, data=lambda w, s: spec_data("hijack")
    ),
    "seller:spec_edit": Route(
        OWNED,
        GP,
        kwargs=lambda w, s: {"pk": s.draft.pk, "code": "basic"},
        data=lambda w, s: spec_data("basic"),
    ),
    "seller:spec_delete": Route(
        OWNED, ("post",), kwargs=lambda w, s: {"pk": s.draft.pk, "code": "trial"}
    ),
    "seller:product_submit": Route(OWNED, ("post",), kwargs=lambda w, s: {"pk": s.draft.pk}),
    "seller:product_edit_listed": Route(OWNED, ("post",), kwargs=lambda w, s: {"pk": s.listed.pk}),
    "seller:product_revise": Route(OWNED, ("post",), kwargs=lambda w, s: {"pk": s.draft.pk}),
    "seller:product_relist": Route(OWNED, ("post",), kwargs=lambda w, s: {"pk": s.draft.pk}),
    "seller:product_delist": Route(
        OWNED, GP, kwargs=lambda w, s: {"pk": s.listed.pk}, data=lambda w, s: {"reason": "x"}
    ),
    "seller:product_sales": Route(
        OWNED,
        GP,
        kwargs=lambda w, s: {"pk": s.listed.pk},
        data=lambda w, s: {"allowlist_enabled": "on", "cash_coupon_allowed": "on"},
    ),
    "seller:spec_sales": Route(
        OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.listed.pk, "code": "basic"},
        data=lambda w, s: {"basic-stock": "1", "basic-max_quantity_per_buyer": "1"},
    ),
    "seller:allowlist_add": Route(
        OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.listed.pk, "kind": "sales"},
        data=lambda w, s: {
            "sales-kind": "sales",
            "sales-account_name": w.buyer.username,
            "sales-account_id": w.buyer.account_id,
        },
    ),
    "seller:allowlist_remove": Route(
        OWNED, ("post",), kwargs=lambda w, s: {"pk": s.listed.pk, "entry_id": s.entry.pk}
    ),
    "seller:attribute_name_delete": Route(
        OWNED, ("post",), kwargs=lambda w, s: {"pk": s.attribute.pk}
    ),
    # --- seller API ----------------------------------------------------------------------------
    "seller_api_products": Route(API_SELLER, GP, api=True),
    "seller_api_product": Route(API_OWNED, kwargs=lambda w, s: {"pk": s.draft.pk}, api=True),
    "seller_api_product_draft": Route(
        API_OWNED,
        ("patch",),
        kwargs=lambda w, s: {"pk": s.draft.pk},
        data=lambda w, s: {"name": "Hijacked", "service_group": s.group.pk},
        api=True,
    ),
    "seller_api_product_submit": Route(
        API_OWNED, ("post",), kwargs=lambda w, s: {"pk": s.draft.pk}, api=True
    ),
    # --- payments: the provider's notification and its (sandbox) payment page -------------
    "payments:notify": Route(SIGNED, ("post",), kwargs=lambda w, s: {"provider": "sandbox"}),
    "payments:sandbox_pay": Route(
        SIGNED, GP, kwargs=lambda w, s: {"reference": s.buying.top_up.reference}
    ),
    # --- the buyer center: any signed-in account, its own things only ----------------------
    "buyer:wallet": Route(LOGIN),
    "buyer:wallet_top_up": Route(LOGIN, GP),
    "buyer:credit": Route(LOGIN),
    "buyer:coupons": Route(LOGIN),
    "buyer:my_vouchers": Route(LOGIN),
    "orders:list": Route(LOGIN),
    "orders:agreement_list": Route(LOGIN),
    "orders:services": Route(LOGIN),
    "orders:checkout": Route(
        LOGIN,
        kwargs=lambda w, s: {"product_id": w.shop_window.pk, "spec_code": _spec_code(w)},
    ),
    # --- one of the buyer's own objects ------------------------------------------------------
    "buyer:top_up_detail": Route(
        BUYER_OWNED, kwargs=lambda w, s: {"reference": s.buying.top_up.reference}
    ),
    "buyer:credit_bill_repay": Route(
        BUYER_OWNED, ("post",), kwargs=lambda w, s: {"pk": s.buying.bill.pk}
    ),
    "orders:detail": Route(BUYER_OWNED, kwargs=lambda w, s: {"number": s.buying.order.number}),
    "orders:agreement_detail": Route(
        BUYER_OWNED, kwargs=lambda w, s: {"number": s.buying.order.number}
    ),
    "orders:pay": Route(
        BUYER_OWNED,
        GP,
        kwargs=lambda w, s: {"number": s.buying.pending.number},
        data=lambda w, s: {"method": "balance"},
    ),
    "orders:cancel": Route(
        BUYER_OWNED, ("post",), kwargs=lambda w, s: {"number": s.buying.pending.number}
    ),
    "orders:service_detail": Route(
        BUYER_OWNED, kwargs=lambda w, s: {"pk": s.buying.subscription.pk}
    ),
    "orders:service_renew": Route(
        BUYER_OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.subscription.pk},
        data=lambda w, s: {"period": s.buying.order.period, "periods": "1"},
    ),
    "orders:service_upgrade": Route(
        BUYER_OWNED, GP, kwargs=lambda w, s: {"pk": s.buying.subscription.pk}
    ),
    "orders:service_auto_repurchase": Route(
        BUYER_OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.subscription.pk},
        data=lambda w, s: {"auto_repurchase": "on", "threshold_percent": "10"},
    ),
    "orders:unsubscribe": Route(
        BUYER_OWNED,
        GP,
        kwargs=lambda w, s: {"number": s.buying.order.number},
        data=lambda w, s: {"reason": "x", "proposed_amount": "1.00"},
    ),
    "orders:unsubscription_withdraw": Route(
        BUYER_OWNED, ("post",), kwargs=lambda w, s: {"pk": s.buying.unsubscription.pk}
    ),
    "orders:unsubscription_ship_back": Route(
        BUYER_OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.unsubscription.pk},
        data=lambda w, s: {"carrier": "SF", "tracking_number": "SF123"},
    ),
    # --- buyer API -----------------------------------------------------------------------------
    "buyer_api_orders": Route(API_BUYER, GP, api=True),
    "buyer_api_order": Route(
        API_BUYER_OWNED, kwargs=lambda w, s: {"number": s.buying.order.number}, api=True
    ),
    "buyer_api_order_pay": Route(
        API_BUYER_OWNED,
        ("post",),
        kwargs=lambda w, s: {"number": s.buying.pending.number},
        data=lambda w, s: {"method": "balance"},
        api=True,
    ),
    # --- seller center: sales (vouchers, private offers, orders, unsubscriptions) -------------
    "seller:voucher_list": Route(SELLER),
    "seller:voucher_create": Route(SELLER, GP),
    "seller:voucher_template": Route(SELLER, kwargs=lambda w, s: {"fmt": "csv"}),
    "seller:private_offer_list": Route(SELLER),
    "seller:private_offer_create": Route(SELLER, GP),
    "seller:order_list": Route(SELLER, statuses=(S.ACTIVE, S.EXIT_PENDING)),
    "seller:order_export": Route(
        SELLER, kwargs=lambda w, s: {"fmt": "csv"}, statuses=(S.ACTIVE, S.EXIT_PENDING)
    ),
    "seller:agreement_list": Route(SELLER, statuses=(S.ACTIVE, S.EXIT_PENDING)),
    "seller:unsubscriptions": Route(SELLER, statuses=(S.ACTIVE, S.EXIT_PENDING)),
    "seller:voucher_detail": Route(OWNED, kwargs=lambda w, s: {"pk": s.buying.voucher.pk}),
    "seller:voucher_upload": Route(OWNED, GP, kwargs=lambda w, s: {"pk": s.buying.voucher.pk}),
    "seller:voucher_issue_confirm": Route(
        OWNED, GP, kwargs=lambda w, s: {"pk": s.buying.voucher.pk}
    ),
    "seller:private_offer_revoke": Route(OWNED, GP, kwargs=lambda w, s: {"pk": s.buying.offer.pk}),
    "seller:order_detail": Route(
        OWNED,
        kwargs=lambda w, s: {"number": s.buying.order.number},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:agreement_detail": Route(
        OWNED,
        kwargs=lambda w, s: {"number": s.buying.order.number},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:unsubscription_detail": Route(
        OWNED,
        kwargs=lambda w, s: {"pk": s.buying.unsubscription.pk},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:unsubscription_approve": Route(
        OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.unsubscription.pk},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:unsubscription_refuse": Route(
        OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.unsubscription.pk},
        data=lambda w, s: {"reason": "no"},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    # --- open API for sellers' servers (AK/SK) --------------------------------------------
    "open_api_order_query": Route(API_AKSK, api=True),
    "open_api_upload": Route(
        API_AKSK, ("post",), kwargs=lambda w, s: {"event_id": "evt-1"}, api=True
    ),
    "open_api_usage_data": Route(API_AKSK, ("post",), api=True),
    "open_api_license_activate": Route(API_AKSK, ("post",), api=True),
    "open_api_license_heartbeat": Route(API_AKSK, ("post",), api=True),
    # --- ISV integration, buyer side -----------------------------------------------------------
    # --- service supervision: the buyer's cases (supervision.views) -----------------------
    "supervision:list": Route(LOGIN),
    "supervision:detail": Route(BUYER_OWNED, kwargs=lambda w, s: {"pk": s.buying.case.pk}),
    "supervision:accept": Route(
        BUYER_OWNED,
        GP,
        kwargs=lambda w, s: {"pk": s.buying.case.pk},
        data=lambda w, s: {"accept-confirm": "True"},
    ),
    "supervision:action": Route(
        BUYER_OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.case.pk, "action": "appeal_open"},
        data=lambda w, s: {"appeal_open-reason": "Hijacked"},
    ),
    # --- service supervision: the seller's cases (supervision.seller_views) ---------------
    "seller:supervision_list": Route(SELLER, statuses=(S.ACTIVE, S.EXIT_PENDING)),
    "seller:supervision_detail": Route(
        OWNED,
        kwargs=lambda w, s: {"pk": s.buying.case.pk},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:supervision_action": Route(
        OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.case.pk, "action": "mark_delivered"},
        data=lambda w, s: {"mark_delivered-description": "Hijacked"},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    # --- invoices: the buyer's (invoices.views) ------------------------------------------
    "invoices:list": Route(LOGIN),
    "invoices:new": Route(LOGIN, GP),
    "invoices:titles": Route(LOGIN, GP),
    "invoices:addresses": Route(LOGIN, GP),
    "invoices:detail": Route(BUYER_OWNED, kwargs=lambda w, s: {"pk": s.buying.invoice.pk}),
    "invoices:cancel": Route(
        BUYER_OWNED, ("post",), kwargs=lambda w, s: {"pk": s.buying.invoice.pk}
    ),
    "invoices:title_delete": Route(
        BUYER_OWNED, ("post",), kwargs=lambda w, s: {"pk": s.buying.title.pk}
    ),
    "invoices:address_delete": Route(
        BUYER_OWNED, ("post",), kwargs=lambda w, s: {"pk": s.buying.address.pk}
    ),
    # --- invoices: the seller's (invoices.seller_views) -----------------------------------
    "seller:invoice_list": Route(SELLER, statuses=(S.ACTIVE, S.EXIT_PENDING)),
    "seller:invoice_settings": Route(SELLER, ("post",), statuses=(S.ACTIVE, S.EXIT_PENDING)),
    "seller:invoice_detail": Route(
        OWNED,
        kwargs=lambda w, s: {"pk": s.buying.invoice.pk},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:invoice_issue": Route(
        OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.invoice.pk},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:invoice_mail": Route(
        OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.invoice.pk},
        data=lambda w, s: {"carrier": "SF", "tracking_number": "SF1"},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:invoice_reject": Route(
        OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.invoice.pk},
        data=lambda w, s: {"reason": "Hijacked"},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:invoice_red_letter_issue": Route(
        OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.red_letter.pk},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    # --- settlement: the seller's bills (settlement.seller_views) -------------------------
    "seller:settlement_bill_list": Route(SELLER, statuses=(S.ACTIVE, S.EXIT_PENDING)),
    "seller:settlement_fee_ratios": Route(SELLER, statuses=(S.ACTIVE, S.EXIT_PENDING)),
    "seller:settlement_bill_detail": Route(
        OWNED,
        kwargs=lambda w, s: {"pk": s.buying.settle_bill.pk},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:settlement_bill_export": Route(
        OWNED,
        kwargs=lambda w, s: {"pk": s.buying.settle_bill.pk, "fmt": "csv"},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:settlement_line_explain": Route(
        OWNED,
        kwargs=lambda w, s: {"pk": s.buying.settle_line.pk},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:settlement_payment_request": Route(
        OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.settle_bill.pk},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:settlement_invoice_upload": Route(
        OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.settle_bill.pk},
        data=lambda w, s: {"number": "Hijacked", "issued_on": "2024-06-01", "amount": "1.00"},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:settlement_invoice_mail": Route(
        OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.settle_bill.pk},
        data=lambda w, s: {"carrier": "SF", "tracking_number": "SF1"},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    # --- the partner center (settlement.partner_views) --------------------------------------
    "partner:share_bill_list": Route(PARTNER),
    "partner:share_bill_detail": Route(
        PARTNER_OWNED, kwargs=lambda w, s: {"pk": s.buying.share_bill.pk}
    ),
    "partner:share_bill_countersign": Route(
        PARTNER_OWNED, ("post",), kwargs=lambda w, s: {"pk": s.buying.share_bill.pk}
    ),
    "partner:share_bill_invoice": Route(
        PARTNER_OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.share_bill.pk},
        data=lambda w, s: {"carrier": "SF", "tracking_number": "SF1"},
    ),
    "orders:license_claim": Route(
        BUYER_OWNED, ("post",), kwargs=lambda w, s: {"pk": s.buying.license.pk}
    ),
    "orders:service_kit_bind": Route(
        BUYER_OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.subscription.pk},
        data=lambda w, s: {"name": "Example Co."},
    ),
    "orders:service_kit_retry": Route(
        BUYER_OWNED, ("post",), kwargs=lambda w, s: {"pk": s.buying.subscription.pk}
    ),
    "orders:service_kit_modify": Route(
        BUYER_OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.subscription.pk},
        data=lambda w, s: {"name": "Example Group"},
    ),
    "orders:service_kit_unbind": Route(
        BUYER_OWNED, ("post",), kwargs=lambda w, s: {"pk": s.buying.subscription.pk}
    ),
    # --- seller center: application tools ------------------------------------------------------
    "seller:access_key_list": Route(SELLER, statuses=(S.ACTIVE, S.EXIT_PENDING)),
    "seller:access_key_create": Route(SELLER, GP, statuses=(S.ACTIVE, S.EXIT_PENDING)),
    "seller:interface_list": Route(SELLER, statuses=(S.ACTIVE, S.EXIT_PENDING)),
    "seller:test_account_list": Route(SELLER, statuses=(S.ACTIVE, S.EXIT_PENDING)),
    "seller:test_account_create": Route(SELLER, ("post",)),
    "seller:interface_console": Route(SELLER, statuses=(S.ACTIVE, S.EXIT_PENDING)),
    "seller:interface_console_preview": Route(
        SELLER, ("post",), statuses=(S.ACTIVE, S.EXIT_PENDING)
    ),
    "seller:interface_console_send": Route(SELLER, ("post",), statuses=(S.ACTIVE, S.EXIT_PENDING)),
    "seller:interface_test_case_create": Route(
        SELLER, ("post",), statuses=(S.ACTIVE, S.EXIT_PENDING)
    ),
    "seller:interface_messages": Route(SELLER, statuses=(S.ACTIVE, S.EXIT_PENDING)),
    "seller:access_key_rotate": Route(
        OWNED,
        GP,
        kwargs=lambda w, s: {"pk": s.buying.key.pk},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:access_key_revoke": Route(
        OWNED,
        GP,
        kwargs=lambda w, s: {"pk": s.buying.key.pk},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:interface_edit": Route(
        OWNED,
        GP,
        kwargs=lambda w, s: {"product_pk": s.listed.pk},
        data=lambda w, s: {
            "production_url": "http://127.0.0.1:9/hijack",
            "access_key": s.buying.key.pk,
        },
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:interface_test_case_run": Route(
        OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.test_case.pk},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:interface_test_case_delete": Route(
        OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.test_case.pk},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:interface_conformance": Route(
        OWNED,
        ("post",),
        kwargs=lambda w, s: {"product_pk": s.listed.pk},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:interface_message_detail": Route(
        OWNED,
        kwargs=lambda w, s: {"pk": s.buying.call.pk},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
    "seller:interface_message_restart": Route(
        OWNED,
        ("post",),
        kwargs=lambda w, s: {"pk": s.buying.call.pk},
        statuses=(S.ACTIVE, S.EXIT_PENDING),
    ),
}

# Unnamed URL patterns outside the admin: the media files of development (DEBUG only).
UNNAMED_PUBLIC = {"^media/(?P<path>.*)$"}


def all_url_patterns(resolver=None, namespace: str = "", prefix: str = ""):
    """(name with its namespaces, or None; the full pattern) of every URL, recursively."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace or "") if n)
            yield from all_url_patterns(entry, inner, prefix + str(entry.pattern))
        else:
            assert isinstance(entry, URLPattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, prefix + str(entry.pattern)


def url_of(name: str, w: World, side: Side) -> str:
    return reverse(name, kwargs=URLS[name].kwargs(w, side))


def rows(*classes: str) -> list[str]:
    return [name for name, route in URLS.items() if route.access in classes]


# GET URLs of the table that answer something other than a page a person reads; the
# browser crawl (tests/browser/test_crawl.py) visits every other GET URL as a page.
NOT_PAGES: dict[str, str] = {
    "healthz": "a health check",
    "set_language": "the language switch posts here; a GET only redirects",
    "javascript-catalog": "JavaScript",
    "accounts:logout": "logs the visitor out (by POST; a GET asks first)",
    "accounts:verify_email": "the link in the e-mail: verifies the address, then redirects",
    "api-docs": "Swagger UI: a third-party page, in English only",
    "private_file": "a document (image or PDF)",
    "seller:region_cities": "an htmx fragment (<option>s)",
    "seller:region_districts": "an htmx fragment (<option>s)",
    "seller:product_template_download": "a text file to download",
    "seller:order_export": "a CSV/Excel file of the seller's orders to download",
    "seller:settlement_bill_export": "a CSV/Excel file of a bill's lines to download",
    "seller:voucher_template": "a CSV/Excel template of customers to download",
}


def pages(*classes: str, status: str | None = None) -> list[str]:
    """The table's pages in the given access classes: GET, not the API, not NOT_PAGES.
    SELLER and OWNED pages only count if a seller in `status` may open them."""
    return [
        name
        for name in rows(*classes)
        if "get" in URLS[name].methods
        and not URLS[name].api
        and name not in NOT_PAGES
        and (URLS[name].access not in (SELLER, OWNED) or status in URLS[name].statuses)
    ]


def request(client: Client, method: str, url: str, route: Route, data: dict | None = None):
    data = data or {}
    if route.api and method != "get":
        return getattr(client, method)(url, json.dumps(data), content_type="application/json")
    return getattr(client, method)(url, data)


def login_redirect(response) -> bool:
    return response.status_code == 302 and response.url.startswith(
        reverse("accounts:login") + "?next="
    )


SNAPSHOT_MODELS = [
    Product,
    ProductVersion,
    Spec,
    Price,
    SpecAttribute,
    SpecSales,
    AllowlistEntry,
    AttributeName,
    ProductScreenshot,
    ServiceGroup,
    Seller,
    StorePage,
    BusinessInfo,
    JointCertification,
    TransitionLog,
    Order,
    Subscription,
    Unsubscription,
    Refund,
    SignedAgreement,
    PrivateOffer,
    Wallet,
    LedgerEntry,
    TopUp,
    CreditBill,
    CashCoupon,
    Voucher,
    VoucherGrant,
    AccessKey,
    ProductInterface,
    ProvisioningCall,
    InterfaceTestCase,
    License,
    ApiToken,
    Case,
    CaseLog,
    EvidenceFile,
    Appeal,
    Bill,
    PaymentRequest,
    SellerInvoice,
    PartnerShareBill,
]


def snapshot() -> dict:
    """Every row a seller's POST could change."""
    return {
        model.__name__: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS
    }


# --- the table covers every URL ---------------------------------------------------------------


def test_every_url_is_classified():
    named, unnamed = set(), set()
    for name, pattern in all_url_patterns():
        if pattern.startswith("admin/") or (name or "").startswith("admin:"):
            continue  # the operators' admin: see test_admin_is_for_staff_only
        (named if name else unnamed).add(name or pattern)
    missing = named - set(URLS)
    assert not missing, f"classify these URLs in tests/test_url_access.py URLS: {sorted(missing)}"
    stale = set(URLS) - named
    assert not stale, f"these URLs no longer exist, remove them from URLS: {sorted(stale)}"
    assert unnamed <= UNNAMED_PUBLIC, f"unclassified unnamed URLs: {unnamed - UNNAMED_PUBLIC}"


def test_the_table_has_every_class():
    assert {r.access for r in URLS.values()} == {
        PUBLIC,
        LOGIN,
        SELLER,
        OWNED,
        API_SELLER,
        API_OWNED,
        PRIVATE_FILE,
        BUYER_OWNED,
        API_BUYER,
        API_BUYER_OWNED,
        SIGNED,
        API_AKSK,
        PARTNER,
        PARTNER_OWNED,
    }


def test_not_pages_are_get_urls_of_the_table():
    for name in NOT_PAGES:
        assert name in URLS, f"NOT_PAGES names {name}, which is not in URLS"
        assert "get" in URLS[name].methods, f"NOT_PAGES: {name} has no GET, leave it out"


# --- anonymous visitors ---------------------------------------------------------------------


@pytest.mark.parametrize("name", rows(PUBLIC))
def test_public_urls_open_without_log_in(name, world, client):
    response = client.get(url_of(name, world, world.own))
    assert not login_redirect(response)
    assert response.status_code in (200, 204, 302), response.status_code


@pytest.mark.parametrize(
    "name", rows(LOGIN, SELLER, OWNED, PRIVATE_FILE, BUYER_OWNED, PARTNER, PARTNER_OWNED)
)
def test_anonymous_visitors_are_sent_to_log_in(name, world, client):
    route = URLS[name]
    before = snapshot()
    for method in route.methods:
        response = request(client, method, url_of(name, world, world.other), route, {})
        assert login_redirect(response), (method, response.status_code)
    assert snapshot() == before


@pytest.mark.parametrize("name", rows(API_SELLER, API_OWNED, API_BUYER, API_BUYER_OWNED))
def test_anonymous_api_calls_are_refused(name, world, client):
    route = URLS[name]
    before = snapshot()
    for method in route.methods:
        data = route.data(world, world.other)
        response = request(client, method, url_of(name, world, world.other), route, data)
        assert response.status_code in (401, 403), (method, response.status_code)
    assert snapshot() == before


# --- wrong role -------------------------------------------------------------------------------

ROLES: dict[str, Callable] = {
    "buyer": lambda: UserFactory(),
    "enterprise, not a seller": lambda: EnterpriseUserFactory(),
    "staff, not a seller": lambda: UserFactory(is_staff=True),
    S.PENDING: lambda: SellerFactory().user,
    S.REJECTED: lambda: RejectedSellerFactory().user,
    S.APPROVED: lambda: ApprovedSellerFactory().user,
    S.EXIT_PENDING: lambda: ExitPendingSellerFactory().user,
    S.EXITED: lambda: ExitedSellerFactory().user,
}


def role_status(role: str) -> str | None:
    return role if role in S.values else None


@pytest.mark.parametrize("name", rows(SELLER, OWNED, API_SELLER, API_OWNED))
def test_a_wrong_role_gets_403(name, world, client):
    route = URLS[name]
    users = {r: user for r, user in world.roles.items() if role_status(r) not in route.statuses}
    before = snapshot()
    for role, user in users.items():
        client.force_login(user)
        for method in route.methods:
            data = route.data(world, world.other)
            response = request(client, method, url_of(name, world, world.other), route, data)
            assert response.status_code == 403, (role, method, response.status_code)
        client.logout()
    assert snapshot() == before


@pytest.mark.parametrize("name", rows(SELLER))
def test_a_seller_in_an_allowed_status_gets_in(name, world, client):
    route = URLS[name]
    for status in route.statuses:
        seller = world.own.seller if status == S.ACTIVE else world.roles[status].seller
        client.force_login(seller.user)
        method = "get" if "get" in route.methods else route.methods[0]
        response = request(client, method, url_of(name, world, world.own), route)
        # An empty POST to a form the seller may use is a bad request, not a refusal.
        allowed = (200, 302, 400) if method == "post" else (200, 302)
        assert response.status_code in allowed, (status, response.status_code)


@pytest.mark.parametrize("name", rows(LOGIN))
def test_any_signed_in_account_gets_in(name, world, client):
    for role, user in [("active seller", world.own.seller.user), *world.roles.items()]:
        client.force_login(user)
        response = client.get(url_of(name, world, world.own))
        assert response.status_code in (200, 302), (role, response.status_code)
        assert not login_redirect(response)


@pytest.mark.parametrize("name", rows(PRIVATE_FILE))
def test_private_files_are_for_their_owner_and_staff_only(name, world, client):
    url = url_of(name, world, world.own)
    owner = ("owner", world.own.seller.user)
    another = ("another seller", world.other.seller.user)
    reviewer = ("reviewer", ReviewerFactory())
    support = ("support", SupportFactory())
    for role, user in [owner, another, reviewer, support, *world.roles.items()]:
        client.force_login(user)
        expected = 200 if role in ("owner", "reviewer") else 404
        assert client.get(url).status_code == expected, role
        client.logout()


# --- wrong owner --------------------------------------------------------------------------


@pytest.mark.parametrize("name", rows(OWNED, API_OWNED))
def test_another_sellers_object_is_404_and_stays_unchanged(name, world, client):
    route = URLS[name]
    client.force_login(world.own.seller.user)
    theirs = url_of(name, world, world.other)
    before = snapshot()
    for method in ("get", "post", *route.methods):
        if method not in route.methods:
            if route.api:
                continue  # DRF answers 405 for a method the view lacks, before any lookup
            # A POST-only view refuses GET with 405 before looking anything up, for its own
            # objects and another's alike: the answer tells nothing.
            assert request(client, method, theirs, route).status_code == 405
            continue
        response = request(client, method, theirs, route, route.data(world, world.other))
        assert response.status_code == 404, (method, response.status_code)
    assert snapshot() == before
    # The same URL with the seller's own object answers (so the 404 above is the scope).
    mine = url_of(name, world, world.own)
    for method in route.methods:
        response = request(client, method, mine, route, route.data(world, world.own))
        assert response.status_code not in (403, 404), (method, response.status_code)


@pytest.mark.parametrize("name", rows(BUYER_OWNED, API_BUYER_OWNED))
def test_another_buyers_object_is_404_and_stays_unchanged(name, world, client):
    """Another buyer, and the seller of the order, get 404 for the buyer's object."""
    route = URLS[name]
    theirs = url_of(name, world, world.own)
    for intruder in (world.other.buying.buyer, world.own.seller.user):
        client.force_login(intruder)
        before = snapshot()
        for method in route.methods:
            response = request(client, method, theirs, route, route.data(world, world.own))
            assert response.status_code == 404, (method, response.status_code)
        assert snapshot() == before
    # The owner gets in (so the 404 above is the scope).
    client.force_login(world.own.buying.buyer)
    method = "get" if "get" in route.methods else route.methods[0]
    response = request(client, method, theirs, route, route.data(world, world.own))
    assert response.status_code not in (403, 404), (method, response.status_code)


@pytest.mark.parametrize("name", rows(PARTNER, PARTNER_OWNED))
def test_the_partner_center_is_for_partners_only(name, world, client):
    """Any account not linked to a partner - sellers, buyers, staff - gets a 403."""
    route = URLS[name]
    before = snapshot()
    for role, user in [("active seller", world.own.seller.user), *world.roles.items()]:
        client.force_login(user)
        for method in route.methods:
            data = route.data(world, world.own)
            response = request(client, method, url_of(name, world, world.own), route, data)
            assert response.status_code == 403, (role, method, response.status_code)
    assert snapshot() == before
    client.force_login(world.own.buying.partner_user)
    method = "get" if "get" in route.methods else route.methods[0]
    response = request(client, method, url_of(name, world, world.own), route)
    assert response.status_code in ((200,) if method == "get" else (200, 302, 400))


@pytest.mark.parametrize("name", rows(PARTNER_OWNED))
def test_another_partners_share_bill_is_404_and_stays_unchanged(name, world, client):
    route = URLS[name]
    client.force_login(world.own.buying.partner_user)
    before = snapshot()
    for method in route.methods:
        response = request(
            client, method, url_of(name, world, world.other), route, route.data(world, world.own)
        )
        assert response.status_code == 404, (method, response.status_code)
    assert snapshot() == before


@pytest.mark.parametrize("name", rows(API_BUYER))
def test_the_buyer_api_lists_only_the_buyers_own_orders(name, world, client):
    client.force_login(world.own.buying.buyer)
    response = client.get(url_of(name, world, world.own))
    assert response.status_code == 200
    body = json.dumps(response.json())
    assert world.own.buying.order.number in body
    assert world.other.buying.order.number not in body


@pytest.mark.parametrize("name", rows(API_AKSK))
def test_open_api_refuses_unsigned_requests(name, world, client):
    route = URLS[name]
    before = snapshot()
    for user in (None, world.own.seller.user):  # a session is no signature
        if user:
            client.force_login(user)
        for method in route.methods:
            response = request(client, method, url_of(name, world, world.own), route, {})
            assert response.status_code == 401, (method, response.status_code)
            assert "MKT.0154" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("name", rows(SIGNED))
def test_signed_urls_refuse_a_missing_signature(name, world, client):
    route = URLS[name]
    before = snapshot()
    for method in route.methods:
        response = request(client, method, url_of(name, world, world.own), route, {})
        assert 400 <= response.status_code < 500, (method, response.status_code)
    assert snapshot() == before


def test_own_product_with_another_sellers_allowlist_entry_is_404(world, client):
    client.force_login(world.own.seller.user)
    url = reverse(
        "seller:allowlist_remove",
        kwargs={"pk": world.own.listed.pk, "entry_id": world.other.entry.pk},
    )
    assert client.post(url).status_code == 404
    assert AllowlistEntry.objects.filter(pk=world.other.entry.pk).exists()


def test_own_draft_cannot_take_another_sellers_screenshot_or_service_group(world, client):
    client.force_login(world.own.seller.user)
    before = snapshot()
    response = client.post(
        reverse("seller:product_edit", kwargs={"pk": world.own.draft.pk}),
        edit_data(
            world.own,
            remove_screenshots=[world.other.shot.pk],
            service_group=world.other.group.pk,
        ),
    )
    assert response.status_code == 200  # the form answers "Select a valid choice"
    assert "Select a valid choice" in response.content.decode()
    assert snapshot() == before


def test_own_spec_cannot_use_another_sellers_attribute_name(world, client):
    client.force_login(world.own.seller.user)
    before = snapshot()
    data = {
        **spec_data("hijack"),
        "attributes-TOTAL_FORMS": "1",
        "attributes-0-attribute": world.other.attribute.pk,
        "attributes-0-min_value": "1",
        "attributes-0-max_value": "10",
        "attributes-0-step": "1",
    }
    response = client.post(reverse("seller:spec_create", kwargs={"pk": world.own.draft.pk}), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "make_url"),
    [
        ("seller_api_products", lambda w: reverse("seller_api_products")),
        (
            "seller_api_product_draft",
            lambda w: reverse("seller_api_product_draft", kwargs={"pk": w.own.draft.pk}),
        ),
    ],
)
def test_api_cannot_attach_another_sellers_service_group(name, make_url, world, client):
    """Another seller's group is answered exactly like a group that doesn't exist: the
    API's choices are the seller's own groups (scoped in the query)."""
    client.force_login(world.own.seller.user)
    method = "post" if name == "seller_api_products" else "patch"
    payload = {
        "delivery_type": "saas",
        "name": "Hijack",
        "category": world.own.draft.versions.get().category.slug,
        "summary": "x",
        "agreement_text": publishing.GOOD_AGREEMENT,
    }
    missing = ServiceGroup.objects.order_by("-pk").first().pk + 1000
    answers = []
    for group in (world.other.group.pk, missing):
        before = snapshot()
        response = request(
            client, method, make_url(world), URLS[name], {**payload, "service_group": group}
        )
        assert response.status_code == 400, response.content
        assert snapshot() == before
        answers.append(response.json()["service_group"][0].replace(str(group), "<id>"))
    assert answers[0] == answers[1]


# --- lists show the seller's own objects only ----------------------------------------------


def test_lists_show_only_the_sellers_own_objects(world, client):
    client.force_login(world.own.seller.user)
    products = client.get(reverse("seller:product_list"))
    assert set(products.context["page"].object_list) == {world.own.draft, world.own.listed}
    groups = client.get(reverse("seller:service_group_list"))
    assert world.other.group not in groups.context["groups"]
    assert world.own.group in groups.context["groups"]
    names = client.get(reverse("seller:attribute_names"))
    assert list(names.context["names"]) == [world.own.attribute]
    api = client.get(reverse("seller_api_products"))
    assert {p["id"] for p in api.json()["results"]} == {world.own.draft.pk, world.own.listed.pk}


def test_sales_page_shows_only_the_products_own_allowlist(world, client):
    client.force_login(world.own.seller.user)
    response = client.get(reverse("seller:product_sales", kwargs={"pk": world.own.listed.pk}))
    entries = [e for a in response.context["allowlists"] for e in a["entries"]]
    assert entries == [world.own.entry]


# --- CSRF -----------------------------------------------------------------------------------


# The payment provider's notification and the open API have no session and no token: their
# signature is their check (test_signed_urls_refuse_a_missing_signature,
# test_open_api_refuses_unsigned_requests).
@pytest.mark.parametrize(
    "name",
    [
        n
        for n, r in URLS.items()
        if {"post", "patch"} & set(r.methods) and r.access not in (SIGNED, API_AKSK)
    ],
)
def test_a_post_without_the_csrf_token_is_refused(name, world):
    route = URLS[name]
    client = Client(enforce_csrf_checks=True)
    if route.access in (PARTNER, PARTNER_OWNED):
        client.force_login(world.own.buying.partner_user)
    elif route.access != PUBLIC:
        client.force_login(world.own.seller.user)
    url = url_of(name, world, world.own)
    before = snapshot()
    for method in {"post", "patch"} & set(route.methods):
        response = request(client, method, url, route, route.data(world, world.own))
        assert response.status_code == 403, (method, response.status_code)
    assert snapshot() == before


# --- public catalog: only listed products of visible sellers ------------------------------


def rejected_product() -> Product:
    product = publishing.pending_product()
    services.product_reject(
        version=product.versions.get(), actor=publishing.operator(), reason="Incomplete."
    )
    return product


HIDDEN_PRODUCTS = {
    "draft": lambda: public.draft_product(),
    "pending review": lambda: publishing.pending_product(),
    "rejected": rejected_product,
    "delisted": lambda: public.listed_product(status=Product.Status.DELISTED),
    "of an exited seller": lambda: public.listed_product(seller=ExitedSellerFactory()),
    "of an approved, not active seller": lambda: public.listed_product(
        seller=ApprovedSellerFactory()
    ),
}


@pytest.mark.parametrize("kind", HIDDEN_PRODUCTS)
def test_a_product_buyers_may_not_see_is_404(kind, client):
    product = HIDDEN_PRODUCTS[kind]()
    for name in ("catalog:product", "api-catalog-product"):
        response = client.get(reverse(name, kwargs={"pk": product.pk}))
        assert response.status_code == 404, (name, response.status_code)
    if product.seller.status == S.ACTIVE:
        # The lists filter on the product alone: a seller who isn't active can't have a
        # listed product (approving needs an active seller, exiting needs none listed).
        listed = client.get(reverse("api-catalog-products")).json()["results"]
        assert product.pk not in {p["id"] for p in listed}
    # Its owner sees it in the seller center all the same (it is the same id).
    if product.seller.status == S.ACTIVE:
        client.force_login(product.seller.user)
        detail = reverse("seller:product_detail", kwargs={"pk": product.pk})
        assert client.get(detail).status_code == 200


@pytest.mark.parametrize(
    "make_seller",
    [SellerFactory, ApprovedSellerFactory, RejectedSellerFactory, ExitedSellerFactory],
)
def test_the_store_of_a_seller_buyers_may_not_see_is_404(make_seller, client):
    seller = make_seller()
    assert client.get(reverse("catalog:store", kwargs={"seller_id": seller.pk})).status_code == 404


def test_public_pages_show_a_listed_product(client):
    product = public.listed_product()
    assert client.get(reverse("catalog:product", kwargs={"pk": product.pk})).status_code == 200
    assert client.get(reverse("api-catalog-product", kwargs={"pk": product.pk})).status_code == 200
    store = reverse("catalog:store", kwargs={"seller_id": product.seller_id})
    assert client.get(store).status_code == 200


# --- the operators' admin -------------------------------------------------------------------


def test_admin_is_for_staff_only(world, client):
    pages = ["/admin/", reverse("admin:catalog_product_changelist"), "/admin/sellers/seller/"]
    for user in (UserFactory(), world.own.seller.user, ExitedSellerFactory().user):
        client.force_login(user)
        for page in pages:
            response = client.get(page)
            assert response.status_code == 302, (page, response.status_code)
            assert response.url.startswith(reverse("admin:login")), response.url
    client.logout()
    for page in pages:
        assert client.get(page).url.startswith(reverse("admin:login"))
    staff = get_user_model().objects.create_superuser("ops", "ops@example.com", "pw-ops-2026")
    client.force_login(staff)
    for page in pages:
        assert client.get(page).status_code == 200, page
