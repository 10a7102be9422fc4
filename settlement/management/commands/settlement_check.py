"""`manage.py settlement_check [--period YYYY-MM]`: re-derive every bill line from its
order (rules and amounts in Python, Decimal) and every bill's totals from its lines;
print each difference and exit with status 1 if there is any."""

from django.core.management.base import BaseCommand, CommandError

from settlement.checks import bill_line_mismatches


class Command(BaseCommand):
    help = "Check every bill line against its order and every bill against its lines."

    def add_arguments(self, parser):
        parser.add_argument("--period", default="", help="only the bills of this month")

    def handle(self, *args, period: str, **options):
        count = 0
        for mismatch in bill_line_mismatches(period=period):
            count += 1
            self.stdout.write(f"MISMATCH {mismatch}")
        if count:
            raise CommandError(f"{count} settlement mismatch(es)", returncode=1)
        self.stdout.write(self.style.SUCCESS("Bills consistent with their orders."))
