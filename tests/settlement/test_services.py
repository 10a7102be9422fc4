"""Fee policy and partner services: bad input refused with a clear message and nothing
changed (issue 12 › Bad input and faults); versions in force never change."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from marketplace.core.exceptions import DomainError, PermissionDenied
from settlement.exceptions import VersionInForce
from settlement.models import FeePolicy, PartnerBinding, PartnerTerms
from settlement.services import (
    fee_policy_change,
    fee_policy_create,
    fee_policy_withdraw,
    partner_binding_create,
    partner_binding_end,
    partner_create,
    partner_terms_create,
)
from tests.factories.accounts import SupportFactory, UserFactory
from tests.factories.settlement import FeePolicyFactory, PartnerFactory, beijing

pytestmark = pytest.mark.django_db
D = Decimal
NEXT_YEAR = beijing(2027, 3, 1)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(beijing(2026, 12, 3, 12), tick=False):
        yield


def test_a_version_is_added_for_the_future():
    policy = fee_policy_create(product_type="saas", ratio="0.08", effective_from=NEXT_YEAR)
    assert (policy.ratio, policy.effective_from, policy.in_force) == (D("0.08"), NEXT_YEAR, False)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ratio": "1.01"}, "from 0 to 1"),
        ({"ratio": "-0.01"}, "from 0 to 1"),
        ({"ratio": "abc"}, "as a number"),
        ({"ratio": "NaN"}, "as a number"),
        ({"ratio": "0.0000001"}, "six decimal places"),
        ({"product_type": "boat"}, "product type"),
        ({"effective_from": beijing(2026, 12, 1)}, "in the future"),
        ({"effective_from": dt.datetime(2027, 3, 1)}, "date and time"),  # noqa: DTZ001
    ],
)
def test_bad_fee_policies_are_refused(kwargs, message):
    FeePolicyFactory()
    before = list(FeePolicy.objects.values())
    args = {"product_type": "saas", "ratio": "0.05", "effective_from": NEXT_YEAR, **kwargs}
    with pytest.raises(DomainError, match=message):
        fee_policy_create(**args)
    assert list(FeePolicy.objects.values()) == before


def test_a_second_version_from_the_same_instant_is_refused():
    fee_policy_create(product_type="saas", ratio="0.08", effective_from=NEXT_YEAR)
    with pytest.raises(DomainError, match="same time"):
        fee_policy_create(product_type="saas", ratio="0.09", effective_from=NEXT_YEAR)
    # Another type from that instant is fine.
    fee_policy_create(product_type="image", ratio="0.09", effective_from=NEXT_YEAR)
    assert FeePolicy.objects.count() == 2


def test_a_version_in_force_never_changes():
    policy = FeePolicyFactory(ratio=D("0.05"), effective_from=beijing(2026, 1, 1))
    with pytest.raises(VersionInForce):
        fee_policy_change(policy=policy, ratio="0.06", effective_from=NEXT_YEAR)
    with pytest.raises(VersionInForce):
        fee_policy_withdraw(policy=policy)
    policy.ratio = D("0.07")
    with pytest.raises(VersionInForce):
        policy.save()  # the model refuses too (and PostgreSQL's trigger)
    policy.refresh_from_db()
    assert policy.ratio == D("0.05")


def test_a_future_version_may_change_until_it_takes_effect():
    policy = fee_policy_create(product_type="saas", ratio="0.08", effective_from=NEXT_YEAR)
    later = beijing(2027, 4, 1)
    fee_policy_change(policy=policy, ratio="0.07", effective_from=later)
    policy.refresh_from_db()
    assert (policy.ratio, policy.effective_from) == (D("0.07"), later)
    with (
        time_machine.travel(beijing(2027, 4, 1, 0, 0, 1), tick=False),
        pytest.raises(VersionInForce),
    ):
        fee_policy_change(policy=policy, ratio="0.01", effective_from=beijing(2027, 5, 1))
    fee_policy_withdraw(policy=policy)
    assert not FeePolicy.objects.exists()


def test_operators_need_the_permission():
    support = SupportFactory()
    with pytest.raises(PermissionDenied):
        fee_policy_create(
            product_type="saas", ratio="0.05", effective_from=NEXT_YEAR, actor=support
        )
    assert not FeePolicy.objects.exists()
    admin = UserFactory(is_staff=True, is_superuser=True)
    policy = fee_policy_create(
        product_type="saas", ratio="0.05", effective_from=NEXT_YEAR, actor=admin
    )
    assert policy.created_by == admin


# --- partners ----------------------------------------------------------------------------


def terms_kwargs(**kw):
    return {
        "partner": kw.pop("partner"),
        "product_type": "saas",
        "mode": "floor_price",
        "ratio": "0.3",
        "floor_price": "1800.00",
        "output_vat_rate": "0.13",
        "service_fee_vat_rate": "0.06",
        "effective_from": NEXT_YEAR,
        **kw,
    }


def test_partner_terms_are_created():
    partner = partner_create(name="Huatong Services", user=UserFactory())
    terms = partner_terms_create(**terms_kwargs(partner=partner))
    assert (terms.mode, terms.floor_price, terms.ratio) == ("floor_price", D("1800.00"), D("0.3"))
    share = partner_terms_create(
        **terms_kwargs(partner=partner, mode="price_share", floor_price="5", product_type="image")
    )
    assert share.floor_price is None  # not used by the price-share mode


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"floor_price": "-0.01"}, "can't be negative"),
        ({"floor_price": None}, "Enter the floor price"),
        ({"floor_price": "12.345"}, "two decimal places"),
        ({"ratio": "1.5"}, "from 0 to 1"),
        ({"ratio": "-1"}, "from 0 to 1"),
        ({"output_vat_rate": "13"}, "from 0 to 1"),
        ({"service_fee_vat_rate": "-0.06"}, "from 0 to 1"),
        ({"mode": "gift"}, "share mode"),
        ({"effective_from": beijing(2026, 1, 1)}, "in the future"),
    ],
)
def test_bad_partner_terms_are_refused(kwargs, message):
    partner = PartnerFactory()
    with pytest.raises(DomainError, match=message):
        partner_terms_create(**terms_kwargs(partner=partner, **kwargs))
    assert not PartnerTerms.objects.exists()


def test_a_duplicate_terms_version_is_refused():
    partner = PartnerFactory()
    partner_terms_create(**terms_kwargs(partner=partner))
    with pytest.raises(DomainError, match="same time"):
        partner_terms_create(**terms_kwargs(partner=partner, ratio="0.1"))
    assert PartnerTerms.objects.count() == 1


def test_a_buyer_has_one_partner_at_a_time():
    buyer = UserFactory()
    first, second = PartnerFactory(), PartnerFactory()
    partner_binding_create(
        partner=first, buyer=buyer, valid_from=beijing(2026, 1, 1), valid_to=beijing(2026, 6, 1)
    )
    for valid_from, valid_to in [
        (beijing(2025, 12, 1), beijing(2026, 1, 2)),
        (beijing(2026, 5, 31), None),
        (beijing(2025, 1, 1), None),
    ]:
        with pytest.raises(DomainError, match="bound to a partner"):
            partner_binding_create(
                partner=second, buyer=buyer, valid_from=valid_from, valid_to=valid_to
            )
    with pytest.raises(DomainError, match="end after it starts"):
        partner_binding_create(
            partner=second, buyer=buyer, valid_from=NEXT_YEAR, valid_to=NEXT_YEAR
        )
    after = partner_binding_create(partner=second, buyer=buyer, valid_from=beijing(2026, 6, 1))
    assert PartnerBinding.objects.count() == 2
    with pytest.raises(DomainError, match="now or later"):
        partner_binding_end(binding=after, valid_to=beijing(2026, 7, 1))
    partner_binding_end(binding=after, valid_to=timezone.now() + dt.timedelta(days=1))
    with pytest.raises(DomainError, match="ended already"):
        partner_binding_end(binding=after, valid_to=NEXT_YEAR)


def test_partner_names_are_unique():
    partner_create(name="Huatong")
    with pytest.raises(DomainError):
        partner_create(name="Huatong")
    with pytest.raises(DomainError):
        partner_create(name="  ")
