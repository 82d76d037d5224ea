import datetime
import io
import json
import tempfile
from pathlib import Path

from django.core import serializers
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import TestCase

from activities import services, snapshots
from activities.models import BLOCK_TYPES, Activity, Heading, Page, RichText, Theme
from core.services import publish
from partners.models import Agreement, Contact, Partner
from tests.content import RAURA, dated, staff_user
from tests.html import PERU_PAGE, SNAPSHOT, ParsedHtml

ARCHIVE = "/archive/2021-01-19" + PERU_PAGE

CONTENT_MODELS = [Page, *BLOCK_TYPES, Theme, Partner, Agreement, Contact]


def database_state():
    """Every content record, serialised, to compare before and after."""
    return serializers.serialize(
        "json", [obj for model in CONTENT_MODELS for obj in model.objects.order_by("pk")], sort_keys=True
    )


def load(path, *options):
    out = io.StringIO()
    call_command("load_snapshot", str(path), *options, stdout=out)
    return out.getvalue()


def write_fixture(records, name="peru-2021-01-19.json"):
    path = Path(tempfile.mkdtemp()) / name
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


class SnapshotFileTests(TestCase):
    def test_fixture_uses_natural_keys_only(self):
        records = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
        self.assertTrue(all("pk" not in record for record in records))
        self.assertEqual({record["model"].split(".")[0] for record in records}, {"activities", "partners"})
        for record in records:
            for name in ("page", "contact", "printed_in"):
                value = record["fields"].get(name)
                self.assertNotIsInstance(value, int, f"{record['model']}.{name} is a numeric id")

    def test_reconstructed_records_say_why(self):
        records = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
        reconstructed = [r for r in records if r["fields"].get("provenance") == "reconstructed"]
        # Partners, agreements, the Activities heading and its Top of Page link, the split activity.
        self.assertGreaterEqual(len(reconstructed), 7)
        for record in reconstructed:
            self.assertGreater(len(record["fields"]["provenance_note"]), 40, record)


class LoadSnapshotTests(TestCase):
    def test_loads_everything_and_reports_it(self):
        output = load(SNAPSHOT)
        self.assertIn("Loaded 48 records from", output)
        self.assertIn("activities.activity: 17 created", output)
        self.assertIn("activities.heading: 7 created", output)
        self.assertEqual(Activity.objects.count(), 17)
        self.assertEqual(Page.objects.get().archived_on.isoformat(), "2021-01-19")
        self.assertEqual(self.client.get(PERU_PAGE).status_code, 200)

    def test_blocks_keep_the_places_the_file_gives_them(self):
        load(SNAPSHOT)
        records = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
        in_file = [(r["model"], r["fields"]["ordering"]) for r in records if "ordering" in r["fields"]]
        stored = [(b._meta.label_lower, b.ordering) for model in BLOCK_TYPES for b in model.objects.all()]
        self.assertEqual(sorted(stored), sorted(in_file))

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
        page = Page.objects.get()
        self.assertEqual(
            {link.agreement.slug for link in page.history.get().agreements.all()},
            set(page.agreements.values_list("slug", flat=True)),
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

    def test_plain_loaddata_works_too(self):
        call_command("loaddata", str(SNAPSHOT), verbosity=0)
        self.assertEqual(Activity.objects.count(), 17)
        response = self.client.get(PERU_PAGE)
        self.assertContains(response, "Megacities Partnership for the Lima-Callao Region")
        before = database_state()
        call_command("loaddata", str(SNAPSHOT), verbosity=0)  # the same records again: nothing changes
        self.assertEqual(database_state(), before)

    def test_a_reference_further_down_the_file_is_no_difference_when_loaded_again(self):
        records = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
        printed = next(r for r in records if r["model"] == "activities.activity" and r["fields"]["printed_in"])
        records.remove(printed)
        target = next(i for i, r in enumerate(records) if r["fields"].get("slug") == printed["fields"]["printed_in"][0])
        records.insert(target, printed)  # now before the activity it is printed in
        path = write_fixture(records)
        load(path)
        self.assertIn("activities.activity: 0 created, 0 updated, 17 unchanged", load(path))


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

    def test_a_file_of_when_pages_were_called_programs_is_refused_saying_what_to_write(self):
        page = next(index for index, record in enumerate(self.records) if record["model"] == "activities.page")
        old_page = [dict(record) for record in self.records]
        old_page[page] = {**old_page[page], "model": "activities.program"}
        self.assert_refused(self.write(old_page), f"record {page + 1}", "unknown model 'activities.program'",
                            'write "activities.page" for "activities.program", and "page" for the field "program"')
        heading = next(index for index, record in enumerate(self.records) if record["model"] == "activities.heading")
        old_block = [dict(record) for record in self.records]
        fields = old_block[heading]["fields"]
        old_block[heading] = {**old_block[heading], "fields": {("program" if name == "page" else name): value
                                                              for name, value in fields.items()}}
        self.assert_refused(self.write(old_block), f"record {heading + 1}", "field 'program'",
                            "activities.heading has no such field: pages were called programs")

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
        index = self.record_index("activities.heading", "past-activities")
        self.records[index]["fields"]["page"] = ["epa-collaboration-peru", "1999-01-01"]
        self.assert_refused(
            self.write(self.records), f"record {index + 1}", "field 'page'", "refers to no activities.page"
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
        self.records[index]["fields"]["text"] = '<p>Workshop with <a href="partner:nobody">OEFA</a>.</p>'
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

    def test_a_link_that_is_no_safe_link_is_refused(self):
        index = self.record_index("activities.activity", "peru-2017-09-inspection-training")
        for target in ("/\\evil.example/p", "https://evil.example\\@www.epa.gov/", "javascript:alert`1`"):
            with self.subTest(target=target):
                self.records[index]["fields"]["text"] = f'<p>Workshop with <a href="{target}">OEFA</a>.</p>'
                self.assert_refused(
                    self.write(self.records), f"record {index + 1}", "'peru-2017-09-inspection-training'",
                    "field 'text'", f"“OEFA” links to {target}: ",
                )
        self.records[index]["fields"]["text"] = "<p>Workshop.</p>"
        partner = self.record_index("partners.partner", "oefa")
        self.records[partner]["fields"]["url"] = "https://www.epa.gov@evil.example/"
        self.assert_refused(self.write(self.records), f"record {partner + 1}", "field 'url'",
                            "browsers go to evil.example")

    def test_text_no_database_stores_is_refused_on_every_database(self):
        index = self.record_index("activities.activity", "peru-2017-09-inspection-training")
        fields = self.records[index]["fields"]
        unstorable = {"Work\x00shop": "a NUL character (U+0000)", "Work\ud800shop": "a lone surrogate (U+D800)"}
        for text, expected in unstorable.items():
            with self.subTest(expected=expected):
                fields["title"] = text
                self.assert_refused(self.write(self.records), f"record {index + 1}", "field 'title'", expected,
                                    "a database does not store")
        fields["title"] = ""
        fields["themes"] = [["mercury\x00"]]
        self.assert_refused(self.write(self.records), f"record {index + 1}", "field 'themes'", "NUL")

    def test_a_file_nested_too_deep_is_refused(self):
        index = self.record_index("activities.activity", "peru-2017-09-inspection-training")
        deep = "x"
        for _ in range(20):
            deep = [deep]
        self.records[index]["fields"]["themes"] = deep
        self.assert_refused(self.write(self.records), f"record {index + 1}", "field 'themes'",
                            "nested deeper than 10 levels")
        # Deeper than Python's JSON reader goes: it is refused whole, naming the file.
        self.assert_refused(self.write("[" * 100_000 + "]" * 100_000), "nested deeper than 10 levels")

    def test_a_file_too_large_is_refused_before_it_is_read(self):
        path = self.write(self.records)
        with self.settings(SNAPSHOT_MAX_BYTES=1000):
            self.assert_refused(path, "larger than 1,000 bytes, the most a snapshot file may hold")

    def test_odd_json_is_refused_in_words(self):
        self.assert_refused(self.write("[" + "1" * 5000 + "]"), "not valid JSON", "4300 digits")
        index = self.record_index("activities.heading", "past-activities")
        self.records[index]["fields"]["page"] = {"slug": "epa-collaboration-peru"}
        self.assert_refused(self.write(self.records), f"record {index + 1}", "field 'page'",
                            "a natural key is a text, or a list of texts")

    def test_a_record_that_breaks_a_database_rule_is_refused_in_words(self):
        dated(self.records, "2022-06-01")  # a new snapshot: its records are written, then checked
        index = self.record_index("activities.heading", "environmental-governance")  # the second of two headings
        self.records[index]["fields"]["level"] = 5
        # The database refuses it; the model's rule says why.
        self.assert_refused(self.write(self.records), f"record {index + 1}", "'environmental-governance'",
                            "A heading is an h2, h3 or h4.")

    def test_a_heading_anchor_given_twice_on_a_page_is_refused_in_words(self):
        dated(self.records, "2022-06-01")
        index = self.record_index("activities.heading", "environmental-governance")
        self.records[index]["fields"]["anchor"] = "activities"  # the heading before it has this anchor
        self.assert_refused(self.write(self.records), f"record {index + 1} (activities.heading 'activities')",
                            "Another heading of this page has this anchor: choose another.")

    def test_a_block_without_slug_or_anchor_is_named_by_its_place(self):
        index = next(i for i, r in enumerate(self.records) if r["model"] == "activities.richtext")
        self.records[index]["fields"]["text"] = '<p>See <a href="partner:nobody">OEFA</a>.</p>'
        self.assert_refused(self.write(self.records), f"record {index + 1} (activities.richtext at ordering 10), "
                            "field 'text'", "nobody")


class SnapshotDifferenceTests(TestCase):
    """A snapshot already in the database does not change: a file that differs
    from it is refused whole, unless a Publisher replaces it on purpose."""

    @classmethod
    def setUpTestData(cls):
        load(SNAPSHOT)
        cls.editor = staff_user("editor", "Editors")
        cls.publisher = staff_user("publisher", "Publishers")

    def setUp(self):
        self.records = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
        self.before = database_state()

    def record(self, model, key):
        fields = ("slug", "anchor")
        return next(r for r in self.records if r["model"] == model and key in map(r["fields"].get, fields))

    def assert_refused(self, path, *expected, options=()):
        with self.assertRaises(CommandError) as refused:
            load(path, *options)
        message = str(refused.exception)
        for fragment in expected:
            self.assertIn(fragment, message)
        self.assertIn("Nothing was loaded", message)
        self.assertEqual(database_state(), self.before)
        return message

    def opening_text(self):
        return next(r for r in self.records if r["model"] == "activities.richtext")

    def test_a_changed_record_is_refused_naming_it(self):
        self.opening_text()["fields"]["text"] = "Changed in the file."
        message = self.assert_refused(
            write_fixture(self.records),
            "record 14 (activities.richtext at ordering 10): differs from the snapshot "
            "“EPA Collaboration with Peru” of 2021-01-19 already in the database (1 difference in all).",
            "a Publisher loads the file with --replace --user",
        )
        self.assertNotIn("Changed in the file.", self.client.get(ARCHIVE).content.decode(), message)

    def test_new_records_for_the_snapshot_date_are_differences(self):
        page = ["epa-collaboration-peru", "2021-01-19"]
        template = self.record("activities.activity", "peru-2016-09-marine-litter-pilot")
        for n in range(50):
            added = json.loads(json.dumps(template))
            added["fields"].update(slug=f"generated-{n}", ordering=1000 + n, text=f"A generated workshop, number {n}.")
            self.records.append(added)
        heading = {"page": page, "ordering": 2000, "anchor": "news", "text": "News"}
        self.records.append({"model": "activities.heading", "fields": heading})
        self.assert_refused(
            write_fixture(self.records),
            "record 49 (activities.activity 'generated-0'): is not in the snapshot “EPA Collaboration with Peru” "
            "of 2021-01-19 already in the database (51 differences in all)",
        )
        self.assertEqual(Activity.objects.count(), 17)

    def test_records_the_file_lacks_are_differences(self):
        self.records.remove(self.record("activities.activity", "peru-2016-09-marine-litter-pilot"))
        self.assert_refused(
            write_fixture(self.records),
            "activities.activity 'peru-2016-09-marine-litter-pilot' of the snapshot “EPA Collaboration with Peru” "
            "of 2021-01-19 is in the database but not in the file (1 difference in all)",
        )
        self.records = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
        self.records.remove(next(r for r in self.records if r["model"] == "activities.topofpage"))
        self.assert_refused(
            write_fixture(self.records),
            "activities.topofpage at ordering 180 of the snapshot “EPA Collaboration with Peru” of 2021-01-19 "
            "is in the database but not in the file (1 difference in all)",
        )

    def test_blocks_moved_in_the_file_are_differences(self):
        for record in self.records:
            if "ordering" in record["fields"]:
                record["fields"]["ordering"] += 5
        # A block is known by its place: each moved one is new to the snapshot, and its old place is missing;
        # an activity, known by its slug, differs.
        self.assert_refused(
            write_fixture(self.records),
            "record 14 (activities.richtext at ordering 15): is not in the snapshot “EPA Collaboration with Peru” "
            "of 2021-01-19 already in the database (53 differences in all)",
        )

    def test_replace_needs_a_publisher_named_with_user(self):
        self.opening_text()["fields"]["text"] = "Changed in the file."
        path = write_fixture(self.records)
        self.assert_refused(path, "--replace needs --user naming a Publisher", options=["--replace"])
        self.assert_refused(path, "--user: there is no user 'nobody'", options=["--replace", "--user", "nobody"])
        self.assert_refused(path, "Only Publishers may replace a snapshot: editor is not one.",
                            options=["--replace", "--user", "editor"])

    def test_a_publisher_replaces_the_snapshot_with_exactly_what_the_file_holds(self):
        self.opening_text()["fields"]["text"] = "Replaced in the file."
        self.records.remove(self.record("activities.activity", "peru-2016-09-marine-litter-pilot"))
        self.records.remove(next(r for r in self.records if r["model"] == "activities.topofpage"))
        self.record("activities.page", "epa-collaboration-peru")["fields"]["title"] = "EPA and Peru"
        raura = self.record("activities.activity", RAURA)["fields"]
        raura["themes"] = [["mercury"]]
        added = json.loads(json.dumps(self.record("activities.activity", RAURA)))
        added["fields"].update(slug="peru-2020-04-added-workshop", text="An added workshop.", ordering=35)
        self.records.append(added)
        path = write_fixture(self.records)
        output = load(path, "--replace", "--user", "publisher")
        self.assertIn("activities.activity: 1 created, 1 updated, 15 unchanged, 1 removed", output)
        self.assertIn("activities.richtext: 0 created, 1 updated, 4 unchanged", output)
        self.assertIn("activities.topofpage: 0 created, 0 updated, 3 unchanged, 1 removed", output)
        self.assertIn("activities.page: 0 created, 1 updated", output)
        snapshot = Page.objects.get()
        self.assertEqual(snapshot.title, "EPA and Peru")
        self.assertEqual(set(Activity.objects.get(slug=RAURA).themes.values_list("slug", flat=True)), {"mercury"})
        self.assertFalse(Activity.objects.filter(slug="peru-2016-09-marine-litter-pilot").exists())
        archive = ParsedHtml(self.client.get(ARCHIVE).content.decode()).blocks
        raura_at = next(i for i, block in enumerate(archive) if "Raura Mine" in block)
        self.assertEqual(archive[raura_at + 1], "March 2020: An added workshop.", "printed where the file places it")
        self.assertIn("Replaced in the file.", archive)
        # Every change is in the history, with the file and the Publisher.
        reason = "Loaded from peru-2021-01-19.json with --replace"
        removed = Activity.history.get(slug="peru-2016-09-marine-litter-pilot", history_type="-")
        changed = snapshot.history.latest("history_date")
        created = Activity.history.get(slug="peru-2020-04-added-workshop")
        text = RichText.history.filter(text="Replaced in the file.").get()
        for entry, kind in ((removed, "-"), (changed, "~"), (created, "+"), (text, "~")):
            self.assertEqual((entry.history_type, entry.history_user, entry.history_change_reason),
                             (kind, self.publisher, reason))
        # The same file again changes nothing and writes no history, with or without --replace.
        state = database_state()
        entries = sum(model.history.count() for model in (Page, *BLOCK_TYPES))
        again = load(path, "--replace", "--user", "publisher")
        self.assertIn("activities.activity: 0 created, 0 updated, 17 unchanged", again)
        load(path)
        self.assertEqual((database_state(), sum(model.history.count() for model in (Page, *BLOCK_TYPES))),
                         (state, entries))

    def test_a_replacing_file_may_move_every_block(self):
        # As a page's form numbers its blocks anew: a paragraph put first moves every other block on.
        for record in self.records:
            if "ordering" in record["fields"]:
                record["fields"]["ordering"] += 10
        first = json.loads(json.dumps(self.opening_text()))
        first["fields"].update(ordering=10, text="A paragraph put first.")
        self.records.append(first)
        words_before = ParsedHtml(self.client.get(ARCHIVE).content.decode()).blocks
        load(write_fixture(self.records), "--replace", "--user", "publisher")
        words_after = ParsedHtml(self.client.get(ARCHIVE).content.decode()).blocks
        at = words_after.index("A paragraph put first.")
        self.assertEqual(words_after[:at] + words_after[at + 1:], words_before)
        self.assertEqual(Heading.objects.count(), 7, "each heading once, in its new place")
        self.assertEqual(
            list(Heading.objects.order_by("ordering").values_list("anchor", "ordering"))[:2],
            [("activities", 60), ("environmental-governance", 70)],
        )

    def test_a_replacing_file_may_drop_an_activity_another_was_printed_in(self):
        self.records.remove(self.record("activities.activity", "peru-2017-12-mercury-action-plans-workshop"))
        self.record("activities.activity", "peru-2017-12-adjudication-workshop")["fields"]["printed_in"] = None
        output = load(write_fixture(self.records), "--replace", "--user", "publisher")
        self.assertIn("activities.activity: 0 created, 1 updated, 15 unchanged, 1 removed", output)
        kept = Activity.objects.get(slug="peru-2017-12-adjudication-workshop")
        self.assertIsNone(kept.printed_in)
        latest = kept.history.latest("history_date")
        self.assertEqual((latest.printed_in_id, latest.history_user), (None, self.publisher))
        self.assertContains(self.client.get(ARCHIVE), "a capacity-building workshop was organized")

    def test_a_replacing_file_holds_the_whole_snapshot(self):
        self.records.remove(self.record("activities.activity", "peru-2017-12-mercury-action-plans-workshop"))
        # The activity printed inside it is still in the file, and refers to it.
        printed = next(i for i, r in enumerate(self.records) if r["fields"].get("slug") == "peru-2017-12-adjudication-workshop")
        self.assert_refused(
            write_fixture(self.records),
            f"record {printed + 1} (activities.activity 'peru-2017-12-adjudication-workshop'), field 'printed_in': "
            "refers to activities.activity 'peru-2017-12-mercury-action-plans-workshop' of the snapshot "
            "“EPA Collaboration with Peru” of 2021-01-19, which the file does not hold: "
            "a file that replaces a snapshot holds all of it",
            options=["--replace", "--user", "publisher"],
        )


class LoaddataTests(TestCase):
    """Django's own loaddata keeps the same rule: a new snapshot loads, an existing one does not change."""

    @classmethod
    def setUpTestData(cls):
        call_command("loaddata", str(SNAPSHOT), verbosity=0)

    def setUp(self):
        self.records = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
        # A new record first, so that a load that did not roll back would leave it behind.
        self.records.insert(0, {"model": "activities.theme", "fields": {"slug": "new-theme", "name": "New theme"}})
        self.before = database_state()

    def assert_refused(self, *expected, path=None):
        with self.assertRaises(CommandError) as refused:
            call_command("loaddata", str(path or write_fixture(self.records)), verbosity=0)
        for fragment in expected:
            self.assertIn(fragment, str(refused.exception))
        self.assertEqual(database_state(), self.before)
        self.assertFalse(Theme.objects.filter(slug="new-theme").exists())

    def test_a_fixture_that_changes_the_snapshot_is_refused_whole(self):
        activity = next(r for r in self.records if r["fields"].get("slug") == RAURA)
        activity["fields"]["text"] = "Changed by loaddata."
        self.assert_refused(
            "Cannot change the activity “Webinar with OEFA on inspections of the Raura Mine”",
            "the snapshot “EPA Collaboration with Peru” of 2021-01-19 is read-only",
            "Start a live draft", "load_snapshot --replace", "Nothing was loaded",
        )

    def test_a_fixture_that_adds_to_the_snapshot_is_refused_whole(self):
        added = json.loads(json.dumps(next(r for r in self.records if r["fields"].get("slug") == RAURA)))
        added["fields"]["slug"] = "peru-2020-04-added-workshop"
        self.records.append(added)
        self.assert_refused("Cannot add the activity", "of 2021-01-19 is read-only")

    def test_a_fixture_that_changes_links_of_the_snapshot_is_refused_whole(self):
        activity = next(r for r in self.records if r["fields"].get("slug") == RAURA)
        activity["fields"]["themes"] = [["mercury"]]
        self.assert_refused("Cannot change the themes of the activity", "of 2021-01-19 is read-only")

    def test_a_fixture_for_a_new_date_loads_and_is_then_read_only(self):
        call_command("loaddata", str(write_fixture(dated(self.records, "2022-06-01"))), verbosity=0)
        later = Page.objects.get(archived_on="2022-06-01")
        self.assertEqual(later.activities.count(), 17)
        self.assertEqual(later.activities.filter(themes__isnull=False).distinct().count(), 17)
        self.assertEqual(self.client.get("/archive/2022-06-01" + PERU_PAGE).status_code, 200)
        activity = later.activities.get(slug=RAURA)
        activity.text = "Changed afterwards."
        with self.assertRaisesMessage(PermissionDenied, "of 2022-06-01 is read-only"):
            activity.save()

    def test_a_frozen_or_replaced_snapshot_loads_again_unchanged(self):
        publisher = staff_user("publisher", "Publishers")
        live = services.start_live_version(Page.objects.get(), user=publisher)
        publish(live, user=publisher)
        Activity.objects.filter(page=live, slug=RAURA).update(text="Edited before the freeze.")
        frozen = services.freeze_snapshot(Page.objects.get(pk=live.pk), archived_on=datetime.date(2026, 11, 1),
                                          user=publisher)
        exported = write_fixture(snapshots.export_snapshot(frozen))
        before = database_state()
        call_command("loaddata", str(exported), verbosity=0)
        self.assertEqual(database_state(), before, "nothing changed, nothing refused")
        changed = json.loads(exported.read_text())
        next(r for r in changed if r["fields"].get("slug") == RAURA)["fields"]["text"] = "Corrected."
        load(write_fixture(changed), "--replace", "--user", "publisher")
        call_command("loaddata", str(write_fixture(changed)), verbosity=0)

    def test_a_link_that_is_no_safe_link_is_refused_whole(self):
        # A live version's records, which loaddata may change: only the link is wrong.
        records = dated(self.records, None)
        activity = next(r for r in records if r["fields"].get("slug") == RAURA)
        activity["fields"]["text"] = '<p>A <a href="javascript:alert`1`">webinar</a>.</p>'
        path = write_fixture(records)
        self.assert_refused(
            f"Problem installing fixture '{path}': activities.activity '{RAURA}', field 'text': "
            "“webinar” links to javascript:alert`1`: javascript: links are not allowed", "Nothing was loaded",
            path=path,
        )
        self.assertFalse(Page.objects.filter(archived_on=None).exists())

    def test_text_no_database_stores_is_refused_whole_on_every_database(self):
        records = dated(self.records, None)
        next(r for r in records if r["fields"].get("slug") == RAURA)["fields"]["title"] = "Web\x00inar"
        self.assert_refused(f"activities.activity '{RAURA}', field 'title': holds a NUL character (U+0000), "
                            "which a database does not store", "Nothing was loaded", path=write_fixture(records))

    def test_a_file_that_is_no_fixture_is_refused_in_words(self):
        path = write_fixture([])
        path.write_text("[" * 100_000 + "]" * 100_000)
        self.assert_refused(f"Problem installing fixture '{path}'", "maximum recursion depth exceeded",
                            "Nothing was loaded", path=path)

    def test_a_fixture_cannot_date_the_live_version(self):
        live = services.start_live_version(Page.objects.get())
        record = json.loads(serializers.serialize("json", [live]))[0]  # as dumpdata writes it, by id
        record["fields"]["archived_on"] = "2030-01-01"
        with self.assertRaisesMessage(CommandError, "date the live version"):
            call_command("loaddata", str(write_fixture([record])), verbosity=0)
        self.assertIsNone(Page.objects.get(pk=live.pk).archived_on)


class RevisionTests(TestCase):
    """A record's revision (what edit forms are checked against) survives a load."""

    @classmethod
    def setUpTestData(cls):
        call_command("loaddata", str(SNAPSHOT), verbosity=0)

    def test_loaddata_keeps_a_records_revision_and_moves_it_on_only_if_it_changes(self):
        mercury = Theme.objects.get(slug="mercury")
        for description in ("One.", "Two."):
            mercury.description = description
            mercury.save()
        mercury.refresh_from_db()
        record = json.loads(serializers.serialize("json", [mercury], use_natural_primary_keys=True))
        call_command("loaddata", str(write_fixture(record)), verbosity=0)
        self.assertEqual(Theme.objects.get(pk=mercury.pk).revision, mercury.revision, "unchanged")
        record[0]["fields"]["description"] = "Three."
        call_command("loaddata", str(write_fixture(record)), verbosity=0)
        self.assertEqual(Theme.objects.get(pk=mercury.pk).revision, mercury.revision + 1)

    def test_two_saves_made_from_one_read_both_count(self):
        first, second = Theme.objects.get(slug="mercury"), Theme.objects.get(slug="mercury")
        read = first.revision
        first.description, second.name = "Saved first.", "Mercury, saved second"
        first.save()
        second.save()
        self.assertEqual((first.revision, second.revision), (read + 1, read + 2))
        self.assertEqual(Theme.objects.get(pk=first.pk).revision, read + 2)
