import datetime
import io
import json

from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test import TestCase
from django.urls import reverse

from activities import selectors, services, snapshot_rules
from activities.models import BLOCK_TYPES, Activity, Heading, Page, RichText, Theme, TopOfPage
from activities.snapshot_rules import SnapshotChangeRefused
from core.services import publish
from partners.models import Agreement, Contact, Partner
from tests.activities.test_load_snapshot import database_state, load, write_fixture
from tests.content import LITTER, RAURA, staff_user
from tests.forms import admin_action, confirm
from tests.html import ARCHIVED_PERU_PAGE, PERU_PAGE, SNAPSHOT, ParsedHtml

SNAPSHOT_NAMED = "the snapshot “EPA Collaboration with Peru” of 2021-01-19 is read-only"


class SnapshotRulesTestCase(TestCase):
    """The 2021 snapshot, and a live version started from it."""

    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
        cls.snapshot = Page.objects.get()
        cls.publisher = staff_user("publisher", "Publishers")
        cls.editor = staff_user("editor", "Editors")
        cls.live = services.start_live_version(cls.snapshot, user=cls.publisher)

    def setUp(self):
        self.activity = Activity.objects.get(page=self.snapshot, slug=RAURA)
        self.heading = Heading.objects.get(page=self.snapshot, anchor="past-activities")
        self.live_activity = Activity.objects.get(page=self.live, slug=RAURA)
        self.live_heading = Heading.objects.get(page=self.live, anchor="past-activities")
        self.before = database_state()

    def first_blocks(self, page):
        """The first block of each kind that ``page``'s body holds."""
        return [block for model in BLOCK_TYPES if (block := model.objects.filter(page=page).first())]

    def refused(self, *fragments, named=SNAPSHOT_NAMED):
        """Asserts that the block is refused in words, and that nothing changed."""
        test = self

        class Refused:
            def __enter__(self):
                self.raised = test.assertRaises(SnapshotChangeRefused)
                self.raised.__enter__()
                # A block of its own, as a caller's transaction would be.
                self.atomic = transaction.atomic()
                self.atomic.__enter__()

            def __exit__(self, *exc_info):
                self.atomic.__exit__(*exc_info)
                handled = self.raised.__exit__(*exc_info)
                message = str(self.raised.exception)
                for fragment in (*fragments, named, "start a live draft from the snapshot",
                                 "load_snapshot --replace --user"):
                    test.assertIn(fragment, message)
                test.assertEqual(database_state(), test.before, "the database is as it was")
                return handled

        return Refused()


class ModelWritesTests(SnapshotRulesTestCase):
    def test_save_of_a_page_or_of_any_block_is_refused(self):
        self.assertEqual(len(self.first_blocks(self.snapshot)), 6, "headings, texts, a link list, activities, "
                                                                    "a contact and Top of Page links")
        for obj in (self.snapshot, *self.first_blocks(self.snapshot)):
            with self.subTest(obj=obj), self.refused(f"Cannot change the {obj._meta.verbose_name}"):
                if isinstance(obj, Page):
                    obj.title = "Changed."
                else:
                    obj.ordering += 1
                obj.save()

    def test_a_publication_change_is_refused(self):
        self.snapshot.status = "draft"
        with self.refused("Cannot change the page"):
            self.snapshot.save(update_fields=["status"])

    def test_adding_a_block_or_an_activity_is_refused(self):
        with self.refused("Cannot add the heading “h2 News”"):
            Heading.objects.create(page=self.snapshot, ordering=1000, anchor="news", text="News")
        with self.refused("Cannot add the “Top of Page” link"):
            TopOfPage.objects.create(page=self.snapshot, ordering=1000)
        with self.refused("Cannot add the activity"):
            Activity.objects.create(page=self.snapshot, ordering=1000, slug="peru-new", text="New.")
        # A live block put into the snapshot would be printed on the archived page.
        with self.refused("Cannot move the activity “Webinar with OEFA on inspections of the Raura Mine” into a snapshot"):
            self.live_activity.page = self.snapshot
            self.live_activity.slug = "peru-moved"
            self.live_activity.save()
        with self.refused("Cannot move the heading “h2 Past Activities” into a snapshot"):
            self.live_heading.page = self.snapshot
            self.live_heading.anchor = "moved"
            self.live_heading.save()

    def test_moving_a_record_out_of_a_snapshot_is_refused(self):
        with self.refused("Cannot change the activity"):
            self.activity.page = self.live
            self.activity.slug = "peru-moved"
            self.activity.save()
        with self.refused("Cannot change the heading “h2 Past Activities”"):
            self.heading.page, self.heading.anchor = self.live, "moved"
            self.heading.save()

    def test_dating_a_live_version_or_undating_a_snapshot_is_refused(self):
        with self.refused("Cannot date the live version “EPA Collaboration with Peru”",
                          named="the snapshot “EPA Collaboration with Peru” of 2026-01-01 is read-only"):
            self.live.archived_on = datetime.date(2026, 1, 1)
            self.live.save()
        with self.refused("Cannot add the page"):
            Page.objects.create(slug="epa-collaboration-chile", archived_on=datetime.date(2021, 1, 19),
                                   title="EPA Collaboration with Peru")
        with self.refused("Cannot change the page"):
            self.snapshot.archived_on = None
            self.snapshot.save()

    def test_delete_is_refused(self):
        for obj in (*self.first_blocks(self.snapshot), self.snapshot):
            with self.subTest(obj=obj), self.refused(f"Cannot delete the {obj._meta.verbose_name}"):
                obj.delete()

    def test_a_raw_save_that_changes_a_record_is_refused_and_an_unchanged_one_passes(self):
        for obj, name in ((self.activity, "text"), (self.heading, "text")):
            obj.save_base(raw=True)
            self.assertEqual(database_state(), self.before)
            with self.subTest(obj=obj), self.refused(f"Cannot change the {obj._meta.verbose_name}"):
                setattr(obj, name, "Changed by a raw save.")
                obj.save_base(raw=True)


class QuerySetWritesTests(SnapshotRulesTestCase):
    def test_update_is_refused(self):
        with self.refused("Cannot update pages"):
            Page.objects.all().update(status="draft")
        for model in BLOCK_TYPES:
            if not model.objects.filter(page=self.snapshot).exists():
                continue
            plural = model._meta.verbose_name_plural
            with self.subTest(model=model), self.refused(f"Cannot update {plural}"):
                model.objects.filter(page=self.snapshot).update(ordering=1)

    def test_update_into_a_snapshot_is_refused(self):
        with self.refused("Cannot update activities"):
            Activity.objects.filter(pk=self.live_activity.pk).update(page_id=self.snapshot.pk)
        with self.refused("Cannot update headings"):
            Heading.objects.filter(pk=self.live_heading.pk).update(page=self.snapshot, anchor="moved")
        with self.refused("Cannot update pages", named="“EPA Collaboration with Peru” of 2026-01-01 is read-only"):
            Page.objects.filter(pk=self.live.pk).update(archived_on="2026-01-01")

    def test_bulk_update_and_bulk_create_are_refused(self):
        self.activity.text = "Changed in bulk."
        with self.refused("Cannot update activities"):
            Activity.objects.bulk_update([self.activity], ["text"])
        self.heading.text = "Changed in bulk."
        with self.refused("Cannot update headings"):
            Heading.objects.bulk_update([self.heading], ["text"])
        with self.refused("Cannot add activities"):
            Activity.objects.bulk_create([Activity(page=self.snapshot, slug="x", text="X.")])
        with self.refused("Cannot add texts"):
            RichText.objects.bulk_create([RichText(page=self.snapshot, ordering=1000, text="More.")])
        with self.refused("Cannot add headings"):
            Heading.objects.bulk_create([Heading(page=self.snapshot, ordering=1000, anchor="news", text="News")])
        with self.refused("Cannot add pages", named="the snapshot “X” of 2020-01-01 is read-only"):
            Page.objects.bulk_create([Page(slug="x", archived_on="2020-01-01", title="X")])

    def test_delete_is_refused(self):
        with self.refused("Cannot delete activities"):
            Activity.objects.filter(slug=LITTER).delete()
        with self.refused("Cannot delete “Top of Page” links"):
            TopOfPage.objects.all().delete()
        with self.refused("Cannot delete pages"):
            Page.objects.all().delete()

    def test_the_live_version_is_written_as_before(self):
        Activity.objects.filter(page=self.live).update(status="draft")
        Activity.objects.filter(pk=self.live_activity.pk).delete()
        Heading.objects.bulk_create([Heading(page=self.live, ordering=1000, anchor="news", text="News")])
        TopOfPage.objects.filter(page=self.live).delete()
        self.assertEqual(Activity.objects.filter(page=self.live, status="draft").count(), 16)
        self.assertEqual(Activity.objects.filter(page=self.snapshot, status="published").count(), 17)
        self.assertEqual(TopOfPage.objects.filter(page=self.snapshot).count(), 4)


class LinkTests(SnapshotRulesTestCase):
    def test_links_are_refused_from_either_side(self):
        mercury, oefa = Theme.objects.get(slug="mercury"), Partner.objects.get(slug="oefa")
        agreement = Agreement.objects.get(slug="us-peru-tpa")
        changes = [
            ("Cannot change the themes of the activity", lambda: self.activity.themes.add(mercury)),
            ("Cannot change the themes of the activity", lambda: self.activity.themes.set([mercury])),
            ("Cannot change the themes of the activity", lambda: self.activity.themes.clear()),
            ("Cannot change the partners of the activity", lambda: self.activity.partners.remove(oefa)),
            ("Cannot change the activities of the theme", lambda: mercury.activities.add(self.activity)),
            ("Cannot change the activities of the partner", lambda: oefa.activities.clear()),
            ("Cannot change the agreements of the page", lambda: self.snapshot.agreements.clear()),
            ("Cannot change the pages of the agreement", lambda: agreement.pages.remove(self.snapshot)),
            ("Cannot change the partners of the page", lambda: self.snapshot.partners.add(oefa)),
            ("Cannot change the pages of the partner", lambda: oefa.pages.add(self.snapshot)),
        ]
        for fragment, change in changes:
            with self.subTest(fragment), self.refused(fragment):
                change()

    def test_setting_the_same_links_again_passes(self):
        self.activity.themes.set(list(self.activity.themes.all()))
        self.activity.themes.add(*self.activity.themes.all())
        self.assertEqual(database_state(), self.before)

    def test_a_record_a_snapshot_uses_cannot_be_deleted(self):
        for obj in (Theme.objects.get(slug="mercury"), Partner.objects.get(slug="oefa"),
                    Agreement.objects.get(slug="us-peru-tpa")):
            with self.subTest(obj=obj), self.assertRaisesMessage(SnapshotChangeRefused, SNAPSHOT_NAMED):
                with transaction.atomic():
                    obj.delete()
        # A contact block's contact is kept by the database too, on any version.
        contact = Contact.objects.get()
        self.assertEqual([str(snapshot) for snapshot in snapshot_rules.snapshots_using(contact)],
                         ["the snapshot “EPA Collaboration with Peru” of 2021-01-19"])
        with self.assertRaises(ProtectedError), transaction.atomic():
            contact.delete()
        self.assertEqual(database_state(), self.before)
        unused = Theme.objects.create(slug="unused", name="Unused")
        unused.delete()

    def test_a_partner_a_snapshot_lists_cannot_be_deleted(self):
        listed = Partner.objects.create(slug="sunass", name="SUNASS", status="published")
        self.live.partners.add(listed)
        publish(self.live, user=self.publisher)
        services.freeze_snapshot(Page.objects.get(pk=self.live.pk), archived_on=datetime.date(2026, 11, 25))
        self.live.partners.remove(listed)
        with self.assertRaisesMessage(SnapshotChangeRefused, "“EPA Collaboration with Peru” of 2026-11-25 is read-only"):
            with transaction.atomic():
                listed.delete()
        self.assertTrue(Partner.objects.filter(pk=listed.pk).exists())

    def test_the_admin_says_which_snapshot_keeps_a_theme(self):
        self.client.force_login(self.publisher)
        mercury = Theme.objects.get(slug="mercury")
        url = reverse("admin:activities_theme_delete", args=[mercury.pk])
        page = self.client.get(url)
        self.assertContains(page, "used by the snapshot “EPA Collaboration with Peru” of 2021-01-19")
        self.client.post(url, {"post": "yes"})
        self.assertTrue(Theme.objects.filter(pk=mercury.pk).exists())


class AllowedTests(SnapshotRulesTestCase):
    def test_services_write_inside_their_allowance_only(self):
        later = services.freeze_snapshot(
            Page.objects.get(pk=publish(self.live, user=self.publisher).pk),
            archived_on=datetime.date(2026, 11, 25), user=self.publisher,
        )
        self.assertEqual(later.activities.count(), 17)
        self.assertEqual(Heading.objects.filter(page=later).count(), 7)
        # Once made, the new snapshot is read-only too.
        with self.assertRaisesMessage(SnapshotChangeRefused, "of 2026-11-25 is read-only"), transaction.atomic():
            later.activities.update(text="Changed.")
        with snapshot_rules.writable((later.slug, later.archived_on)):
            later.activities.filter(slug=RAURA).update(text="Changed under the allowance.")
        with self.assertRaises(SnapshotChangeRefused), transaction.atomic():
            later.activities.update(text="Changed again.")

    def test_a_freeze_copies_every_block_in_order_and_prints_the_same_words(self):
        publish(self.live, user=self.publisher)
        live = Page.objects.get(pk=self.live.pk)
        # Blocks added and moved on the live version: the copy keeps the live order, not the snapshot's.
        RichText.objects.create(page=live, ordering=55, text="A paragraph added under the Activities heading.")
        Heading.objects.filter(page=live, anchor="learn-more").update(ordering=5)
        frozen = services.freeze_snapshot(live, archived_on=datetime.date(2026, 11, 25), user=self.publisher)

        def body(page):
            blocks = selectors.page_blocks(page)
            fields = [{name: getattr(block, name) for name in ("text", "anchor", "ordering", "slug", "label")
                       if hasattr(block, name)} for block in blocks]
            return [type(block).__name__ for block in blocks], fields

        self.assertEqual(body(frozen), body(live))
        live_words = ParsedHtml(self.client.get(PERU_PAGE).content.decode()).blocks
        frozen_words = ParsedHtml(self.client.get("/archive/2026-11-25" + PERU_PAGE).content.decode()).blocks
        start = live_words.index("Learn More About Peru")  # the body's first block now
        end = live_words.index("Top of Page", live_words.index("Key Partners")) + 1
        self.assertIn("A paragraph added under the Activities heading.", live_words[start:end])
        at = frozen_words.index("Learn More About Peru")
        self.assertEqual(frozen_words[at:at + end - start], live_words[start:end])

    def test_a_publisher_deletes_a_whole_snapshot_its_parts_never_alone(self):
        for user in (self.editor, self.publisher):
            self.client.force_login(user)
            url = reverse("admin:activities_activity_delete", args=[self.activity.pk])
            self.assertEqual(self.client.post(url, {"post": "yes"}).status_code, 403)
        self.assertEqual(database_state(), self.before)
        self.client.post(reverse("admin:activities_page_delete", args=[self.snapshot.pk]), {"post": "yes"})
        self.assertFalse(Page.objects.filter(pk=self.snapshot.pk).exists())
        self.assertEqual(Activity.objects.count(), 17, "the live version's")
        self.assertEqual(set(Heading.objects.values_list("page", flat=True)), {self.live.pk})
        self.assertTrue(Theme.objects.filter(slug="mercury").exists())

    def test_a_publisher_deletes_snapshots_from_the_list_too(self):
        self.client.force_login(self.publisher)
        changelist = reverse("admin:activities_page_changelist")
        confirmation = admin_action(self.client, changelist, "delete_selected", [self.snapshot.pk], follow=True)
        confirm(self.client, changelist, confirmation, form_id="delete-confirmation")
        self.assertEqual(list(Page.objects.all()), [self.live])

    def test_no_one_dates_a_page_in_the_admin(self):
        self.client.force_login(self.publisher)
        page = self.client.get(reverse("admin:activities_page_add")).content.decode()
        self.assertNotIn('name="archived_on"', page)


class DatabaseRuleTests(SnapshotRulesTestCase):
    """On PostgreSQL the database refuses plain SQL too (migration 0009)."""

    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("the database rule exists on PostgreSQL only")
        super().setUp()

    def execute(self, sql, *params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def test_plain_sql_cannot_change_a_snapshot(self):
        agreement = Agreement.objects.create(slug="us-peru-new", title="A new agreement")
        partner = Partner.objects.get(slug="oefa")
        self.before = database_state()
        live_text = RichText.objects.filter(page=self.live).first()
        statements = [
            ("UPDATE activities_activity SET text = 'Changed.' WHERE id = %s", self.activity.pk),
            ("UPDATE activities_page SET status = 'draft' WHERE id = %s", self.snapshot.pk),
            ("UPDATE activities_heading SET text = 'Changed.' WHERE id = %s", self.heading.pk),
            ("DELETE FROM activities_heading WHERE id = %s", self.heading.pk),
            ("DELETE FROM activities_activity_themes WHERE activity_id = %s", self.activity.pk),
            ("UPDATE activities_richtext SET page_id = %s WHERE id = %s", self.snapshot.pk, live_text.pk),
            ("INSERT INTO activities_page_agreements (page_id, agreement_id) VALUES (%s, %s)",
             self.snapshot.pk, agreement.pk),
            ("INSERT INTO activities_page_partners (page_id, partner_id) VALUES (%s, %s)",
             self.snapshot.pk, partner.pk),
            ("INSERT INTO activities_topofpage (page_id, region, ordering, revision, provenance, provenance_note) "
             "VALUES (%s, 'main', 1000, 1, 'added', '')", self.snapshot.pk),
            *((f"UPDATE {model._meta.db_table} SET ordering = ordering + 1 WHERE page_id = %s", self.snapshot.pk)
              for model in BLOCK_TYPES if model.objects.filter(page=self.snapshot).exists()),
        ]
        for sql, *params in statements:
            with self.subTest(sql), self.assertRaisesMessage(IntegrityError, "epa-collaboration-peru of 2021-01-19"):
                with transaction.atomic():
                    self.execute(sql, *params)
        with self.assertRaisesMessage(IntegrityError, "epa-collaboration-peru of 2026-01-01 is read-only"):
            with transaction.atomic():
                self.execute("UPDATE activities_page SET archived_on = '2026-01-01' WHERE id = %s", self.live.pk)
        self.assertEqual(database_state(), self.before)

    def test_an_unchanged_row_and_the_live_version_pass(self):
        self.execute("UPDATE activities_activity SET text = text WHERE id = %s", self.activity.pk)
        self.execute("UPDATE activities_activity SET text = 'Live.' WHERE id = %s", self.live_activity.pk)
        self.assertEqual(Activity.objects.get(pk=self.live_activity.pk).text, "Live.")

    def test_the_allowance_lasts_as_long_as_its_block(self):
        with snapshot_rules.writable((self.snapshot.slug, self.snapshot.archived_on)):
            self.execute("UPDATE activities_activity SET text = 'Allowed.' WHERE id = %s", self.activity.pk)
        with self.assertRaises(IntegrityError), transaction.atomic():
            self.execute("UPDATE activities_activity SET text = 'Not any more.' WHERE id = %s", self.activity.pk)
        self.assertEqual(Activity.objects.get(pk=self.activity.pk).text, "Allowed.")

    def test_a_publisher_s_load_with_replace_passes(self):
        records = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
        heading = next(r for r in records if r["fields"].get("anchor") == "past-activities")
        heading["fields"]["text"] = "Earlier Activities"
        records.remove(next(r for r in records if r["model"] == "activities.topofpage"))
        load(write_fixture(records), "--replace", "--user", "publisher")
        self.assertContains(self.client.get(ARCHIVED_PERU_PAGE), "Earlier Activities")
        self.assertEqual(TopOfPage.objects.filter(page=self.snapshot).count(), 3)
