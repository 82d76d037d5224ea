from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from activities.models import Page
from activities.snapshots import SnapshotError, load_snapshot


class Command(BaseCommand):
    help = "Load the site's first snapshots (settings.INITIAL_SNAPSHOTS) when the database holds no page yet."

    def handle(self, *args, **options):
        if Page.objects.exists():
            self.stdout.write("The database already holds pages; nothing to load.")
            return
        try:
            with transaction.atomic():  # all of them, or none
                reports = [load_snapshot(path) for path in settings.INITIAL_SNAPSHOTS]
        except SnapshotError as error:
            raise CommandError(str(error)) from error
        for report in reports:
            for line in report.lines():
                self.stdout.write(line)
