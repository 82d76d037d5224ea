from django.core.management.base import CommandError
from django.core.management.commands import loaddata
from django.core.serializers.base import DeserializationError

from activities.snapshot_rules import SnapshotChangeRefused
from activities.snapshots import unstorable
from core.text import stored_link_problems

NOTHING_LOADED = "\nNothing was loaded; the database is as it was."


class Refused(Exception):
    """A record that loaddata would store as it is, and that the site's own
    ways in refuse: text no database stores, a link that is no safe link."""


class Command(loaddata.Command):
    """Django's loaddata, which saves records without checking them, and this
    site's refusals: a fixture that would change a dated snapshot
    (snapshot_rules), a record holding text no database stores or a link
    that is no safe link, and a file that is no fixture are refused whole,
    in words, not with a traceback."""

    def handle(self, *fixture_labels, **options):
        try:
            return super().handle(*fixture_labels, **options)
        except (SnapshotChangeRefused, Refused) as error:
            raise CommandError(f"{error}{NOTHING_LOADED}") from error
        except DeserializationError as error:
            # Django's message names the file; its cause says what is wrong with it.
            cause = f" {error.__cause__}" if error.__cause__ and str(error.__cause__) not in str(error) else ""
            raise CommandError(f"{error}{cause}{NOTHING_LOADED}") from error

    def save_obj(self, obj):
        record = obj.object
        name = getattr(record, "slug", None) or getattr(record, "anchor", None) or f"pk={record.pk}"
        problems = [
            (model_field, problem)
            for model_field in record._meta.concrete_fields
            if isinstance(value := model_field.value_from_object(record), str) and (problem := unstorable(value))
        ] or stored_link_problems(record)
        if problems:
            model_field, problem = problems[0]
            raise Refused(f"{record._meta.label_lower} {name!r}, field '{model_field.name}': {problem}")
        return super().save_obj(obj)
