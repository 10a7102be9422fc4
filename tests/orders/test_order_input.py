"""The buyer API's fast reading of an order body (`orders.api.fast_order_input`) says
what `BuyerOrderIn` says, or nothing: whenever it answers, the serializer accepts the
same body with the same validated data; the plain bodies clients send are answered
without the serializer; anything unusual is left to the serializer (its messages)."""

from __future__ import annotations

import itertools
import random

import pytest

from marketplace.core import limits
from orders.api import BuyerOrderIn, fast_order_input

PLAIN = {
    "product": 7,
    "spec_code": "standard",
    "quantity": 1,
    "period": "month",
    "periods": 1,
    "agreement_accepted": True,
    "pay": {"method": "balance"},
}

# Values each key may take: valid ones and every kind of wrong one.
VALUES = {
    "product": [1, 7, limits.MAX_ID, limits.MAX_ID + 1, 0, -3, "7", 7.0, 7.5, True, None, [7]],
    "spec_code": ["standard", "a-b_c9", "x" * 40, "x" * 41, "", " standard", "st d", "规格", 5],
    "quantity": [1, 3, 0, -1, 10**12, "2", 2.0, True, None],
    "period": ["", "month", "year", "x" * 10, "x" * 11, " month", "mo\x00", "mo\nth", 3, None],
    "periods": [1, 12, 0, "1", 1.5, False, None],
    "attributes": [{}, {"cpu": "4"}, [], None, "x"],
    "region": ["", "cn-north", "x" * 51, " cn", "区域", None],
    "voucher_grant_ids": [[], [1], [1, 1], None, "1", [0]],
    "agreement_accepted": [True, False, "true", 1, 0, None, "yes"],
    "pay": [
        None,
        {},
        {"method": "balance"},
        {"method": "credit"},
        {"method": "cash"},
        {"method": ""},
        {"method": 1},
        {"coupon_ids": []},
        {"coupon_ids": [3]},
        {"method": "balance", "other": 1},
        "balance",
        [],
    ],
}


def _agrees(body) -> bool:
    """False when the fast reading answers something the serializer doesn't."""
    fast = fast_order_input(body)
    if fast is None:
        return True
    serializer = BuyerOrderIn(data=body)
    return serializer.is_valid() and dict(serializer.validated_data) == fast


@pytest.mark.parametrize(
    "body",
    [
        PLAIN,
        {**PLAIN, "pay": None},
        {k: v for k, v in PLAIN.items() if k not in ("quantity", "period", "periods", "pay")},
        {**PLAIN, "region": "cn-north", "attributes": {}, "voucher_grant_ids": []},
        {**PLAIN, "pay": {"method": "credit", "coupon_ids": []}},
    ],
)
def test_plain_bodies_are_read_without_the_serializer_and_alike(body):
    fast = fast_order_input(body)
    assert fast is not None
    serializer = BuyerOrderIn(data=body)
    assert serializer.is_valid(), serializer.errors
    assert dict(serializer.validated_data) == fast


def test_each_value_alone_agrees_with_the_serializer():
    for key, values in VALUES.items():
        for value in values:
            body = {**PLAIN, key: value}
            assert _agrees(body), body
            missing = {k: v for k, v in PLAIN.items() if k != key}
            assert _agrees(missing), missing
    assert fast_order_input({**PLAIN, "product": "7"}) is None  # the serializer decides
    assert fast_order_input({**PLAIN, "unknown": 1}) is None
    assert fast_order_input([PLAIN]) is None


def test_random_mixtures_agree_with_the_serializer():
    rng = random.Random(8)
    keys = list(VALUES)
    answered = 0
    for _ in range(3000):
        body = dict(PLAIN)
        for key in rng.sample(keys, rng.randint(0, 3)):  # a few keys changed
            body[key] = rng.choice(VALUES[key])
        for key in rng.sample(keys, rng.randint(0, 1)):  # and perhaps one left out
            body.pop(key, None)
        assert _agrees(body), body
        answered += fast_order_input(body) is not None
    assert answered > 300  # the test exercises the fast reading, not only its refusals


def test_every_pair_of_plain_alternatives_agrees():
    options = {
        "quantity": [1, 5],
        "period": ["", "year"],
        "region": ["", "cn-east"],
        "pay": [None, {"method": "credit"}, {}],
        "agreement_accepted": [True, False],
    }
    for combo in itertools.product(*options.values()):
        body = {**PLAIN, **dict(zip(options, combo, strict=True))}
        assert fast_order_input(body) is not None
        assert _agrees(body), body
