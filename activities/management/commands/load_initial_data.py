from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from activities.models import Program
from activities.services import SnapshotError, load_snapshot


class Command(BaseCommand):
    help = "Load the site's first snapshot when the database holds no page yet."

    def handle(self, *args, **options):
        if Program.objects.exists():
            self.stdout.write("The database already holds pages; nothing to load.")
            return
        try:
            report = load_snapshot(settings.INITIAL_SNAPSHOT)
        except SnapshotError as error:
            raise CommandError(str(error)) from error
        for line in report.lines():
            self.stdout.write(line)
