"""Recompute the evidence log's hash chains (issue 11 › Evidence that holds up).

`manage.py supervision_verify` checks every case, `--case N` one case. It names the
first broken row of each broken case and exits with status 1; 0 when all verify.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from supervision.models import Case
from supervision.services.log import verify_chains


class Command(BaseCommand):
    help = "Verify the supervision cases' log hash chains; exit 1 naming the first broken row."

    def add_arguments(self, parser):
        parser.add_argument("--case", type=int, help="only this case (its id)")

    def handle(self, *args, case: int | None = None, **options):
        if case is not None and not Case.objects.filter(pk=case).exists():
            raise CommandError(f"case {case} does not exist")
        ids = [case] if case is not None else None
        broken = list(verify_chains(ids))
        for link in broken:
            self.stderr.write(f"BROKEN {link}")
        checked = 1 if case is not None else Case.objects.count()
        if broken:
            raise CommandError(
                f"{len(broken)} of {checked} case(s) have a broken log chain", returncode=1
            )
        self.stdout.write(f"{checked} case(s) verified: every log chain is intact.")
