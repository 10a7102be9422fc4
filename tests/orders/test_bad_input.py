"""Issue 8 › Bad input: each refusal says clearly why and changes nothing anywhere (no
order, no agreement, no ledger entry, no refund, no outbox call; stock, balances, vouchers
and purchased services as they were).

Cases already tested with their feature are not repeated: checkout quantities and periods
(`test_checkout.py::test_bad_quantities`, `::test_periods_not_offered`), someone else's,
expired or another seller's voucher (`test_checkout.py`), paying twice
(`test_checkout.py::test_paying_twice_is_refused_and_charges_once`), voucher file rows
(`tests/buyers/test_vouchers_pages.py`). Here: what those leave out (a stock that is set,
the whole "nothing changed", renewals, upgrades, trials, XLSX files).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from buyers.models import LedgerEntry, VoucherGrant, Wallet
from marketplace.catalog.models import Price, SpecSales
from marketplace.core.exceptions import DomainError
from marketplace.core.models import TransitionLog
from orders.models import (
    Order,
    ProvisioningCall,
    Refund,
    SignedAgreement,
    Subscription,
    Unsubscription,
)
from orders.services.checkout import order_pay, order_place
from orders.services.subscriptions import renewal_place, upgrade_place
from orders.services.unsubscribe import unsubscription_request
from tests.factories.accounts import UserFactory
from tests.factories.buyers import VoucherFactory, VoucherGrantFactory, WalletFactory
from tests.factories.catalog import listed_product
from tests.factories.sellers import ActiveSellerFactory

pytestmark = pytest.mark.django_db

D = Decimal
SPECS = [
    ("Standard", "period", [("month", "99.00")]),
    ("Pro", "period", [("month", "199.00")]),
    ("Basic", "period", [("month", "49.00")]),
    ("Trial", "trial", [("trial", "0.00")]),
]


def world() -> tuple:
    """Everything a refused call could have changed."""
    return (
        Order.objects.count(),
        SignedAgreement.objects.count(),
        LedgerEntry.objects.count(),
        Refund.objects.count(),
        Unsubscription.objects.count(),
        ProvisioningCall.objects.count(),
        sorted(SpecSales.objects.values_list("product_id", "spec_code", "stock")),
        sorted(Wallet.objects.values_list("buyer_id", "balance", "credit_used")),
        sorted(VoucherGrant.objects.values_list("pk", "status")),
        sorted(
            Subscription.objects.values_list(
                "pk", "status", "spec_id", "quantity", "expires_at", "quota_total"
            )
        ),
        sorted(Order.objects.values_list("pk", "status", "payment_status", "refunded_amount")),
    )


def refused(call, match: str, **kw) -> DomainError:
    before = world()
    with pytest.raises(DomainError, match=match) as info:
        call(**kw)
    assert world() == before
    return info.value


def spec_of(product, code="spec-0"):
    return product.listed_version.specs.get(code=code)


def bought(product=None, *, code="spec-0", balance="1000.00") -> Order:
    """Placed and paid through the services (the subscription is in use)."""
    product = product or listed_product(specs=SPECS)
    Price.objects.filter(spec__version__product=product).update(max_periods=12)
    buyer = UserFactory()
    WalletFactory(buyer=buyer, balance=D(balance))
    spec = spec_of(product, code)
    order = order_place(
        buyer=buyer,
        spec=spec,
        period="" if spec.billing_mode == "trial" else "month",
        agreement_accepted=True,
    )
    order_pay(order_id=order.pk, buyer=buyer)
    order.refresh_from_db()
    Subscription.objects.filter(pk=order.subscription_id).update(status="active")
    order.subscription.refresh_from_db()
    return order


# --- quantities, with a stock that is set --------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "match"),
    [
        (0, "at least one"),
        (-3, "at least one"),
        (6, "Sold out"),  # beyond the stock of 5
        (100_001, "at most 100,000"),
    ],
)
def test_bad_quantities_leave_the_stock(quantity, match):
    product = listed_product(specs=SPECS)
    SpecSales.objects.create(product=product, spec_code="spec-0", stock=5)
    WalletFactory(buyer=(buyer := UserFactory()), balance=D("100000.00"))
    refused(
        order_place,
        match,
        buyer=buyer,
        spec=spec_of(product),
        quantity=quantity,
        period="month",
        agreement_accepted=True,
    )
    assert SpecSales.objects.get(product=product, spec_code="spec-0").stock == 5


def test_beyond_the_purchase_limit_leaves_the_stock():
    product = listed_product(specs=SPECS)
    SpecSales.objects.create(
        product=product, spec_code="spec-0", stock=50, max_quantity_per_buyer=2
    )
    refused(
        order_place,
        "at most 2 of this spec",
        buyer=UserFactory(),
        spec=spec_of(product),
        quantity=3,
        period="month",
        agreement_accepted=True,
    )


# --- renewals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"period": "week", "periods": 1}, "monthly or yearly"),
        ({"period": "year", "periods": 1}, "not sold per year"),  # no yearly price on this spec
        ({"period": "month", "periods": 0}, "at least one period"),
        ({"period": "month", "periods": -1}, "at least one period"),
        ({"period": "month", "periods": 13}, "at most 12 periods"),
    ],
)
def test_renewing_for_periods_not_offered(kw, match):
    order = bought()
    refused(renewal_place, match, subscription_id=order.subscription_id, buyer=order.buyer, **kw)


@pytest.mark.parametrize(
    ("status", "expired", "match"),
    [
        ("released", True, "released"),
        ("unsubscribed", False, "unsubscribed"),
    ],
)
def test_renewing_a_released_or_unsubscribed_service(status, expired, match):
    order = bought()
    fields = {"status": status}
    if expired:
        fields["expires_at"] = timezone.now() - dt.timedelta(days=20)
    Subscription.objects.filter(pk=order.subscription_id).update(**fields)
    refused(
        renewal_place,
        match,
        subscription_id=order.subscription_id,
        buyer=order.buyer,
        periods=1,
        period="month",
    )


def test_paying_a_renewal_of_a_service_released_meanwhile_moves_no_money():
    order = bought()
    renewal = renewal_place(
        subscription_id=order.subscription_id, buyer=order.buyer, periods=1, period="month"
    )
    Subscription.objects.filter(pk=order.subscription_id).update(status="released")
    refused(order_pay, "no longer be renewed", order_id=renewal.pk, buyer=order.buyer)


def test_renewing_someone_elses_service():
    order = bought()
    refused(
        renewal_place,
        "doesn't exist",
        subscription_id=order.subscription_id,
        buyer=UserFactory(),
        periods=1,
        period="month",
    )


# --- upgrades ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "quantity", "match"),
    [
        ("spec-2", 1, "higher spec"),  # 49 < 99
        ("spec-0", 1, "higher spec"),  # the same spec
        ("spec-1", 0, "lower the quantity"),
        ("spec-1", -1, "lower the quantity"),
        ("spec-3", 1, "Choose a monthly or yearly spec"),  # the trial spec
    ],
)
def test_upgrading_to_a_lower_spec_or_quantity(code, quantity, match):
    order = bought()
    refused(
        upgrade_place,
        match,
        subscription_id=order.subscription_id,
        buyer=order.buyer,
        spec_code=code,
        quantity=quantity,
    )


def test_upgrading_an_expired_service():
    order = bought()
    Subscription.objects.filter(pk=order.subscription_id).update(
        expires_at=timezone.now() - dt.timedelta(hours=1)
    )
    refused(
        upgrade_place,
        "expired",
        subscription_id=order.subscription_id,
        buyer=order.buyer,
        spec_code="spec-1",
        quantity=1,
    )


# --- unsubscribing ------------------------------------------------------------------------------


def test_unsubscribing_a_trial():
    trial = bought(code="spec-3")
    assert trial.kind == Order.Kind.TRIAL and trial.amount == 0
    refused(
        unsubscription_request,
        "Trial orders can't be unsubscribed.",
        order_id=trial.pk,
        buyer=trial.buyer,
        reason="no longer needed",
        proposed_amount=D("0"),
    )
    assert not TransitionLog.objects.filter(action="request").exists()


@pytest.mark.parametrize("amount", [D("-1"), D("99.01")])
def test_unsubscribing_for_more_than_paid_or_a_negative_amount(amount):
    order = bought()
    refused(
        unsubscription_request,
        "between 0 and the 99.00 paid",
        order_id=order.pk,
        buyer=order.buyer,
        proposed_amount=amount,
    )


def test_unsubscribing_someone_elses_order():
    order = bought()
    refused(
        unsubscription_request,
        "doesn't exist",
        order_id=order.pk,
        buyer=UserFactory(),
        proposed_amount=D("1"),
    )


# --- paying ------------------------------------------------------------------------------------


def test_paying_twice_moves_no_money_and_uses_no_voucher_again():
    product = listed_product(specs=SPECS)
    buyer = UserFactory()
    WalletFactory(buyer=buyer, balance=D("500.00"))
    grant = VoucherGrantFactory(buyer=buyer, voucher=VoucherFactory(seller=product.seller))
    order = order_place(
        buyer=buyer,
        spec=spec_of(product),
        period="month",
        agreement_accepted=True,
        voucher_grant_ids=[grant.pk],
    )
    order_pay(order_id=order.pk, buyer=buyer)
    refused(order_pay, "already paid", order_id=order.pk, buyer=buyer)
    assert Wallet.objects.get(buyer=buyer).balance == D("411.00")  # 99 − 10 voucher, once


def test_paying_someone_elses_order():
    product = listed_product(specs=SPECS)
    owner, other = UserFactory(), UserFactory()
    WalletFactory(buyer=other, balance=D("500.00"))
    order = order_place(buyer=owner, spec=spec_of(product), period="month", agreement_accepted=True)
    refused(order_pay, "Order not found", order_id=order.pk, buyer=other)


# --- vouchers at checkout: a used one, and one for another product of the same seller ----------


def test_a_used_voucher_at_checkout():
    product = listed_product(specs=SPECS)
    buyer = UserFactory()
    grant = VoucherGrantFactory(
        buyer=buyer, voucher=VoucherFactory(seller=product.seller), status="used"
    )
    refused(
        order_place,
        "has already been used",
        buyer=buyer,
        spec=spec_of(product),
        period="month",
        agreement_accepted=True,
        voucher_grant_ids=[grant.pk],
    )


def test_a_voucher_for_another_product_of_the_seller_at_checkout():
    product = listed_product(specs=SPECS)
    other = listed_product(seller=product.seller)
    voucher = VoucherFactory(seller=product.seller)
    voucher.products.add(other)
    buyer = UserFactory()
    grant = VoucherGrantFactory(buyer=buyer, voucher=voucher)
    refused(
        order_place,
        "does not apply to this product",
        buyer=buyer,
        spec=spec_of(product),
        period="month",
        agreement_accepted=True,
        voucher_grant_ids=[grant.pk],
    )


# --- malformed voucher files (seller center › Vouchers › specify customers) --------------------


@pytest.fixture
def voucher(client):
    seller = ActiveSellerFactory()
    client.force_login(seller.user)
    return VoucherFactory(seller=seller)


def xlsx(rows) -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("customers.xlsx", out.getvalue())


def csv(rows) -> SimpleUploadedFile:
    text = "\n".join(",".join(row) for row in rows) + "\n"
    return SimpleUploadedFile("customers.csv", text.encode(), content_type="text/csv")


def upload(client, voucher, file) -> list[tuple[int, str]]:
    before = world()
    response = client.post(reverse("seller:voucher_upload", args=[voucher.pk]), {"file": file})
    assert response.status_code == 200
    assert world() == before  # an upload only previews
    assert response.context.get("confirm_form") is None  # nothing to confirm
    return [(number, str(message)) for number, message in response.context["row_errors"]]


@pytest.mark.parametrize("make", [csv, xlsx], ids=["csv", "xlsx"])
@pytest.mark.parametrize(
    "header", [["Name", "ID"], ["Account name"], ["Account name", "Account ID", "Phone"]]
)
def test_wrong_columns(client, voucher, make, header):
    buyer = UserFactory()
    errors = upload(client, voucher, make([header, [buyer.username, buyer.account_id]]))
    assert errors[0][0] == 1 and "must be the template's header" in errors[0][1]


@pytest.mark.parametrize("make", [csv, xlsx], ids=["csv", "xlsx"])
def test_unknown_accounts_and_duplicates(client, voucher, make):
    a, b = UserFactory(), UserFactory()
    rows = [
        ["Account name", "Account ID"],
        [a.username, a.account_id],  # 2 good
        ["nobody-here", "f" * 32],  # 3 unknown
        [a.username, a.account_id],  # 4 duplicate of row 2
        [b.username, a.account_id],  # 5 of different accounts
    ]
    errors = dict(upload(client, voucher, make(rows)))
    assert sorted(errors) == [3, 4, 5]
    assert errors[3] == "No account has this account name and account ID."
    assert "already listed in row 2" in errors[4]
    assert "different accounts" in errors[5]
