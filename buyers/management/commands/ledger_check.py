"""`manage.py ledger_check`: compare every wallet's and cash coupon's figures with the sum
of their ledger entries (buyers.models docstring: the invariants). Prints each mismatch
and exits with status 1 if there is any; run it from cron or after a restore."""

from django.core.management.base import BaseCommand, CommandError

from buyers.selectors import ledger_mismatches


class Command(BaseCommand):
    help = "Check wallet balances, credit used and cash coupons against the ledger."

    def handle(self, *args, **options):
        mismatches = ledger_mismatches()
        for m in mismatches:
            self.stdout.write(
                f"MISMATCH {m['object']}: {m['figure']} is {m['column']}, "
                f"the ledger says {m['ledger']}"
            )
        if mismatches:
            raise CommandError(f"{len(mismatches)} ledger mismatch(es)", returncode=1)
        self.stdout.write(self.style.SUCCESS("Ledger consistent."))
