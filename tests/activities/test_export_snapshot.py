import io
import json
import tempfile
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import TestCase

from activities import services
from activities.models import Activity, Program, Theme
from partners.models import Agreement, Contact, Partner
from tests.activities.test_publishing import staff_user
from tests.html import PERU_PAGE, SNAPSHOT


def keys(records):
    """What a fixture holds, as (model, natural key) pairs."""
    found = set()
    for record in records:
        fields = record["fields"]
        key = fields.get("slug") or fields.get("anchor")
        found.add((record["model"], key, fields.get("archived_on")))
    return found


class ExportSnapshotTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())

    def export(self, *arguments):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "out.json"
            out = io.StringIO()
            call_command("export_snapshot", *arguments, str(path), stdout=out)
            return json.loads(path.read_text(encoding="utf-8")), out.getvalue()

    def test_the_export_holds_exactly_that_version_and_what_it_refers_to(self):
        records, said = self.export("peru", "--date", "2021-01-19")
        self.assertEqual(len(records), 38)
        self.assertIn("Wrote 38 records to ", said)
        self.assertEqual(keys(records), keys(json.loads(SNAPSHOT.read_text(encoding="utf-8"))))
        self.assertNotIn("pk", records[0])
        Theme.objects.create(slug="unused", name="Unused theme")
        records, _ = self.export("epa-collaboration-peru", "--date", "2021-01-19")
        self.assertNotIn(("activities.theme", "unused", None), keys(records))

    def test_round_trip_into_an_empty_database_gives_the_same_page(self):
        page_before = self.client.get(PERU_PAGE).content.decode()
        records, _ = self.export("Peru", "--date", "2021-01-19")
        # As a Publisher would empty the site: the snapshot whole, then what it used.
        services.delete_snapshot(Program.objects.get(), user=staff_user("publisher", "Publishers"))
        for model in (Theme, Partner, Agreement, Contact):
            model.objects.all().delete()
        self.assertEqual(self.client.get(PERU_PAGE).status_code, 404)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "export.json"
            path.write_text(json.dumps(records), encoding="utf-8")
            call_command("load_snapshot", str(path), stdout=io.StringIO())
        self.assertEqual(self.client.get(PERU_PAGE).content.decode(), page_before)
        self.assertEqual(Activity.objects.get(slug="peru-2017-12-adjudication-workshop").printed_in.slug,
                         "peru-2017-12-mercury-action-plans-workshop")

    def test_an_unknown_page_or_date_is_refused_with_the_pages_there_are(self):
        for arguments, message in (
            (("atlantis", "--date", "2021-01-19"), "No page “atlantis” dated 2021-01-19. The pages are: "
                                                     "EPA Collaboration with Peru (archived 2021-01-19)."),
            (("peru", "--date", "2020-01-01"), "No page “peru” dated 2020-01-01"),
            (("peru", "--date", "live"), "No page “peru” dated live"),
            (("peru", "--date", "yesterday"), "--date 'yesterday' is not a date"),
        ):
            with self.assertRaisesMessage(CommandError, message):
                self.export(*arguments)

    def test_a_live_version_is_exported_by_the_word_live(self):
        services.start_live_version(Program.objects.get())
        records, _ = self.export("peru", "--date", "live")
        program = next(record for record in records if record["model"] == "activities.program")
        self.assertIsNone(program["fields"]["archived_on"])
        section = next(record for record in records if record["model"] == "activities.section")
        self.assertEqual(section["fields"]["program"], ["epa-collaboration-peru", None])
