import io
import json
import tempfile
from pathlib import Path

from django.core.management import call_command

from .html import SNAPSHOT


def dated(records, date):
    """A snapshot fixture's ``records`` as the version of another date (None:
    the live version): a page's natural key ends with its date."""
    for record in records:
        fields = record["fields"]
        if record["model"] == "activities.page":
            fields["archived_on"] = date
        for name in ("page", "printed_in"):
            if isinstance(fields.get(name), list):
                fields[name] = [*fields[name][:-1], date]
    return records


def live_version_fixture(folder):
    """The 2021 snapshot's fixture with no date: what an archivist would load
    to start the live version from that text (a snapshot is read-only)."""
    records = dated(json.loads(SNAPSHOT.read_text(encoding="utf-8")), None)
    path = Path(folder) / "peru-live.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def load_peru_as_live_version():
    """The Peru page as a live version, the one editors edit: the 2021 text
    with no snapshot date."""
    with tempfile.TemporaryDirectory() as folder:
        call_command("load_snapshot", str(live_version_fixture(folder)), stdout=io.StringIO())


def past_activities_place(page):
    """Where an activity added to the Peru page's "Past Activities" list goes:
    the ``ordering`` of its last item (those of one ordering are printed in
    the order they were added)."""
    from activities.models import Activity, Heading

    after = Heading.objects.get(page=page, anchor="agreements").ordering
    return Activity.objects.filter(page=page, ordering__lt=after).order_by("-ordering")[0].ordering


def past_activities(page, count, *, slug="extra", **fields):
    """``count`` unsaved published activities of ``page`` printed at the end of
    its "Past Activities" list, for bulk_create(); "{n}" in ``text`` and
    ``title`` is each one's number."""
    from activities.models import Activity

    ordering = past_activities_place(page)
    fields = {"status": "published", "display": "bulleted", **fields}
    text, title = fields.pop("text", "Extra activity {n}."), fields.pop("title", "")
    return [
        Activity(page=page, ordering=ordering, slug=f"{slug}-{n}", text=text.format(n=n),
                 title=title.format(n=n), **fields)
        for n in range(count)
    ]


# Two activities of the Peru page that tests change.
RAURA = "peru-2020-03-raura-mine-inspections-webinar"
LITTER = "peru-2016-09-marine-litter-pilot"


def staff_user(name, *groups):
    """A staff member of ``groups`` (Editors, Publishers)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(name, f"{name}@example.gov", "a long passphrase", is_staff=True)
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


def later(**delta):
    """Pretend the clock is ``delta`` ahead."""
    import datetime
    from unittest import mock

    from django.utils import timezone

    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + datetime.timedelta(**delta))
