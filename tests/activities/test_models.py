import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import TestCase

from activities import snapshot_rules
from activities.models import BLOCK_TYPES, Activity, Heading, Page, RichText, Theme
from tests.factories import (
    make_activity,
    make_agreement,
    make_agreement_list,
    make_heading,
    make_item_list,
    make_link_list,
    make_page,
    make_page_contact,
    make_partner,
    make_partner_list,
    make_snapshot,
    make_text,
    make_theme,
    make_top_of_page,
)
from tests.html import listed

PAGE = "/international-cooperation/epa-collaboration-chile/"


class ModelTests(TestCase):
    """A snapshot holding a block of each type, with no live version."""

    @classmethod
    def setUpTestData(cls):
        live = make_page("EPA Collaboration with Chile", slug="epa-collaboration-chile",
                         agreements=[make_agreement()], partners=[make_partner()])
        make_text(live, "EPA and Chile have worked together since 2004.")
        make_link_list(live, "Explore our work with Chile:", from_headings=True)
        plans = make_activity(live, "A stakeholder workshop on mercury action plans, then one on adjudication.",
                              date="2017-12", themes=[make_theme("Mercury")])
        make_activity(live, "A workshop on adjudication.", slug="chile-2017-12-adjudication-workshop",
                      date="2017-12", printed_in=plans)
        make_activity(live, "On-the-job inspection of a regulated facility with Chilean inspectors.",
                      slug="chile-on-the-job-inspection", title="On-the-job inspection with Chilean inspectors")
        make_heading(live, "Key Partners")
        make_text(live, "The following links exit the site", exit_notice=True)
        make_partner_list(live)
        make_item_list(live, ["Air quality", "Water quality"])
        make_heading(live, "Agreements", level=3)
        make_agreement_list(live)
        make_page_contact(live)
        make_top_of_page(live)
        cls.page = make_snapshot(live, "2021-01-19")
        live.delete()

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
        self.assertContains(self.client.get(PAGE), '<h1 id="page-title">EPA Collaboration with Chile</h1>', html=True)
        make_page("EPA Collaboration with Chile (live)", slug=self.page.slug)
        self.assertContains(self.client.get(PAGE), '<h1 id="page-title">EPA Collaboration with Chile (live)</h1>',
                            html=True)

    def test_an_activity_is_printed_inside_one_of_its_own_page(self):
        other = Page.objects.create(slug="epa-collaboration-peru", title="Peru")
        activity = Activity.objects.get(slug="chile-2017-12-adjudication-workshop")
        activity.page = other
        with self.assertRaises(ValidationError) as raised:
            activity.full_clean()
        self.assertEqual(raised.exception.message_dict["printed_in"],
                         ["Choose an activity of the same version of the page."])

    def test_natural_keys_find_each_record(self):
        for model in (Page, *BLOCK_TYPES, Theme):
            records = model.objects.all()
            self.assertTrue(records, model)
            for obj in records:
                self.assertEqual(model.objects.get_by_natural_key(*obj.natural_key()), obj)

    def test_names_and_addresses(self):
        self.assertEqual(str(self.page), "EPA Collaboration with Chile (archived 2021-01-19)")
        # A snapshot's own address is under /archive/; the page's address shows its current version.
        archived = "/archive/2021-01-19" + PAGE
        self.assertEqual(self.page.get_absolute_url(), archived)
        self.assertEqual(self.page.page_url, PAGE)
        heading = Heading.objects.get(anchor="key-partners")
        self.assertEqual(heading.get_absolute_url(), archived)
        self.assertEqual(str(heading), "h2 Key Partners")
        self.assertEqual(str(RichText.objects.get(exit_notice=True)), "The following links exit the site")
        activity = Activity.objects.get(slug="chile-on-the-job-inspection")
        self.assertEqual(str(activity), "On-the-job inspection with Chilean inspectors")
        untitled = Activity(text="EPA Region 9 staff participated in a successful webinar with more than 20 people.")
        self.assertEqual(str(untitled), "EPA Region 9 staff participated in a successful webinar with more than …")
        self.assertEqual(self.client.get(activity.get_absolute_url().split("#")[0]).status_code, 200)


class LiveVersionModelTests(TestCase):
    """Rules shown by editing: on the live version, since a snapshot does not change."""

    @classmethod
    def setUpTestData(cls):
        cls.page = make_page("EPA Collaboration with Chile", slug="epa-collaboration-chile")
        make_heading(cls.page, "Past Activities")
        cls.training = make_activity(cls.page, "Training on environmental compliance inspections.", date="2017-09")
        make_activity(cls.page, "A workshop on promoting environmental compliance.", date="2019-06")
        make_activity(cls.page, "Online training materials for inspectors.")
        make_activity(cls.page, "A workshop not yet published.", status="draft")

    def test_a_heading_s_anchor_is_unique_on_a_page_said_in_words(self):
        again = Heading(page=self.page, ordering=1000, anchor="past-activities", text="Again")
        with self.assertRaises(ValidationError) as raised:
            again.full_clean(exclude=["page"])  # as the page's form checks its rows
        self.assertEqual(raised.exception.messages, ["Another heading of this page has this anchor: choose another."])
        with self.assertRaises(IntegrityError), transaction.atomic():
            again.save()
        # Another page, or another version of this one, may use it.
        peru = Page.objects.create(slug="epa-collaboration-peru", title="Peru")
        Heading(page=peru, ordering=10, anchor="past-activities", text="Past Activities").full_clean()

    def test_a_heading_is_an_h2_h3_or_h4(self):
        heading = Heading.objects.get(page=self.page, anchor="past-activities")
        heading.level = 5
        with self.assertRaises(ValidationError) as raised:
            heading.full_clean()
        self.assertEqual(raised.exception.message_dict["level"], ["Value 5 is not a valid choice."])
        with self.assertRaises(IntegrityError), transaction.atomic():
            Heading.objects.filter(pk=heading.pk).update(level=5)

    def test_activity_dates_are_months(self):
        activity = Activity.objects.get(pk=self.training.pk)
        activity.date = datetime.date(2017, 9, 23)
        activity.save()
        activity.refresh_from_db()
        self.assertEqual(activity.date, datetime.date(2017, 9, 1))
        with self.assertRaises(IntegrityError), transaction.atomic():
            Activity.objects.filter(pk=activity.pk).update(date=datetime.date(2017, 9, 23))

    def test_published_activities_need_a_published_page(self):
        self.assertEqual(Activity.objects.published().count(), 3)
        Activity.objects.filter(pk=self.training.pk).update(status="draft")
        self.assertEqual(Activity.objects.published().count(), 2)
        Page.objects.update(status="draft")
        self.assertEqual(Activity.objects.published().count(), 0)

    def test_an_activity_whose_date_is_not_printed_is_still_listed_under_its_year(self):
        activity = make_activity(self.page, "In May 2015, a workshop was held in Santiago.",
                                 slug="chile-2015-05-said-in-its-text", date="2015-05", date_prefix=False)
        # Printed without "May 2015:".
        self.assertContains(self.client.get(PAGE), f'<li class="activity" id="{activity.slug}">In May 2015, a workshop '
                                                   "was held in Santiago.</li>", html=True)
        self.assertEqual(listed(self.client.get("/activities/2015/").content.decode()),
                         [activity.get_absolute_url()])


class PostgresIndexTests(TestCase):
    def test_listing_order_and_word_search_are_indexed_on_postgresql(self):
        from django.db import connection

        if connection.vendor != "postgresql":
            self.skipTest("these indexes exist on PostgreSQL only")
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'activities_activity'")
            names = {name for (name,) in cursor.fetchall()}
        self.assertLessEqual({"activity_listing_order", "activity_text_trigrams", "activity_title_trigrams"}, names)
