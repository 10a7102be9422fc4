"""Reads for the buyer center, always scoped to the signed-in account."""

from marketplace.accounts.models import EnterpriseVerification, IndividualVerification, User


def buyer_overview(*, user: User) -> dict:
    return {"real_name_status": user.get_real_name_status_display()}


def verification_status(*, user: User) -> dict:
    return {
        "enterprise": EnterpriseVerification.objects.filter(user=user).first(),
        "individual": IndividualVerification.objects.filter(user=user).first(),
    }
