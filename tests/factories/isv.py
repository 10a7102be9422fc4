"""Factories for the ISV production interface (issue 9).

- `AccessKeyFactory`: a usable INTERFACE key of an active seller. Its plaintext secret is
  the factory parameter `secret` (random unless given) and is stored encrypted, as the
  service stores it: `AccessKeyFactory(secret="s3cret")`, then
  `sellers.services.credentials.access_key_secret(key) == "s3cret"`.
  `OpenApiKeyFactory` is the same with kind OPEN_API.
- `ProductInterfaceFactory`: a listed SaaS product (tests/factories/catalog.py) served by
  the sample ISV at `http://127.0.0.1:8001/produce`, signed with an INTERFACE key of the
  product's seller whose secret is `sample_isv.server.DEFAULT_ACCESS_KEY`.
  Pass `product=` for another product (its seller's key is made), `kit_access_key=` for a
  joint product's kit key.
- `TestAccountFactory`: a test buyer account of an active seller.
- `ProbeRunFactory`: a failed daily probe of a listed product, with one run of one test
  case (request and response as orders/isv/probe.py records them).
"""

from __future__ import annotations

import datetime as dt

import factory

from marketplace.core import crypto
from orders.models import ProbeRun, ProductInterface
from sample_isv.server import DEFAULT_ACCESS_KEY
from sellers.models import AccessKey
from sellers.models import TestAccount as SellerTestAccount
from sellers.services.credentials import new_key_id, new_secret
from tests.factories.accounts import UserFactory
from tests.factories.catalog import listed_product
from tests.factories.sellers import ActiveSellerFactory

SAMPLE_ISV_URL = "http://127.0.0.1:8001/produce"


class AccessKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessKey

    class Params:
        secret = factory.LazyFunction(new_secret)

    seller = factory.SubFactory(ActiveSellerFactory)
    kind = AccessKey.Kind.INTERFACE
    key_id = factory.LazyFunction(new_key_id)
    secret_encrypted = factory.LazyAttribute(lambda o: crypto.encrypt(o.secret))


class OpenApiKeyFactory(AccessKeyFactory):
    kind = AccessKey.Kind.OPEN_API


class ProductInterfaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductInterface

    product = factory.LazyFunction(listed_product)
    production_url = SAMPLE_ISV_URL
    access_key = factory.SubFactory(
        AccessKeyFactory,
        seller=factory.SelfAttribute("..product.seller"),
        secret=DEFAULT_ACCESS_KEY,
    )
    kit_access_key = None


class TestAccountFactory(factory.django.DjangoModelFactory):
    __test__ = False  # not a test class, whatever pytest thinks of its name

    class Meta:
        model = SellerTestAccount

    seller = factory.SubFactory(ActiveSellerFactory)
    user = factory.SubFactory(UserFactory, username=factory.Sequence(lambda n: f"test-store-{n}"))


class ProbeRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProbeRun

    product = factory.LazyFunction(listed_product)
    day = factory.Sequence(lambda n: dt.date(2026, 3, 1) + dt.timedelta(days=n))
    ok = False
    detail = factory.LazyAttribute(
        lambda o: {
            "runs": [
                {
                    "slot": "09",
                    "at": f"{o.day.isoformat()}T09:00:00+08:00",
                    "ok": o.ok,
                    "cases": [
                        {
                            "test_case": 1,
                            "name": "query",
                            "activity": "queryInstance",
                            "ok": o.ok,
                            "checks": [],
                            "result_code": "000000" if o.ok else "000005",
                            "error": "" if o.ok else "result code 000005",
                            "url": "http://127.0.0.1:8001/produce?signature=ab&timestamp=1&nonce=n",
                            "request": {"activity": "queryInstance", "testFlag": "1"},
                            "http_status": 200,
                            "latency_ms": 12,
                            "response": '{"resultCode":"000005","resultMsg":"probe-failed"}',
                        }
                    ],
                }
            ]
        }
    )
