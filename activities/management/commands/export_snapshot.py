import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from activities.models import LIVE
from activities.snapshots import SnapshotError, export_snapshot, find_page


class Command(BaseCommand):
    help = (
        "Write one version of a page as a natural-key fixture: the page and its blocks in order (activities "
        "included), and the themes, partners, agreements and contacts they refer to."
    )

    def add_arguments(self, parser):
        parser.add_argument("page", help='the page: its slug, the last word of its slug ("peru") or its country')
        parser.add_argument("--date", required=True, help="the snapshot's date, YYYY-MM-DD, or 'live'")
        parser.add_argument("path", help="the file to write, e.g. peru-2021-01-19.json")

    def handle(self, *args, page, date, path, **options):
        try:
            archived_on = None if date == LIVE else datetime.date.fromisoformat(date)
        except ValueError as error:
            raise CommandError(f"--date {date!r} is not a date (YYYY-MM-DD) or 'live'.") from error
        try:
            records = export_snapshot(find_page(page, archived_on=archived_on))
        except SnapshotError as error:
            raise CommandError(str(error)) from error
        with open(path, "w", encoding="utf-8") as out:
            json.dump(records, out, ensure_ascii=False, indent=2)
            out.write("\n")
        self.stdout.write(f"Wrote {len(records)} records to {path}.")
