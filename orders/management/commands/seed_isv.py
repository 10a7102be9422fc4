"""Demo wiring of the sample ISV for `seed_demo` (run after seed_catalog, before
seed_orders, so that the demo purchases' newInstance calls go to the sample ISV).

For each demo seller (seller-cloudnova, seller-datamill):
- an INTERFACE key whose secret is `sample_isv.server.DEFAULT_ACCESS_KEY`, the key the
  sample ISV verifies by default (the services generate random secrets: the row is written
  encrypted as `access_key_create` writes it, with a fixed key ID);
- a production interface (`settings.SAMPLE_ISV_URL`, default
  http://127.0.0.1:8001/produce) for each of its SaaS, joint SaaS and license products,
  through `product_interface_set` (the URL guard applies);
- a saved console test case (newInstance, the mock order) per SaaS / joint SaaS product,
  so the daily probe has something to send.
For seller-cloudnova also an OPEN_API key with the fixed demo AK/SK below (Procfile.dev
starts the sample ISV with them, so it queries each new order back), and a test buyer
account with the demo password.

Idempotent: keys are found by their fixed key IDs, a product that already has a
production interface or the demo test case is left as it is (a seller's own settings
win). Not for production: the secrets are published in the README, so it does nothing
when `settings.PRODUCTION`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import BaseCommand
from django.db import transaction

from marketplace.catalog.models import DeliveryType, Product
from marketplace.core import crypto
from orders.isv.console import console_default_body, test_case_create
from orders.models import InterfaceTestCase, ProductInterface, ProvisioningCall
from orders.services.interfaces import INTERFACE_TYPES, product_interface_set
from sample_isv.server import DEFAULT_ACCESS_KEY
from sellers.models import AccessKey, Seller, TestAccount
from sellers.services.credentials import access_key_secret, test_account_create

SELLERS = ["seller-cloudnova", "seller-datamill"]
OPEN_API_SELLER = "seller-cloudnova"
TEST_ACCOUNT_SELLER = "seller-cloudnova"
# Fixed key IDs (20 upper-case letters and digits, as `new_key_id` makes them).
INTERFACE_KEY_IDS = {
    "seller-cloudnova": "DEMOISVCLOUDNOVA0001",
    "seller-datamill": "DEMOISVDATAMILL00001",
}
OPEN_API_AK = "DEMOAPICLOUDNOVA0001"
OPEN_API_SK = "sample-isv-demo-open-api-secret-key-2026"  # noqa: S105 - published demo value
TEST_CASE_NAME = "newInstance (demo)"
DEFAULT_PASSWORD = "demo-pass-2026"  # noqa: S105 - seed_demo's published demo password
SAAS_TYPES = (DeliveryType.SAAS, DeliveryType.JOINT_SAAS)


def demo_key(*, seller: Seller, kind: str, key_id: str, secret: str) -> AccessKey:
    """The key `key_id` of `seller` holding `secret` (created, or its secret restored)."""
    key = AccessKey.objects.filter(key_id=key_id).first()
    if key is None:
        return AccessKey.objects.create(
            seller=seller, kind=kind, key_id=key_id, secret_encrypted=crypto.encrypt(secret)
        )
    try:
        current = access_key_secret(key)
    except ValueError:  # FIELD_ENCRYPTION_KEYS changed since it was written
        current = None
    if current != secret:
        key.secret_encrypted = crypto.encrypt(secret)
        key.save(update_fields=["secret_encrypted"])
    return key


class Command(BaseCommand):
    help = "Wire the demo sellers' products to the sample ISV (called by seed_demo)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help="Password of the demo test account (seed_demo passes its demo password).",
        )

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            self.stdout.write("seed_isv: not on a production site (published demo keys), skipped")
            return
        sellers = {
            s.user.username: s
            for s in Seller.objects.select_related("user").filter(
                user__username__in=SELLERS, status=Seller.Status.ACTIVE
            )
        }
        if not sellers:
            self.stdout.write("seed_isv: demo sellers missing (run seed_demo), skipped")
            return
        with transaction.atomic():
            wired, cases = self._seed(sellers, options["password"])
        self._print(sellers, wired, cases)

    def _seed(self, sellers: dict[str, Seller], password: str) -> tuple[list[str], int]:
        url = settings.SAMPLE_ISV_URL
        wired: list[str] = []
        cases = 0
        for username, seller in sellers.items():
            key = demo_key(
                seller=seller,
                kind=AccessKey.Kind.INTERFACE,
                key_id=INTERFACE_KEY_IDS[username],
                secret=DEFAULT_ACCESS_KEY,
            )
            products = Product.objects.filter(
                seller=seller, delivery_type__in=INTERFACE_TYPES
            ).order_by("pk")
            for product in products:
                if not ProductInterface.objects.filter(product=product).exists():
                    product_interface_set(
                        seller=seller,
                        product=product,
                        production_url=url,
                        access_key=key,
                        actor=seller.user,
                    )
                wired.append(str(product.name))
                if product.delivery_type in SAAS_TYPES and not (
                    InterfaceTestCase.objects.filter(product=product, name=TEST_CASE_NAME).exists()
                ):
                    activity = ProvisioningCall.Activity.NEW_INSTANCE
                    test_case_create(
                        product=product,
                        name=TEST_CASE_NAME,
                        activity=activity,
                        body=console_default_body(activity=activity, product=product),
                    )
                    cases += 1
        if OPEN_API_SELLER in sellers:
            demo_key(
                seller=sellers[OPEN_API_SELLER],
                kind=AccessKey.Kind.OPEN_API,
                key_id=OPEN_API_AK,
                secret=OPEN_API_SK,
            )
        seller = sellers.get(TEST_ACCOUNT_SELLER)
        if seller is not None and not TestAccount.objects.filter(seller=seller).exists():
            account, _random = test_account_create(seller=seller, actor=seller.user)
            # A published demo password instead of the generated one (shown once).
            account.user.set_password(password)
            account.user.save(update_fields=["password"])
        return wired, cases

    def _print(self, sellers, wired: list[str], cases: int) -> None:
        out = self.stdout
        out.write(
            f"seed_isv: {len(wired)} products on the sample ISV at {settings.SAMPLE_ISV_URL} "
            f"(interface key secret {DEFAULT_ACCESS_KEY}), {cases} test cases saved"
        )
        if OPEN_API_SELLER in sellers:
            out.write(f"  open API key of {OPEN_API_SELLER}: AK {OPEN_API_AK}  SK {OPEN_API_SK}")
        account = (
            TestAccount.objects.filter(seller__user__username=TEST_ACCOUNT_SELLER)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if account is not None:
            out.write(
                f"  test account of {TEST_ACCOUNT_SELLER}: {account.user.username} "
                "(the demo password)"
            )
