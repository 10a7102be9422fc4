"""The buyer's wallet (03-orders › Buying 6 "Pay"): charging an order, refunding it,
operator top-ups and the credit limit.

Every movement is one conditional UPDATE of the row that holds the figure (`balance >=
amount`, `credit_used + amount <= credit_limit`, `remaining >= amount`) followed by one
`LedgerEntry` with the figure after it, in the same transaction. The conditional UPDATE
is the lock: two payments racing for the last yuan can't both pass its WHERE clause,
so no SELECT ... FOR UPDATE is needed and the balance never goes below zero (the
CHECK constraints on the models say so a second time). Each entry's unique `key` makes
the movement happen once.

Keys: `pay:<order>:balance`, `pay:<order>:credit`, `pay:<order>:coupon:<id>`;
`refund:<key>:balance|credit|credit-to-balance|coupon:<id>`; `top_up:<reference>`;
`operator_top_up:<uuid>`; `credit_repay:<bill>:balance|credit`;
`coupon:<id>:issue|revoke`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from buyers.models import CashCoupon, CreditBill, LedgerEntry, Wallet
from marketplace.catalog.models import AllowlistEntry, Product
from marketplace.core import rawload, rawsave
from marketplace.core.exceptions import DomainError
from marketplace.core.money import to_money
from marketplace.core.permissions import check_operator_permission

from .periods import period_of

ZERO = Decimal("0.00")
# An operator top-up or a credit limit above this is a typing mistake, not a decision.
MAX_OPERATOR_AMOUNT = Decimal("100000000.00")

Kind = LedgerEntry.Kind
Account = LedgerEntry.Account


class InsufficientFunds(DomainError):
    """The balance (or the credit line) does not cover the amount to pay."""


@dataclass(frozen=True)
class Charge:
    """How much of a payment (or a refund) went through each source."""

    balance: Decimal = ZERO
    credit: Decimal = ZERO
    coupon: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.balance + self.credit + self.coupon


@dataclass(frozen=True)
class PaymentMethods:
    """What the buyer may pay a product with, and what they have (checkout shows it)."""

    credit_allowed: bool
    coupon_allowed: bool
    balance: Decimal
    credit_available: Decimal
    coupons: list[CashCoupon] = field(default_factory=list)


def wallet_for(buyer) -> Wallet:
    """The buyer's wallet, created empty on first use."""
    wallet, _created = Wallet.objects.get_or_create(buyer=buyer)
    return wallet


def _wallet_id(buyer) -> int:
    """The id of the buyer's wallet (created empty on first use), in one prepared read:
    a payment needs no more of it (its movements are conditional UPDATEs)."""
    rows = rawload.fetch(
        "SELECT id FROM buyers_wallet WHERE buyer_id = %s", [buyer.pk], prepare=True
    )
    return rows[0][0] if rows else wallet_for(buyer).pk


def usable_coupons(*, buyer, at=None):
    """The buyer's cash coupons that can pay now, soonest expiring first."""
    at = at or timezone.now()
    return CashCoupon.objects.filter(
        buyer=buyer,
        status=CashCoupon.Status.ACTIVE,
        remaining__gt=0,
        valid_from__lte=at,
        valid_until__gt=at,
    ).order_by("valid_until", "pk")


def credit_allowed_for(*, buyer, product: Product) -> bool:
    """The product's credit control (02 › Sales configuration): credit-line payment
    allowed, and when only for specified users, the buyer is on its credit allowlist."""
    if not product.credit_line_allowed:
        return False
    if not product.credit_specified_users_only:
        return True
    return AllowlistEntry.objects.filter(
        product=product, kind=AllowlistEntry.Kind.CREDIT, user=buyer
    ).exists()


def payment_methods(*, buyer, product: Product) -> PaymentMethods:
    wallet = wallet_for(buyer)
    coupon_allowed = product.cash_coupon_allowed
    return PaymentMethods(
        credit_allowed=credit_allowed_for(buyer=buyer, product=product),
        coupon_allowed=coupon_allowed,
        balance=wallet.balance,
        credit_available=wallet.credit_available,
        coupons=list(usable_coupons(buyer=buyer)) if coupon_allowed else [],
    )


# --- the movements: one conditional UPDATE + one ledger entry each ------------------------


def _entry(
    wallet_id: int,
    *,
    account: str,
    kind: str,
    amount: Decimal,
    after,
    key: str,
    savepoint: bool = True,
    **kw,
):
    try:
        # A savepoint, so that a duplicate key leaves the caller's transaction usable;
        # `savepoint=False` for a caller whose block lets every error out anyway (it
        # rolls back as a whole): two statements fewer.
        entry = LedgerEntry(
            wallet_id=wallet_id,
            account=account,
            kind=kind,
            amount=amount,
            balance_after=after,
            key=key,
            **kw,
        )
        with transaction.atomic(savepoint=savepoint):
            rawsave.insert(entry)
        return entry
    except IntegrityError as exc:
        raise DomainError(_("This payment movement was already recorded.")) from exc


def _balance_sql(wallet_id: int, amount: Decimal) -> tuple[str, list]:
    """The conditional UPDATE of the balance (never below zero) returning the balance
    after it, with its parameters."""
    ops = connection.ops
    table = ops.quote_name(Wallet._meta.db_table)  # the model's own name; values are params
    sql = f"UPDATE {table} SET balance = balance + %s, updated_at = %s WHERE id = %s"  # noqa: S608
    params = [amount, ops.adapt_datetimefield_value(timezone.now()), wallet_id]
    if amount < 0:
        sql += " AND balance >= %s"
        params.append(-amount)
    return sql + " RETURNING balance", params


def _add_to_balance(wallet_id: int, amount: Decimal) -> Decimal | None:
    """The conditional UPDATE of the balance (never below zero), returning the balance
    after it in the same statement (PostgreSQL and SQLite ≥ 3.35 both have RETURNING;
    the ORM's update() can't return it); None when the WHERE clause refused."""
    sql, params = _balance_sql(wallet_id, amount)
    rows = rawload.fetch(sql, params, prepare=True)
    if not rows:
        return None
    row = rows[0]
    # PostgreSQL answers a Decimal; SQLite a number, made exact to the cent here.
    return to_money(row[0] if isinstance(row[0], Decimal) else Decimal(str(row[0])))


def move_balance(
    wallet_id: int, amount: Decimal, *, kind: str, key: str, savepoint: bool = True, **kw
) -> LedgerEntry:
    """Add `amount` (signed) to the balance; never below zero (InsufficientFunds). On
    PostgreSQL the UPDATE and its ledger entry are one statement (`rawsave.insert_with`):
    a payment's hottest pair, and a duplicate entry key rolls the balance back with it."""
    if connection.vendor == "postgresql":
        entry = LedgerEntry(
            wallet_id=wallet_id,
            account=Account.BALANCE,
            kind=kind,
            amount=amount,
            balance_after=ZERO,  # what the UPDATE leaves (taken from it)
            key=key,
            **kw,
        )
        sql, params = _balance_sql(wallet_id, amount)
        try:
            with transaction.atomic(savepoint=savepoint):
                written = rawsave.insert_with(
                    entry, before=sql, params=params, taken={"balance_after": "balance"}
                )
        except IntegrityError as exc:
            raise DomainError(_("This payment movement was already recorded.")) from exc
        if not written:
            raise InsufficientFunds(
                _("Your balance is not enough to pay %(amount)s.") % {"amount": -amount}
            )
        return entry
    after = _add_to_balance(wallet_id, amount)
    if after is None:
        raise InsufficientFunds(
            _("Your balance is not enough to pay %(amount)s.") % {"amount": -amount}
        )
    return _entry(
        wallet_id,
        account=Account.BALANCE,
        kind=kind,
        amount=amount,
        after=after,
        key=key,
        savepoint=savepoint,
        **kw,
    )


def move_credit(
    wallet_id: int, amount: Decimal, *, kind: str, key: str, savepoint: bool = True, **kw
) -> LedgerEntry:
    """Spend (amount < 0) or give back (amount > 0) credit; the entry records what is
    still available. Spending never passes the limit; giving back never below zero used."""
    rows = Wallet.objects.filter(pk=wallet_id)
    if amount < 0:
        rows = rows.filter(credit_limit__gte=F("credit_used") - amount)
    else:
        rows = rows.filter(credit_used__gte=amount)
    if not rows.update(credit_used=F("credit_used") - amount, updated_at=timezone.now()):
        if amount < 0:
            raise InsufficientFunds(
                _("Your available credit is not enough to pay %(amount)s.") % {"amount": -amount}
            )
        raise DomainError(_("More credit would be given back than is in use."))
    limit, used = (
        Wallet.objects.filter(pk=wallet_id).values_list("credit_limit", "credit_used").get()
    )
    return _entry(
        wallet_id,
        account=Account.CREDIT,
        kind=kind,
        amount=amount,
        after=limit - used,
        key=key,
        savepoint=savepoint,
        **kw,
    )


def move_coupon(
    wallet_id: int, coupon_id: int, amount: Decimal, *, kind: str, key: str, spend_at=None, **kw
) -> LedgerEntry:
    """Spend from (amount < 0) or put back into (amount > 0) one cash coupon. Paying
    needs the coupon active and valid at `spend_at`; a coupon spent to zero is used up,
    and one given money back is active again unless revoked."""
    rows = CashCoupon.objects.filter(pk=coupon_id)
    if amount < 0 and kind != Kind.PAYMENT:  # revoking: whatever is left
        rows = rows.filter(remaining__gte=-amount)
    elif amount < 0:
        spend_at = spend_at or timezone.now()
        rows = rows.filter(
            status=CashCoupon.Status.ACTIVE,
            remaining__gte=-amount,
            valid_from__lte=spend_at,
            valid_until__gt=spend_at,
        )
    if not rows.update(remaining=F("remaining") + amount):
        raise InsufficientFunds(_("A cash coupon you chose can no longer be used."))
    Status = CashCoupon.Status
    coupon = CashCoupon.objects.filter(pk=coupon_id)
    coupon.filter(remaining=0, status=Status.ACTIVE).update(status=Status.USED_UP)
    coupon.filter(remaining__gt=0, status=Status.USED_UP).update(status=Status.ACTIVE)
    after = CashCoupon.objects.filter(pk=coupon_id).values_list("remaining", flat=True).get()
    return _entry(
        wallet_id,
        account=Account.COUPON,
        kind=kind,
        amount=amount,
        after=after,
        key=key,
        coupon_id=coupon_id,
        **kw,
    )


# --- paying and refunding an order --------------------------------------------------------


@transaction.atomic
def payment_charge(
    *,
    buyer,
    product: Product,
    order_number: str,
    amount: Decimal,
    method: str,
    coupon_ids: Sequence[int] = (),
) -> Charge:
    """Take `amount` for order `order_number`: the chosen cash coupons first (where the
    product allows them; soonest expiring first), then the rest from the balance
    (`method="balance"`) or the credit line (`method="credit"`, where the product allows
    it). Raises InsufficientFunds when the balance or the credit is short, DomainError for
    a method the product does not allow, a coupon that is not the buyer's or not usable,
    or an order that was charged already. Runs in the caller's transaction: if the order
    can't be paid, the caller rolls every movement back."""
    return payment_charge_in_transaction(
        buyer=buyer,
        product=product,
        order_number=order_number,
        amount=amount,
        method=method,
        coupon_ids=coupon_ids,
    )


def payment_charge_in_transaction(
    *,
    buyer,
    product: Product,
    order_number: str,
    amount: Decimal,
    method: str,
    coupon_ids: Sequence[int] = (),
    order_held: bool = False,
    wallet_id: int | None = None,
) -> Charge:
    """`payment_charge` without its own savepoint, for a caller inside its own atomic
    block that lets every error out of it (the order payment: its block rolls the
    partial movements back). Catching an error of this and going on in the same block
    is wrong: use `payment_charge`.

    `order_held`: the caller holds the order's row, unpaid (locked, or inserted in this
    transaction), so it can't have been paid: the ledger isn't searched for an earlier
    payment (the unique entry keys still refuse a second one). `wallet_id`: the buyer's
    wallet when the caller has read it (None: read here, created if missing)."""
    if not connection.in_atomic_block:
        raise RuntimeError("payment_charge_in_transaction runs inside an atomic block")
    amount = to_money(amount)
    if amount < 0:
        raise DomainError(_("The amount to pay can't be negative."))
    if method not in ("balance", "credit"):
        raise DomainError(_("Choose how to pay: balance or credit line."))
    wallet_id = wallet_id or _wallet_id(buyer)
    if (
        not order_held
        and LedgerEntry.objects.filter(key__startswith=f"pay:{order_number}:").exists()
    ):
        raise DomainError(_("This order has already been paid."))
    coupon_ids = list(dict.fromkeys(int(pk) for pk in coupon_ids))
    if method == "credit" and not credit_allowed_for(buyer=buyer, product=product):
        raise DomainError(_("This product can't be paid with the credit line."))
    if coupon_ids and not product.cash_coupon_allowed:
        raise DomainError(_("This product can't be paid with cash coupons."))

    now = timezone.now()
    coupons = (
        list(usable_coupons(buyer=buyer, at=now).filter(pk__in=coupon_ids)) if coupon_ids else []
    )
    if len(coupons) != len(coupon_ids):
        raise DomainError(_("A cash coupon you chose can no longer be used."))
    rest, paid_coupon = amount, ZERO
    common = {"order_number": order_number}
    for coupon in coupons:
        if rest <= 0:
            break
        part = min(coupon.remaining, rest)
        move_coupon(
            wallet_id,
            coupon.pk,
            -part,
            kind=Kind.PAYMENT,
            spend_at=now,
            key=f"pay:{order_number}:coupon:{coupon.pk}",
            **common,
        )
        rest -= part
        paid_coupon += part
    if rest > 0 and method == "balance":
        move_balance(
            wallet_id,
            -rest,
            kind=Kind.PAYMENT,
            key=f"pay:{order_number}:balance",
            savepoint=False,  # this function's contract: its caller's block rolls back
            **common,
        )
        return Charge(balance=rest, coupon=paid_coupon)
    if rest > 0:
        move_credit(
            wallet_id,
            -rest,
            kind=Kind.PAYMENT,
            key=f"pay:{order_number}:credit",
            savepoint=False,
            **common,
        )
        return Charge(credit=rest, coupon=paid_coupon)
    return Charge(coupon=paid_coupon)


def _refund_prefix(key: str) -> str:
    # Entry keys are at most 100 characters; a long caller key is shortened by hash.
    if len(key) > 60:
        key = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"refund:{key}:"


def _charge_of(entries) -> Charge:
    sums = {Account.BALANCE: ZERO, Account.CREDIT: ZERO, Account.COUPON: ZERO}
    for account, amount in entries.values_list("account", "amount"):
        sums[account] += amount
    return Charge(
        balance=sums[Account.BALANCE], credit=sums[Account.CREDIT], coupon=sums[Account.COUPON]
    )


@transaction.atomic
def payment_refund(*, buyer, order_number: str, amount: Decimal, paid: Charge, key: str) -> Charge:
    """Give `amount` of order `order_number` back to where it was paid from; returns
    where it went. Idempotent on `key`: the same key again returns the same Charge and
    moves nothing.

    The rule (03-orders › Pay; decided here):
    - Each source gets back at most what it paid for this order (`paid`) minus what
      earlier refunds of the order already gave back to it.
    - A partial refund fills the sources in this order: the credit line first (it is
      debt the buyer would otherwise repay), then the balance, the cash coupons last
      (a coupon is the marketplace's money; it never turns into balance).
    - Credit whose monthly bill is already repaid goes to the balance instead (the buyer
      paid it in cash); credit whose bill is issued but open lowers that bill.
    - The coupon part goes back into the coupons the order used, even if one has since
      expired or been revoked (it then stays unusable).
    """
    prefix = _refund_prefix(key)
    done = LedgerEntry.objects.filter(key__startswith=prefix)
    if done.exists():
        return _charge_of(done)
    amount = to_money(amount)
    if amount <= 0:
        raise DomainError(_("The amount to refund must be more than zero."))
    wallet = wallet_for(buyer)
    # The wallet row is the per-buyer lock: two refunds of one order add up correctly.
    Wallet.objects.select_for_update().filter(pk=wallet.pk).get()
    order_entries = LedgerEntry.objects.filter(wallet=wallet, order_number=order_number)
    refunded = order_entries.filter(kind=Kind.REFUND)
    back_credit = -(
        refunded.filter(
            Q(account=Account.CREDIT) | Q(key__endswith=":credit-to-balance")
        ).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    back_balance = -(
        refunded.filter(account=Account.BALANCE)
        .exclude(key__endswith=":credit-to-balance")
        .aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    back_coupon = -(refunded.filter(account=Account.COUPON).aggregate(s=Sum("amount"))["s"] or ZERO)
    room_credit = max(ZERO, paid.credit + back_credit)
    room_balance = max(ZERO, paid.balance + back_balance)
    room_coupon = max(ZERO, paid.coupon + back_coupon)
    if amount > room_credit + room_balance + room_coupon:
        raise DomainError(
            _("At most %(amount)s of this order can still be refunded.")
            % {"amount": room_credit + room_balance + room_coupon}
        )
    common = {"order_number": order_number}
    rest = amount
    to_balance = to_credit = to_coupon = ZERO

    part = min(rest, room_credit)
    if part > 0:
        if _credit_bill_settle(wallet=wallet, order_entries=order_entries, part=part):
            move_balance(
                wallet.pk, part, kind=Kind.REFUND, key=f"{prefix}credit-to-balance", **common
            )
            to_balance += part
        else:
            move_credit(wallet.pk, part, kind=Kind.REFUND, key=f"{prefix}credit", **common)
            to_credit += part
        rest -= part
    part = min(rest, room_balance)
    if part > 0:
        move_balance(wallet.pk, part, kind=Kind.REFUND, key=f"{prefix}balance", **common)
        to_balance += part
        rest -= part
    if rest > 0:
        # Back into the coupons the order used, the last one spent first.
        used = order_entries.filter(account=Account.COUPON).exclude(coupon=None)
        per_coupon: dict[int, Decimal] = {}
        for coupon_id, value in used.order_by("-id").values_list("coupon_id", "amount"):
            per_coupon[coupon_id] = per_coupon.get(coupon_id, ZERO) - value
        for coupon_id, room in per_coupon.items():
            part = min(rest, room)
            if part > 0:
                move_coupon(
                    wallet.pk,
                    coupon_id,
                    part,
                    kind=Kind.REFUND,
                    key=f"{prefix}coupon:{coupon_id}",
                    **common,
                )
                to_coupon += part
                rest -= part
    return Charge(balance=to_balance, credit=to_credit, coupon=to_coupon)


def _credit_bill_settle(*, wallet: Wallet, order_entries, part: Decimal) -> bool:
    """Where a credit refund goes: True when the month's bill is repaid (→ balance).

    An open bill of that month is lowered by `part` (the credit given back is no longer
    owed); with no bill yet, the month's bill will net the refund when it is issued."""
    paid_at = (
        order_entries.filter(account=Account.CREDIT, kind=Kind.PAYMENT)
        .values_list("created_at", flat=True)
        .first()
    )
    if paid_at is None:
        return False
    bill = (
        CreditBill.objects.select_for_update()
        .filter(buyer_id=wallet.buyer_id, period=period_of(paid_at))
        .first()
    )
    if bill is None:
        return False
    if bill.status == CreditBill.Status.REPAID:
        return True
    CreditBill.objects.filter(pk=bill.pk).update(amount=F("amount") - min(part, bill.amount))
    return False


# --- operators ------------------------------------------------------------------------------


def _operator_amount(value, *, label: str) -> Decimal:
    amount = to_money(value)
    if amount <= 0 or amount > MAX_OPERATOR_AMOUNT:
        raise DomainError(
            _("%(label)s must be more than 0 and at most %(max)s.")
            % {"label": label, "max": MAX_OPERATOR_AMOUNT}
        )
    return amount


@transaction.atomic
def wallet_operator_top_up(*, buyer, amount: Decimal, actor, memo: str) -> LedgerEntry:
    """An operator credits a buyer's balance (e.g. a bank transfer received)."""
    check_operator_permission(
        actor, "buyers.top_up_wallet", _("You may not top up buyers' wallets.")
    )
    amount = _operator_amount(amount, label=_("The amount"))
    memo = (memo or "").strip()
    if not memo:
        raise DomainError(_("Say why the wallet is topped up (e.g. the bank transfer)."))
    wallet = wallet_for(buyer)
    return move_balance(
        wallet.pk,
        amount,
        kind=Kind.OPERATOR_TOP_UP,
        key=f"operator_top_up:{uuid.uuid4().hex}",
        actor=actor,
        memo=memo[:200],
    )


@transaction.atomic
def wallet_set_credit_limit(*, buyer, limit: Decimal, actor) -> Wallet:
    """An operator sets the buyer's credit limit; never below the credit in use."""
    check_operator_permission(
        actor, "buyers.set_credit_limit", _("You may not set buyers' credit limits.")
    )
    limit = to_money(limit)
    if limit < 0 or limit > MAX_OPERATOR_AMOUNT:
        raise DomainError(
            _("The credit limit must be between 0 and %(max)s.") % {"max": MAX_OPERATOR_AMOUNT}
        )
    wallet = wallet_for(buyer)
    if not Wallet.objects.filter(pk=wallet.pk, credit_used__lte=limit).update(
        credit_limit=limit, updated_at=timezone.now()
    ):
        wallet.refresh_from_db()
        raise DomainError(
            _("The credit limit can't be below the credit in use (%(used)s).")
            % {"used": wallet.credit_used}
        )
    wallet.refresh_from_db()
    return wallet


__all__ = [
    "Charge",
    "InsufficientFunds",
    "PaymentMethods",
    "payment_charge",
    "payment_charge_in_transaction",
    "payment_methods",
    "payment_refund",
    "wallet_for",
    "wallet_operator_top_up",
    "wallet_set_credit_limit",
]
