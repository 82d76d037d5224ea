import io
import json
import tempfile
from pathlib import Path

from django.core import serializers
from django.core.management import CommandError, call_command
from django.test import TestCase

from activities.models import Activity, Program, Section, Theme
from partners.models import Agreement, Contact, Partner
from tests.html import PERU_PAGE, SNAPSHOT

CONTENT_MODELS = [Program, Section, Activity, Theme, Partner, Agreement, Contact]


def database_state():
    """Every content record, serialised, to compare before and after."""
    return serializers.serialize(
        "json", [obj for model in CONTENT_MODELS for obj in model.objects.order_by("pk")], sort_keys=True
    )


def load(path, *options):
    out = io.StringIO()
    call_command("load_snapshot", str(path), *options, stdout=out)
    return out.getvalue()


class SnapshotFileTests(TestCase):
    def test_fixture_uses_natural_keys_only(self):
        records = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
        self.assertTrue(all("pk" not in record for record in records))
        self.assertEqual({record["model"].split(".")[0] for record in records}, {"activities", "partners"})
        for record in records:
            for name in ("program", "section", "contact", "parent", "printed_in"):
                value = record["fields"].get(name)
                self.assertNotIsInstance(value, int, f"{record['model']}.{name} is a numeric id")

    def test_reconstructed_records_say_why(self):
        records = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
        reconstructed = [r for r in records if r["fields"].get("provenance") == "reconstructed"]
        self.assertGreaterEqual(len(reconstructed), 5)  # partners, agreements, the Activities heading, the split activity
        for record in reconstructed:
            self.assertGreater(len(record["fields"]["provenance_note"]), 40, record)


class LoadSnapshotTests(TestCase):
    def test_loads_everything_and_reports_it(self):
        output = load(SNAPSHOT)
        self.assertIn("Loaded 38 records from", output)
        self.assertIn("activities.activity: 17 created", output)
        self.assertEqual(Activity.objects.count(), 17)
        self.assertEqual(Program.objects.get().archived_on.isoformat(), "2021-01-19")
        self.assertEqual(self.client.get(PERU_PAGE).status_code, 200)

    def test_every_loaded_record_passes_full_clean(self):
        load(SNAPSHOT)
        for model in CONTENT_MODELS:
            for obj in model.objects.all():
                with self.subTest(record=str(obj)):
                    obj.full_clean()

    def test_each_record_has_a_history_entry_with_its_links(self):
        load(SNAPSHOT)
        activity = Activity.objects.get(slug="peru-2019-08-eab-adjudication-course")
        (entry,) = activity.history.all()
        self.assertEqual((entry.history_type, entry.history_change_reason), ("+", "Loaded from peru-2021-01-19.json"))
        self.assertEqual([link.theme.slug for link in entry.themes.all()], ["adjudication"])
        program = Program.objects.get()
        self.assertEqual(
            {link.agreement.slug for link in program.history.get().agreements.all()},
            set(program.agreements.values_list("slug", flat=True)),
        )

    def test_a_reference_to_a_record_further_down_the_file_is_kept(self):
        records = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
        printed = next(r for r in records if r["model"] == "activities.activity" and r["fields"]["printed_in"])
        records.remove(printed)
        target = next(i for i, r in enumerate(records) if r["fields"].get("slug") == printed["fields"]["printed_in"][0])
        records.insert(target, printed)  # now before the activity it is printed in
        path = Path(tempfile.mkdtemp()) / "reordered.json"
        path.write_text(json.dumps(records), encoding="utf-8")
        load(path)
        activity = Activity.objects.get(slug=printed["fields"]["slug"])
        self.assertEqual(activity.printed_in.slug, printed["fields"]["printed_in"][0])

    def test_loading_twice_changes_nothing(self):
        load(SNAPSHOT)
        before = database_state()
        output = load(SNAPSHOT)
        self.assertEqual(database_state(), before)
        self.assertIn("activities.activity: 0 created, 0 updated, 17 unchanged", output)

    def test_a_changed_snapshot_is_refused_unless_replace_is_given(self):
        load(SNAPSHOT)
        Program.objects.update(intro="Changed by an editor.")
        with self.assertRaisesMessage(
            CommandError,
            "record 13 (activities.program 'epa-collaboration-peru'): differs from the snapshot of 2021-01-19 "
            "already in the database (1 records would change); load with --replace to overwrite that snapshot",
        ):
            load(SNAPSHOT)
        self.assertEqual(Program.objects.get().intro, "Changed by an editor.", "nothing was loaded")
        output = load(SNAPSHOT, "--replace")
        self.assertIn("activities.program: 0 created, 1 updated", output)
        self.assertTrue(Program.objects.get().intro.startswith("The U.S.-Peru Trade Promotion Agreement"))

    def test_plain_loaddata_works_too(self):
        call_command("loaddata", str(SNAPSHOT), verbosity=0)
        self.assertEqual(Activity.objects.count(), 17)
        response = self.client.get(PERU_PAGE)
        self.assertContains(response, "Megacities Partnership for the Lima-Callao Region")


class BrokenSnapshotTests(TestCase):
    """A broken fixture is refused whole: the message names file, record and field."""

    @classmethod
    def setUpTestData(cls):
        # An earlier snapshot is in the database; a failed load must leave it as it is.
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())

    def setUp(self):
        self.records = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
        # A new record first, so that a load that did not roll back would leave it behind.
        self.records.insert(0, {"model": "activities.theme", "fields": {"slug": "new-theme", "name": "New theme"}})
        self.before = database_state()

    def write(self, content):
        directory = Path(tempfile.mkdtemp())
        path = directory / "broken.json"
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
        return path

    def assert_refused(self, path, *expected):
        with self.assertRaises(CommandError) as refused:
            load(path)
        message = str(refused.exception)
        self.assertIn(str(path), message)
        for fragment in expected:
            self.assertIn(fragment, message)
        self.assertIn("Nothing was loaded", message)
        self.assertEqual(database_state(), self.before)
        self.assertFalse(Theme.objects.filter(slug="new-theme").exists())
        return message

    def record_index(self, model, key):
        for index, record in enumerate(self.records):
            fields = record["fields"]
            if record["model"] == model and key in (fields.get("slug"), fields.get("anchor")):
                return index
        raise LookupError(key)

    def test_bad_json(self):
        path = self.write(json.dumps(self.records)[:-20])
        self.assert_refused(path, "not valid JSON", "line 1")

    def test_unknown_model(self):
        self.records.append({"model": "activities.workshop", "fields": {"slug": "x"}})
        self.assert_refused(self.write(self.records), f"record {len(self.records)}", "unknown model 'activities.workshop'")

    def test_unknown_field(self):
        index = self.record_index("activities.activity", "peru-2016-09-marine-litter-pilot")
        self.records[index]["fields"]["venue"] = "Lima"
        self.assert_refused(
            self.write(self.records), f"record {index + 1}", "'peru-2016-09-marine-litter-pilot'", "field 'venue'"
        )

    def test_reference_to_nothing(self):
        index = self.record_index("activities.section", "past-activities")
        self.records[index]["fields"]["program"] = ["epa-collaboration-peru", "1999-01-01"]
        self.assert_refused(
            self.write(self.records), f"record {index + 1}", "field 'program'", "refers to no activities.program"
        )

    def test_many_to_many_reference_to_nothing(self):
        index = self.record_index("activities.activity", "peru-2019-08-eab-adjudication-course")
        self.records[index]["fields"]["themes"] = [["adjudication"], ["astrology"]]
        self.assert_refused(self.write(self.records), f"record {index + 1}", "field 'themes'", '["astrology"]')

    def test_bad_value(self):
        index = self.record_index("activities.activity", "peru-2017-09-inspection-training")
        self.records[index]["fields"]["date"] = "2017-13-01"
        self.assert_refused(self.write(self.records), f"record {index + 1}", "field 'date'")

    def test_value_that_fails_validation(self):
        index = self.record_index("activities.activity", "peru-2017-09-inspection-training")
        self.records[index]["fields"]["text"] = "Workshop with [OEFA](partner:nobody)."
        self.assert_refused(self.write(self.records), f"record {index + 1}", "field 'text'", "nobody")

    def test_a_record_given_twice_is_refused(self):
        index = self.record_index("activities.theme", "mercury")
        self.records.append(dict(self.records[index]))
        self.assert_refused(
            self.write(self.records), f"record {len(self.records)}", f"repeats the natural key of record {index + 1}"
        )

    def test_numeric_ids_and_non_content_are_refused(self):
        self.records.append({"model": "auth.user", "fields": {"username": "intruder"}})
        self.assert_refused(self.write(self.records), "auth.user is not content")
        self.records[-1] = {"model": "activities.theme", "pk": 7, "fields": {"slug": "t", "name": "T"}}
        self.assert_refused(self.write(self.records), "numeric ids are not allowed")

    def test_missing_file(self):
        with self.assertRaises(CommandError) as refused:
            load("fixtures/no-such-snapshot.json")
        self.assertIn("fixtures/no-such-snapshot.json: cannot be read", str(refused.exception))

    def test_a_record_that_breaks_a_database_rule_is_refused(self):
        index = self.record_index("activities.section", "past-activities")
        fields = self.records[index]["fields"]
        fields["parent"] = [fields["anchor"], *fields["program"]]
        # The database's own rule refuses it; its name says which rule.
        self.assert_refused(self.write(self.records), f"record {index + 1}", "'past-activities'", "section_not_own_parent")
