from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from activities.snapshots import SnapshotError, load_snapshot


class Command(BaseCommand):
    help = (
        "Load an archival snapshot (a natural-key fixture) in one transaction: all of it, or nothing. "
        "A snapshot already in the database is never changed, unless a Publisher replaces it with --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the fixture, e.g. fixtures/peru-2021-01-19.json")
        parser.add_argument(
            "--replace", action="store_true",
            help="make a dated snapshot already in the database exactly what the fixture holds "
            "(records changed, added and removed); needs --user naming a Publisher",
        )
        parser.add_argument("--user", help="the user name to record in the history; for --replace, a Publisher")

    def handle(self, *args, path, replace, user, **options):
        if replace and not user:
            raise CommandError(
                "--replace needs --user naming a Publisher: replacing a snapshot is recorded in its history "
                "under that name. Nothing was loaded."
            )
        author = None
        if user:
            author = get_user_model().objects.filter(username=user).first()
            if author is None:
                raise CommandError(f"--user: there is no user {user!r}. Nothing was loaded.")
        try:
            report = load_snapshot(path, user=author, replace=replace)
        except (SnapshotError, PermissionDenied) as error:
            raise CommandError(f"{error}\nNothing was loaded; the database is as it was.") from error
        for line in report.lines():
            self.stdout.write(line)
