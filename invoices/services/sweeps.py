"""The beat jobs' services: set-based, idempotent, safe in two workers at once (rows are
claimed with `SELECT … FOR UPDATE SKIP LOCKED` and written with conditional UPDATEs)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from marketplace.core.notifications import notify

from ..models import InvoiceRequest, InvoiceRequestOrder, RedLetterInvoice
from .notify import ISSUE_PERMISSION, operators_with


def invoices_flag_overdue(*, now: dt.datetime | None = None, batch: int = 2000) -> int:
    """Flag, once, the requests not issued by their due time (7 calendar days after the
    request); each seller gets a digest of its own, operators one of all. The count."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            rows = list(
                InvoiceRequest.objects.filter(
                    status=InvoiceRequest.Status.REQUESTED,
                    overdue_flagged_at__isnull=True,
                    due_at__lt=now,
                )
                .order_by()
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", "seller__user_id", "issuer")[:batch]
            )
            if not rows:
                break
            InvoiceRequest.objects.filter(
                pk__in=[r[0] for r in rows], overdue_flagged_at__isnull=True
            ).update(overdue_flagged_at=now)
            by_seller: dict[int, list[int]] = defaultdict(list)
            for pk, user_id, issuer in rows:
                if issuer == InvoiceRequest.Issuer.SELLER:
                    by_seller[user_id].append(pk)
            for user_id, ids in by_seller.items():
                notify(
                    user=_user(user_id),
                    template="invoice_overdue",
                    context={"count": len(ids), "request_ids": sorted(ids)[:20]},
                )
            ids = sorted(r[0] for r in rows)
            for operator in operators_with(ISSUE_PERMISSION):
                notify(
                    user=operator,
                    template="invoice_overdue_operators",
                    context={"count": len(ids), "request_ids": ids[:20]},
                )
            total += len(rows)
        if len(rows) < batch:
            break
    return total


def _user(user_id: int):
    from django.contrib.auth import get_user_model

    return get_user_model()(pk=user_id)


def red_letters_record(*, batch: int = 2000) -> int:
    """Record a red-letter invoice for every order refunded after it was invoiced (issued
    or mailed); the issuer is told. Orders refuses to depend on invoices, so this sweep
    finds them instead of a refund hook; the unique (request, order) keeps it to one."""
    lines = list(
        InvoiceRequestOrder.objects.filter(
            live=True,
            request__status__in=InvoiceRequest.DONE,
            order__refunded_amount__gt=0,
        )
        .filter(
            ~Exists(
                RedLetterInvoice.objects.filter(
                    request=OuterRef("request_id"), order=OuterRef("order_id")
                )
            )
        )
        .annotate(refunded=F("order__refunded_amount"))
        .values_list("request_id", "order_id", "refunded")[:batch]
    )
    if not lines:
        return 0
    with transaction.atomic():
        created = RedLetterInvoice.objects.bulk_create(
            [RedLetterInvoice(request_id=r, order_id=o, amount=a) for r, o, a in lines],
            ignore_conflicts=True,
        )
        from .notify import notify_issuer

        for request in InvoiceRequest.objects.filter(
            pk__in={r for r, _o, _a in lines}
        ).select_related("seller__user", "buyer"):
            notify_issuer(request, "red_letter_due")
    return len(created)
