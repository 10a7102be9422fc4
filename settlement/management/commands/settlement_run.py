"""`manage.py settlement_run --period 2026-11 [--seller ID]`: the billing run of a finished
month for every seller (or one), through the same idempotent service as the beat job."""

from django.core.management.base import BaseCommand, CommandError

from marketplace.core.exceptions import DomainError
from sellers.models import Seller
from settlement.services import settlement_run


class Command(BaseCommand):
    help = "Bill a finished month (YYYY-MM) for every seller or one; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="the month to bill, YYYY-MM")
        parser.add_argument("--seller", type=int, help="only this seller (id)")

    def handle(self, *args, period: str, seller: int | None, **options):
        only = None
        if seller is not None:
            only = Seller.objects.filter(pk=seller).first()
            if only is None:
                raise CommandError(f"No seller with id {seller}.")
        try:
            run = settlement_run(period=period, seller=only, source="command")
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"settlement run {run.pk} {run.period}: {run.status}, sellers={run.sellers_done} "
            f"bills={run.bills_created} lines={run.lines_created} "
            f"refund_lines={run.refund_lines_created} carry_overs={run.carry_overs_created} "
            f"share_bills={run.share_bills_created} duration={run.duration}"
        )
