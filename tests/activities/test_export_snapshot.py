import io
import json
import tempfile
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import TestCase

from activities import services
from activities.models import Activity, Page, RichText, Theme
from partners.models import Agreement, Contact, Partner
from tests.content import staff_user
from tests.html import PERU_PAGE, SNAPSHOT


def keys(records):
    """What a fixture holds, as (model, natural key) pairs: a block is known by its place."""
    found = set()
    for record in records:
        fields = record["fields"]
        key = fields.get("slug") or fields.get("ordering")
        found.add((record["model"], key, fields.get("archived_on")))
    return found


def blocks(records):
    """The blocks of a fixture, in its order, as (model, place, page)."""
    return [(r["model"], r["fields"]["ordering"], r["fields"]["page"]) for r in records if "ordering" in r["fields"]]


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
        self.assertEqual(len(records), 48)
        self.assertIn("Wrote 48 records to ", said)
        self.assertEqual(keys(records), keys(json.loads(SNAPSHOT.read_text(encoding="utf-8"))))
        self.assertNotIn("pk", records[0])
        Theme.objects.create(slug="unused", name="Unused theme")
        records, _ = self.export("epa-collaboration-peru", "--date", "2021-01-19")
        self.assertNotIn(("activities.theme", "unused", None), keys(records))

    def test_round_trip_into_an_empty_database_gives_the_same_page(self):
        page_before = self.client.get(PERU_PAGE).content.decode()
        records, _ = self.export("Peru", "--date", "2021-01-19")
        # As a Publisher would empty the site: the snapshot whole, then what it used.
        services.delete_snapshot(Page.objects.get(), user=staff_user("publisher", "Publishers"))
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
        again, _ = self.export("Peru", "--date", "2021-01-19")
        self.assertEqual(again, records, "the same records, blocks included, in the same order")

    def test_the_blocks_come_in_the_order_the_page_prints_them(self):
        records, _ = self.export("peru", "--date", "2021-01-19")
        places = [place for _, place, _ in blocks(records)]
        printed_inside = next(i for i, r in enumerate(records) if r["fields"].get("printed_in"))
        self.assertEqual(printed_inside, len(records) - 1, "after the activity it is printed in")
        self.assertEqual(places[:-1], sorted(places[:-1]))
        self.assertEqual(blocks(records), blocks(json.loads(SNAPSHOT.read_text(encoding="utf-8"))))
        contact_block = next(i for i, r in enumerate(records) if r["model"] == "activities.pagecontact")
        contact = next(i for i, r in enumerate(records) if r["model"] == "partners.contact")
        self.assertEqual(records[contact_block]["fields"]["contact"], [records[contact]["fields"]["slug"]])
        self.assertLess(contact, contact_block, "what a block refers to comes first")

    def test_the_partners_a_page_lists_or_links_to_come_along(self):
        live = services.start_live_version(Page.objects.get())
        linked = Partner.objects.create(slug="sunass", name="SUNASS", status="published")
        listed = Partner.objects.create(slug="ana", name="ANA", status="published")
        live.partners.add(listed)
        RichText.objects.create(page=live, ordering=15, text='<p>With <a href="partner:sunass">SUNASS</a>.</p>')
        records, _ = self.export("peru", "--date", "live")
        self.assertLessEqual({("partners.partner", linked.slug, None), ("partners.partner", listed.slug, None)},
                             keys(records))

    def test_two_blocks_of_one_kind_in_one_place_are_refused_in_words(self):
        live = services.start_live_version(Page.objects.get())
        RichText.objects.create(page=live, ordering=10, text="A second text in the first one's place.")
        with self.assertRaisesMessage(CommandError, "two texts of it stand at ordering 10, and a block is known "
                                                    "by its place"):
            self.export("peru", "--date", "live")

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
        services.start_live_version(Page.objects.get())
        records, _ = self.export("peru", "--date", "live")
        page = next(record for record in records if record["model"] == "activities.page")
        self.assertIsNone(page["fields"]["archived_on"])
        for model, _, page_key in blocks(records):
            self.assertEqual(page_key, ["epa-collaboration-peru", None], model)
