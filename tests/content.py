import io

from django.core.management import call_command

from activities.models import Program

from .html import SNAPSHOT


def load_peru_as_live_version():
    """The Peru page as a live version, the one editors edit: the 2021 text
    with no snapshot date (a snapshot is read-only)."""
    call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
    Program.objects.update(archived_on=None)
