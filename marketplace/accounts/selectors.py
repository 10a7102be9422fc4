"""Reads on accounts that pages serve, scoped by owner in the query."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ApiToken, User


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The account's API tokens, newest first, revoked and expired ones included."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def api_token_of(*, user: User, token_id: int) -> ApiToken | None:
    """One of the account's own tokens; None for another account's or a missing one."""
    return ApiToken.objects.filter(user=user, pk=token_id).first()
