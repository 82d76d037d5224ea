import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from activities.models import BLOCK_TYPES
from activities.services import freeze_snapshot
from activities.snapshots import SnapshotError, find_page


class Command(BaseCommand):
    help = (
        "Freeze the live version of a page, as the public sees it now, into a new dated snapshot "
        "with its own /archive/<date>/ address. The live version is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument("page", help='the page: its slug, the last word of its slug ("peru") or its country')
        parser.add_argument("--date", help="the snapshot's date, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--user", help="the user name to record in the history; that user must be a Publisher"
        )

    def handle(self, *args, page, date, user, **options):
        try:
            archived_on = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--date {date!r} is not a date (YYYY-MM-DD).") from error
        author = None
        if user:
            author = get_user_model().objects.filter(username=user).first()
            if author is None:
                raise CommandError(f"--user: there is no user {user!r}.")
        try:
            snapshot = freeze_snapshot(find_page(page, archived_on=None), archived_on=archived_on, user=author)
        except (SnapshotError, PermissionDenied) as error:
            raise CommandError(str(error)) from error
        blocks = sum(model.objects.filter(page=snapshot).count() for model in BLOCK_TYPES)
        self.stdout.write(
            f"Froze {snapshot}: {blocks} blocks, {snapshot.activities.count()} of them activities, "
            f"at {snapshot.get_absolute_url()}"
        )
