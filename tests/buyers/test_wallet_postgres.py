"""Real concurrency on PostgreSQL: payments racing for one wallet never overdraw it."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from buyers.models import LedgerEntry, Wallet
from buyers.selectors import ledger_mismatches
from buyers.services.wallet import InsufficientFunds, payment_charge
from tests.factories.buyers import WalletFactory
from tests.factories.catalog import listed_product

PRICE = Decimal("10.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_charges_for_seven_payments_worth():
    product = listed_product()
    wallet = WalletFactory(balance=PRICE * 7 + Decimal("5.00"))  # enough for 7, not 8
    buyer = wallet.buyer
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def pay(n: int) -> None:
        try:
            barrier.wait()
            with transaction.atomic():  # each thread: its own connection and transaction
                payment_charge(
                    buyer=buyer,
                    product=product,
                    order_number=f"PG{n:02d}",
                    amount=PRICE,
                    method="balance",
                )
            result = "paid"
        except InsufficientFunds:
            result = "short"
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(set(outcomes)) == ["paid", "short"], outcomes
    assert outcomes.count("paid") == 7
    wallet.refresh_from_db()
    assert wallet.balance == Decimal("5.00")
    payments = LedgerEntry.objects.filter(wallet=wallet, kind="payment")
    assert payments.count() == 7
    assert min(payments.values_list("balance_after", flat=True)) >= 0
    assert Wallet.objects.filter(balance__lt=0).count() == 0
    assert ledger_mismatches() == []
