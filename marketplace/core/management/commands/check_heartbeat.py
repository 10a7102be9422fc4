"""Exit non-zero unless the worker ran the beat's heartbeat task recently.

The health check of the `beat` container: a fresh row proves that beat enqueues, the broker
delivers, a worker runs tasks and the database takes writes.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from marketplace.core.models import Heartbeat


class Command(BaseCommand):
    help = "Fail unless the periodic heartbeat task ran within --max-age seconds."

    def add_arguments(self, parser):
        parser.add_argument("--max-age", type=int, default=180, help="seconds (default 180)")

    def handle(self, *args, max_age: int, **options):
        beat = Heartbeat.objects.filter(name="worker").first()
        if beat is None:
            raise CommandError("no heartbeat yet")
        age = timezone.now() - beat.at
        if age > dt.timedelta(seconds=max_age):
            raise CommandError(f"last heartbeat {int(age.total_seconds())} s ago")
        self.stdout.write(f"heartbeat {int(age.total_seconds())} s ago")
