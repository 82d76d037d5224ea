import datetime
import io

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import TestCase

from activities import snapshot_rules
from activities.models import Activity, Program, Section, Theme
from tests.content import load_peru_as_live_version
from tests.html import PERU_PAGE, SNAPSHOT


class ModelTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
        cls.program = Program.objects.get()

    def test_dated_versions_of_a_page_coexist_but_not_twice_on_one_date(self):
        slug, dated, later = self.program.slug, self.program.archived_on, datetime.date(2025, 1, 1)
        # Only the snapshot services date a page: the test takes their allowance, to reach the database's rule.
        with snapshot_rules.writable((slug, later), (slug, dated)):
            Program.objects.create(slug=slug, archived_on=later, title="Later", intro="x")
            with self.assertRaises(IntegrityError), transaction.atomic():
                Program.objects.create(slug=slug, archived_on=dated, title="Dup", intro="x")
        Program.objects.create(slug=slug, archived_on=None, title="Live", intro="x")
        with self.assertRaises(IntegrityError), transaction.atomic():
            Program.objects.create(slug=slug, archived_on=None, title="Second live", intro="x")

    def test_the_live_version_is_the_one_served(self):
        Program.objects.create(
            slug=self.program.slug, archived_on=None, title="EPA Collaboration with Peru (live)", intro="Today.",
            status="published",
        )
        self.assertContains(self.client.get(PERU_PAGE), "EPA Collaboration with Peru (live)")

    def test_sections_nest_one_level_on_the_same_page(self):
        governance = Section.objects.get(anchor="environmental-governance")
        nested = Section(program=self.program, parent=governance, anchor="deeper", title="Deeper")
        with self.assertRaises(ValidationError) as raised:
            nested.full_clean()
        self.assertIn("parent", raised.exception.message_dict)
        other = Program.objects.create(slug="epa-collaboration-chile", title="Chile", intro="x")
        stray = Section(program=other, parent=Section.objects.get(anchor="activities"), anchor="stray")
        with self.assertRaises(ValidationError):
            stray.full_clean()

    def test_an_activity_is_in_a_section_of_its_own_page(self):
        other = Program.objects.create(slug="epa-collaboration-chile", title="Chile", intro="x")
        activity = Activity.objects.get(slug="peru-2017-09-inspection-training")
        activity.program = other
        with self.assertRaises(ValidationError) as raised:
            activity.full_clean()
        self.assertIn("section", raised.exception.message_dict)

    def test_natural_keys_find_each_record(self):
        for model in (Program, Section, Activity, Theme):
            for obj in model.objects.all():
                self.assertEqual(model.objects.get_by_natural_key(*obj.natural_key()), obj)

    def test_names_and_addresses(self):
        self.assertEqual(str(self.program), "EPA Collaboration with Peru (archived 2021-01-19)")
        # A snapshot's own address is under /archive/; the page's address shows its current version.
        archived = "/archive/2021-01-19" + PERU_PAGE
        self.assertEqual(self.program.get_absolute_url(), archived)
        self.assertEqual(self.program.page_url, PERU_PAGE)
        section = Section.objects.get(anchor="key-partners")
        self.assertEqual(section.get_absolute_url(), archived + "#key-partners")
        self.assertEqual(str(Section.objects.get(anchor="highlights")), "(lead-in without heading, #highlights)")
        activity = Activity.objects.get(slug="peru-on-the-job-inspection")
        self.assertEqual(str(activity), "On-the-job inspection of a regulated facility with Peruvian inspectors")
        untitled = Activity(text="EPA Region 9 staff participated in a successful webinar with more than 20 people.")
        self.assertEqual(str(untitled), "EPA Region 9 staff participated in a successful webinar with more than …")
        self.assertEqual(self.client.get(activity.get_absolute_url().split("#")[0]).status_code, 200)


class LiveVersionModelTests(TestCase):
    """Rules shown by editing: on the live version, since a snapshot does not change."""

    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()
        cls.program = Program.objects.get()

    def test_anchors_are_unique_on_a_page(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            Section.objects.create(program=self.program, anchor="past-activities", title="Again")

    def test_activity_dates_are_months(self):
        activity = Activity.objects.get(slug="peru-2017-09-inspection-training")
        activity.date = datetime.date(2017, 9, 23)
        activity.save()
        activity.refresh_from_db()
        self.assertEqual(activity.date, datetime.date(2017, 9, 1))
        with self.assertRaises(IntegrityError), transaction.atomic():
            Activity.objects.filter(pk=activity.pk).update(date=datetime.date(2017, 9, 23))

    def test_activity_added_to_a_section_belongs_to_its_page(self):
        section = Section.objects.get(anchor="past-activities")
        activity = Activity.objects.create(section=section, slug="new", text="New.", status="published")
        self.assertEqual(activity.program, self.program)

    def test_published_activities_need_a_published_section_and_page(self):
        self.assertEqual(Activity.objects.published().count(), 17)
        Section.objects.filter(anchor="past-activities").update(status="draft")
        self.assertEqual(Activity.objects.published().count(), 10)
        Program.objects.update(status="draft")
        self.assertEqual(Activity.objects.published().count(), 0)


class PostgresIndexTests(TestCase):
    def test_listing_order_and_word_search_are_indexed_on_postgresql(self):
        from django.db import connection

        if connection.vendor != "postgresql":
            self.skipTest("these indexes exist on PostgreSQL only")
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'activities_activity'")
            names = {name for (name,) in cursor.fetchall()}
        self.assertLessEqual({"activity_listing_order", "activity_text_trigrams", "activity_title_trigrams"}, names)
