"""`marketplace.core.rawsave` writes what `save()` writes: the same row (JSON, decimals,
auto_now_add, foreign keys), the primary key set, a unique conflict skipped when asked,
only the named columns updated; models it can't stand in for are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.accounts.models import User
from marketplace.catalog.models import Category
from marketplace.core import rawsave
from marketplace.core.models import Notification
from supervision.models import CaseLog
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_insert_writes_the_row_save_would():
    user = UserFactory()
    before = timezone.now()
    row = Notification(user=user, template="t", context={"n": 1, "s": "文字"}, key="k-1")
    with CaptureQueriesContext(connection) as queries:
        assert rawsave.insert(row) is True
    assert len(queries) == 1
    assert row.pk is not None and not row._state.adding
    assert row.created_at >= before  # auto_now_add, set on the instance as save() does
    stored = Notification.objects.get(pk=row.pk)
    assert _fields(stored) == _fields(row)
    assert stored.context == {"n": 1, "s": "文字"} and stored.user_id == user.pk


def test_a_conflict_is_skipped_only_when_asked():
    user = UserFactory()
    rawsave.insert(Notification(user=user, template="t", key="same"))
    again = Notification(user=user, template="other", key="same")
    assert rawsave.insert(again, ignore_conflicts=True) is False
    assert again.pk is None and again._state.adding
    assert Notification.objects.filter(key="same").values_list("template", flat=True).get() == "t"
    with pytest.raises(IntegrityError), transaction.atomic():
        rawsave.insert(Notification(user=user, template="t", key="same"))


def test_update_writes_only_the_named_columns():
    row = Notification.objects.create(user=UserFactory(), template="t", key="k-2")
    Notification.objects.filter(pk=row.pk).update(attempts=5)  # changed under the instance
    row.template, row.claimed_at = "changed", timezone.now() - timedelta(minutes=1)
    assert rawsave.update(row, ["template", "claimed_at"]) == 1
    stored = Notification.objects.get(pk=row.pk)
    assert stored.template == "changed" and stored.claimed_at == row.claimed_at
    assert stored.attempts == 5  # not named: left as the database has it
    gone = Notification(pk=row.pk + 1000, user_id=row.user_id, template="t", key="k-3")
    assert rawsave.update(gone, ["template"]) == 0


def test_insert_many_sets_the_keys_in_order():
    user = UserFactory()
    rows = [Notification(user=user, template=f"t{n}") for n in range(3)]
    rawsave.insert_many(rows)
    stored = list(Notification.objects.filter(user=user).order_by("pk"))
    assert [r.pk for r in rows] == [r.pk for r in stored]
    assert [r.template for r in stored] == ["t0", "t1", "t2"]
    many = [Notification(user=user, template="b") for _ in range(rawsave.MANY + 1)]
    rawsave.insert_many(many)  # a batch: through bulk_create
    assert Notification.objects.filter(user=user, template="b").count() == rawsave.MANY + 1


def test_models_it_cannot_stand_in_for_are_refused():
    with pytest.raises(TypeError, match="signal"):  # the catalog cache listens to its saves
        rawsave.insert(Category(slug="c", name_en="C", name_zh="C"))
    with pytest.raises(TypeError, match="save"):  # a save() of its own (keys from names)
        rawsave.insert(User(username="someone"))
    with pytest.raises(TypeError, match="save"):  # inserts allowed, never an update
        rawsave.update(CaseLog(pk=1, seq=1), ["seq"])
    with pytest.raises(TypeError, match="column"):
        rawsave.update(Notification(pk=1), ["id"])


@pytest.mark.postgres
def test_insert_with_takes_values_from_the_statement_before_it():
    """One statement: the UPDATE's returned value goes into the row; when the UPDATE
    changes nothing, nothing is inserted."""
    from decimal import Decimal

    from buyers.models import LedgerEntry
    from tests.factories.buyers import WalletFactory

    wallet = WalletFactory(balance=Decimal("10.00"))
    before = "UPDATE buyers_wallet SET balance = balance - %s WHERE id = %s AND balance >= %s "
    before += "RETURNING balance"

    def entry(key):
        return LedgerEntry(
            wallet=wallet,
            account="balance",
            kind="payment",
            amount=Decimal("-4.00"),
            balance_after=Decimal("0.00"),
            key=key,
        )

    params = [Decimal("4.00"), wallet.pk, Decimal("4.00")]
    first = entry("k-1")
    with CaptureQueriesContext(connection) as queries:
        assert rawsave.insert_with(
            first, before=before, params=params, taken={"balance_after": "balance"}
        )
    assert len(queries) == 1
    assert first.balance_after == Decimal("6.00")
    assert LedgerEntry.objects.get(pk=first.pk).balance_after == Decimal("6.00")
    rawsave.insert_with(
        entry("k-2"), before=before, params=params, taken={"balance_after": "balance"}
    )
    refused = entry("k-3")  # 2.00 left: the UPDATE refuses, so does the INSERT
    assert not rawsave.insert_with(
        refused, before=before, params=params, taken={"balance_after": "balance"}
    )
    assert refused.pk is None and not LedgerEntry.objects.filter(key="k-3").exists()
    wallet.refresh_from_db()
    assert wallet.balance == Decimal("2.00")


def test_insert_pair_writes_both_or_neither():
    """The order and its agreement: the child gets the parent's new key; a parent a
    unique constraint refuses (a repeated idempotency key) leaves both unwritten."""
    from orders.models import SignedAgreement
    from tests.factories.orders import OrderFactory

    earlier = OrderFactory(idempotency_key="k-1")
    product, buyer = earlier.product, earlier.buyer

    def pair(key):
        order = OrderFactory.build(
            buyer=buyer, product=product, spec=earlier.spec, idempotency_key=key
        )
        agreement = SignedAgreement(
            buyer=buyer,
            seller_id=product.seller_id,
            product=product,
            product_name="P",
            version_number=1,
            kind=SignedAgreement.Kind.AGREEMENT,
            text="terms",
            signed_at=timezone.now(),
        )
        return order, agreement

    order, agreement = pair("k-2")
    assert rawsave.insert_pair(order, agreement, link="order", ignore_conflicts=True)
    assert order.pk and agreement.order_id == order.pk and agreement.order is order
    assert SignedAgreement.objects.get(pk=agreement.pk).order_id == order.pk
    again, second = pair("k-1")  # the key `earlier` holds
    assert not rawsave.insert_pair(again, second, link="order", ignore_conflicts=True)
    assert again.pk is None and second.pk is None
    assert SignedAgreement.objects.count() == 1


def test_update_and_insert_many_writes_both():
    """The paid order's UPDATE and its history rows: one statement on PostgreSQL, two
    on SQLite; the same rows either way, keys set in order."""
    from marketplace.core.models import TransitionLog
    from orders.services.history import history_row

    row = Notification.objects.create(user=UserFactory(), template="t", key="k-9")
    row.template = "paid"
    history = [history_row(row, action=f"a{n}", to_state="x") for n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        rawsave.update_and_insert_many(row, ["template"], history)
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    assert Notification.objects.get(pk=row.pk).template == "paid"
    stored = list(TransitionLog.objects.filter(object_id=str(row.pk)).order_by("pk"))
    assert [h.pk for h in history] == [h.pk for h in stored]
    assert [h.action for h in stored] == ["a0", "a1", "a2"]


def test_insert_all_writes_runs_of_several_models_and_sets_their_keys():
    """Rows of several models (one with its key reserved beforehand): one statement on
    PostgreSQL, one per run of rows of a model elsewhere; every key set, in order."""
    from django.db.models import Max

    from marketplace.core.models import TransitionLog
    from orders.services.history import history_row

    user = UserFactory()
    top = Notification.objects.aggregate(top=Max("pk"))["top"] or 0
    reserved = Notification(pk=top + 500, user=user, template="reserved", key="k-r")
    plain = [Notification(user=user, template=f"n{n}") for n in range(2)]
    history = [history_row(reserved, action=f"a{n}", to_state="x") for n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        rawsave.insert_all([reserved, *plain, *history])
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3)
    assert reserved.pk == top + 500 and not reserved._state.adding
    assert Notification.objects.get(pk=top + 500).template == "reserved"
    stored = list(Notification.objects.filter(user=user, template__startswith="n").order_by("pk"))
    assert [r.pk for r in plain] == [r.pk for r in stored]
    logs = list(TransitionLog.objects.filter(object_id=str(top + 500)).order_by("pk"))
    assert [h.pk for h in history] == [h.pk for h in logs]
    assert [h.action for h in logs] == ["a0", "a1", "a2"]
