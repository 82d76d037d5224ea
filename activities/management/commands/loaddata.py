from django.core.management.base import CommandError
from django.core.management.commands import loaddata

from activities.snapshot_rules import SnapshotChangeRefused


class Command(loaddata.Command):
    """Django's loaddata; a fixture that would change a dated snapshot is
    refused in words, not with a traceback (snapshot_rules refuses it)."""

    def handle(self, *fixture_labels, **options):
        try:
            return super().handle(*fixture_labels, **options)
        except SnapshotChangeRefused as error:
            raise CommandError(f"{error}\nNothing was loaded; the database is as it was.") from error
