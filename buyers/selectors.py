"""Reads for the buyer center, always scoped to the signed-in account."""

from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round

from buyers.models import CashCoupon, CreditBill, LedgerEntry, TopUp, Wallet
from marketplace.accounts.models import EnterpriseVerification, IndividualVerification, User


def buyer_overview(*, user: User) -> dict:
    return {"real_name_status": user.get_real_name_status_display()}


def verification_status(*, user: User) -> dict:
    return {
        "enterprise": EnterpriseVerification.objects.filter(user=user).first(),
        "individual": IndividualVerification.objects.filter(user=user).first(),
    }


# --- the buyer's money (wallet, top-ups, credit line, cash coupons) -------------------------


def wallet_of(*, user: User) -> Wallet:
    """The buyer's wallet; an unsaved empty one if they never had money (a read creates
    nothing)."""
    return Wallet.objects.filter(buyer=user).first() or Wallet(buyer=user)


def ledger_entries(*, user: User, kind: str = "") -> QuerySet[LedgerEntry]:
    """The buyer's ledger, newest first, optionally of one kind. Only the buyer's own:
    scoped in the query."""
    entries = LedgerEntry.objects.filter(wallet__buyer=user).order_by("-created_at", "-id")
    if kind:
        entries = entries.filter(kind=kind)
    return entries


def top_ups(*, user: User) -> QuerySet[TopUp]:
    return TopUp.objects.filter(buyer=user).order_by("-created_at", "-id")


def credit_bills(*, user: User) -> QuerySet[CreditBill]:
    return CreditBill.objects.filter(buyer=user).order_by("-period")


def cash_coupons(*, user: User) -> QuerySet[CashCoupon]:
    """All the buyer's cash coupons: usable ones first (soonest expiring), then the rest."""
    return CashCoupon.objects.filter(buyer=user).order_by(
        Case(When(status=CashCoupon.Status.ACTIVE, then=0), default=1), "valid_until", "-id"
    )


# --- ledger_check: every figure column against the sum of its ledger entries ---------------


def ledger_mismatches() -> list[dict]:
    """Every wallet and cash coupon whose figure differs from its ledger (set-based: one
    aggregate query per figure, whatever the number of wallets).

    - `Wallet.balance` = sum of its BALANCE entries;
    - `Wallet.credit_used` = − sum of its CREDIT entries;
    - `CashCoupon.remaining` = sum of its COUPON entries (issue + payments + refunds +
      revoke).
    """
    Account = LedgerEntry.Account
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))

    def account_sum(account: str, **match) -> Coalesce:
        sub = (
            LedgerEntry.objects.filter(account=account, **match)
            .order_by()
            .values(*match)
            .annotate(total=Sum("amount"))
            .values("total")
        )
        # Rounded: SQLite sums decimals as floating point.
        return Round(Coalesce(Subquery(sub), zero), 2)

    found = []

    def money(value) -> Decimal:
        return Decimal(str(value)).quantize(Decimal("0.01"))

    wallets = Wallet.objects.annotate(
        ledger_balance=account_sum(Account.BALANCE, wallet=OuterRef("pk")),
        ledger_credit=account_sum(Account.CREDIT, wallet=OuterRef("pk")),
    ).filter(~Q(balance=F("ledger_balance")) | ~Q(credit_used=-F("ledger_credit")))
    for row in wallets.values(
        "pk", "buyer_id", "balance", "ledger_balance", "credit_used", "ledger_credit"
    ):
        name = f"wallet {row['pk']} (buyer {row['buyer_id']})"
        figures = [
            ("balance", money(row["balance"]), money(row["ledger_balance"])),
            ("credit_used", money(row["credit_used"]), -money(row["ledger_credit"])),
        ]
        found += [
            {"object": name, "figure": figure, "column": column, "ledger": ledger}
            for figure, column, ledger in figures
            if column != ledger
        ]
    coupons = CashCoupon.objects.annotate(
        ledger_remaining=account_sum(Account.COUPON, coupon=OuterRef("pk"))
    ).exclude(remaining=F("ledger_remaining"))
    for row in coupons.values("pk", "buyer_id", "remaining", "ledger_remaining"):
        found.append(
            {
                "object": f"cash coupon {row['pk']} (buyer {row['buyer_id']})",
                "figure": "remaining",
                "column": money(row["remaining"]),
                "ledger": money(row["ledger_remaining"]),
            }
        )
    return found
