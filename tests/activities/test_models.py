import datetime
import io

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import TestCase

from activities import snapshot_rules
from activities.models import BLOCK_TYPES, Activity, Heading, Page, RichText, Theme
from tests.content import load_peru_as_live_version, past_activities
from tests.html import PERU_PAGE, SNAPSHOT, ParsedHtml


class ModelTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
        cls.page = Page.objects.get()

    def test_dated_versions_of_a_page_coexist_but_not_twice_on_one_date(self):
        slug, dated, later = self.page.slug, self.page.archived_on, datetime.date(2025, 1, 1)
        # Only the snapshot services date a page: the test takes their allowance, to reach the database's rule.
        with snapshot_rules.writable((slug, later), (slug, dated)):
            Page.objects.create(slug=slug, archived_on=later, title="Later")
            with self.assertRaises(IntegrityError), transaction.atomic():
                Page.objects.create(slug=slug, archived_on=dated, title="Dup")
        Page.objects.create(slug=slug, archived_on=None, title="Live")
        with self.assertRaises(IntegrityError), transaction.atomic():
            Page.objects.create(slug=slug, archived_on=None, title="Second live")

    def test_the_live_version_is_the_one_served(self):
        Page.objects.create(
            slug=self.page.slug, archived_on=None, title="EPA Collaboration with Peru (live)", status="published",
        )
        self.assertContains(self.client.get(PERU_PAGE), "EPA Collaboration with Peru (live)")

    def test_an_activity_is_printed_inside_one_of_its_own_page(self):
        other = Page.objects.create(slug="epa-collaboration-chile", title="Chile")
        activity = Activity.objects.get(slug="peru-2017-12-adjudication-workshop")
        activity.page = other
        with self.assertRaises(ValidationError) as raised:
            activity.full_clean()
        self.assertEqual(raised.exception.message_dict["printed_in"],
                         ["Choose an activity of the same version of the page."])

    def test_natural_keys_find_each_record(self):
        for model in (Page, *BLOCK_TYPES, Theme):
            for obj in model.objects.all():
                self.assertEqual(model.objects.get_by_natural_key(*obj.natural_key()), obj)

    def test_names_and_addresses(self):
        self.assertEqual(str(self.page), "EPA Collaboration with Peru (archived 2021-01-19)")
        # A snapshot's own address is under /archive/; the page's address shows its current version.
        archived = "/archive/2021-01-19" + PERU_PAGE
        self.assertEqual(self.page.get_absolute_url(), archived)
        self.assertEqual(self.page.page_url, PERU_PAGE)
        heading = Heading.objects.get(anchor="key-partners")
        self.assertEqual(heading.get_absolute_url(), archived)
        self.assertEqual(str(heading), "h2 Key Partners")
        self.assertEqual(str(RichText.objects.get(ordering=300)), "The following links exit the site")
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
        cls.page = Page.objects.get()

    def test_a_heading_s_anchor_is_unique_on_a_page_said_in_words(self):
        again = Heading(page=self.page, ordering=1000, anchor="past-activities", text="Again")
        with self.assertRaises(ValidationError) as raised:
            again.full_clean(exclude=["page"])  # as the page's form checks its rows
        self.assertEqual(raised.exception.messages, ["Another heading of this page has this anchor: choose another."])
        with self.assertRaises(IntegrityError), transaction.atomic():
            again.save()
        # Another page, or another version of this one, may use it.
        chile = Page.objects.create(slug="epa-collaboration-chile", title="Chile")
        Heading(page=chile, ordering=10, anchor="past-activities", text="Past Activities").full_clean()

    def test_a_heading_is_an_h2_h3_or_h4(self):
        heading = Heading.objects.get(page=self.page, anchor="past-activities")
        heading.level = 5
        with self.assertRaises(ValidationError) as raised:
            heading.full_clean()
        self.assertEqual(raised.exception.message_dict["level"], ["Value 5 is not a valid choice."])
        with self.assertRaises(IntegrityError), transaction.atomic():
            Heading.objects.filter(pk=heading.pk).update(level=5)

    def test_activity_dates_are_months(self):
        activity = Activity.objects.get(slug="peru-2017-09-inspection-training")
        activity.date = datetime.date(2017, 9, 23)
        activity.save()
        activity.refresh_from_db()
        self.assertEqual(activity.date, datetime.date(2017, 9, 1))
        with self.assertRaises(IntegrityError), transaction.atomic():
            Activity.objects.filter(pk=activity.pk).update(date=datetime.date(2017, 9, 23))

    def test_published_activities_need_a_published_page(self):
        self.assertEqual(Activity.objects.published().count(), 17)
        Activity.objects.filter(slug="peru-2017-09-inspection-training").update(status="draft")
        self.assertEqual(Activity.objects.published().count(), 16)
        Page.objects.update(status="draft")
        self.assertEqual(Activity.objects.published().count(), 0)

    def test_an_activity_whose_date_is_not_printed_is_still_listed_under_its_year(self):
        (activity,) = Activity.objects.bulk_create(past_activities(
            self.page, 1, slug="peru-2015-05-said-in-its-text", date=datetime.date(2015, 5, 1), date_prefix=False,
            text="In May 2015, a workshop was held in Lima.",
        ))
        page = ParsedHtml(self.client.get(PERU_PAGE).content.decode()).blocks
        self.assertIn("In May 2015, a workshop was held in Lima.", page, "printed without “May 2015:”")
        listing = self.client.get("/activities/2015/")
        self.assertContains(listing, f'href="/activities/{activity.slug}/"')


class PostgresIndexTests(TestCase):
    def test_listing_order_and_word_search_are_indexed_on_postgresql(self):
        from django.db import connection

        if connection.vendor != "postgresql":
            self.skipTest("these indexes exist on PostgreSQL only")
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'activities_activity'")
            names = {name for (name,) in cursor.fetchall()}
        self.assertLessEqual({"activity_listing_order", "activity_text_trigrams", "activity_title_trigrams"}, names)
