from django.core.management.base import BaseCommand, CommandError

from activities.services import SnapshotError, load_snapshot


class Command(BaseCommand):
    help = "Load an archival snapshot (a natural-key fixture) in one transaction: all of it, or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the fixture, e.g. fixtures/peru-2021-01-19.json")
        parser.add_argument(
            "--replace", action="store_true",
            help="overwrite a dated snapshot already in the database where the fixture differs from it",
        )

    def handle(self, *args, path, replace, **options):
        try:
            report = load_snapshot(path, replace=replace)
        except SnapshotError as error:
            raise CommandError(f"{error}\nNothing was loaded; the database is as it was.") from error
        for line in report.lines():
            self.stdout.write(line)
