import datetime

from django.contrib.admin.models import LogEntry
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, Page
from partners.models import Partner
from tests.content import (
    LITTER,
    RAURA,
    later,
    load_peru_as_live_version,
    past_activities,
    past_activities_place,
    staff_user,
)
from tests.forms import admin_action, admin_form_data, confirm
from tests.html import PERU_PAGE


class SchedulingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()

    def public_addresses(self):
        return {
            "page": self.client.get(PERU_PAGE).content.decode(),
            "listing": self.client.get("/activities/").content.decode(),
            "year": self.client.get("/activities/2020/").content.decode(),
            "feed": self.client.get("/activities/feed/").content.decode(),
            "sitemap": self.client.get("/sitemap-activities.xml").content.decode(),
        }

    def test_a_scheduled_activity_appears_when_its_time_comes_without_any_job(self):
        Activity.objects.filter(slug=RAURA).update(publish_at=timezone.now() + datetime.timedelta(hours=2))
        self.assertEqual(self.client.get(f"/activities/{RAURA}/").status_code, 404)
        for name, html in self.public_addresses().items():
            self.assertNotIn(RAURA if name != "page" else "Raura Mine", html, name)
        self.assertEqual(self.client.get("/activities/2020/").status_code, 404, "2020 has nothing public yet")
        with later(hours=3):
            self.assertEqual(self.client.get(f"/activities/{RAURA}/").status_code, 200)
            pages = self.public_addresses()
            self.assertIn("Raura Mine", pages["page"])
            for name in ("listing", "year", "feed", "sitemap"):
                self.assertIn(RAURA, pages[name], name)

    def test_a_scheduled_page_hides_all_it_holds_until_then(self):
        Page.objects.update(publish_at=timezone.now() + datetime.timedelta(days=1))
        self.assertEqual(self.client.get(PERU_PAGE).status_code, 404)
        self.assertEqual(self.client.get(f"/activities/{RAURA}/").status_code, 404)
        self.assertNotContains(self.client.get("/activities/"), RAURA)
        self.assertNotContains(self.client.get("/"), PERU_PAGE)
        with later(days=2):
            self.assertEqual(self.client.get(PERU_PAGE).status_code, 200)

    def test_a_draft_partner_is_hidden(self):
        Partner.objects.filter(slug="oefa").update(status="draft")
        self.assertEqual(self.client.get("/partners/oefa/").status_code, 404)


class PreviewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()
        cls.editor = staff_user("editor", "Editors")
        cls.outsider = staff_user("outsider")
        Activity.objects.filter(slug=LITTER).update(status="draft", text="A draft rewrite of the pilot.")

    def test_staff_who_may_change_it_see_a_draft_marked_as_such_and_never_cached(self):
        self.client.force_login(self.editor)
        response = self.client.get(f"/activities/{LITTER}/")
        self.assertContains(response, "Draft, not public.")
        self.assertContains(response, "A draft rewrite of the pilot.")
        self.assertIn("no-store", response["Cache-Control"])
        self.assertIn("private", response["Cache-Control"])
        page = self.client.get(PERU_PAGE)
        self.assertContains(page, "Draft, not public.")
        self.assertContains(page, 'A draft rewrite of the pilot.{}'.format(' <span class="usa-tag publication-tag">Draft</span>'))
        self.assertIn("no-store", page["Cache-Control"])

    def test_a_preview_and_the_public_page_each_show_their_own_links_to_the_years(self):
        # The links under the page are kept for visitors; a preview, which
        # counts drafts, makes its own, and never leaves them to visitors.
        Activity.objects.bulk_create(past_activities(
            Page.objects.get(), 1, slug="early", date=datetime.date(1999, 5, 1), status="draft"))
        year_link = '<a class="usa-link" href="/activities/1999/">1999</a>'
        self.assertNotContains(self.client.get(PERU_PAGE), year_link, html=True)
        self.client.force_login(self.editor)
        self.assertContains(self.client.get(PERU_PAGE), year_link, html=True)
        self.client.logout()
        self.assertNotContains(self.client.get(PERU_PAGE), year_link, html=True)

    def test_a_published_page_has_no_notice_even_for_staff(self):
        Activity.objects.filter(slug=LITTER).update(status="published")
        self.client.force_login(self.editor)
        self.assertNotContains(self.client.get(PERU_PAGE), "Draft, not public.")
        self.assertNotContains(self.client.get(f"/activities/{RAURA}/"), "Draft, not public.")

    def test_visitors_and_staff_without_the_right_get_a_404(self):
        self.assertEqual(self.client.get(f"/activities/{LITTER}/").status_code, 404)
        self.assertNotContains(self.client.get(PERU_PAGE), "A draft rewrite")
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(f"/activities/{LITTER}/").status_code, 404)
        self.assertNotContains(self.client.get(PERU_PAGE), "A draft rewrite")
        Page.objects.update(status="draft")
        self.assertEqual(self.client.get(PERU_PAGE).status_code, 404)
        self.client.force_login(self.editor)
        self.assertContains(self.client.get(PERU_PAGE), "Draft, not public.")


class GroupTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()
        cls.editor = staff_user("editor", "Editors")
        cls.publisher = staff_user("publisher", "Publishers")
        cls.outsider = staff_user("outsider")

    def change_page(self, user, activity):
        self.client.force_login(user)
        return self.client.get(reverse("admin:activities_activity_change", args=[activity.pk])).content.decode()

    def test_editors_edit_but_cannot_publish(self):
        activity = Activity.objects.get(slug=LITTER)
        html = self.change_page(self.editor, activity)
        self.assertNotIn('name="status"', html)
        self.assertNotIn('name="publish_at_0"', html)
        data = admin_form_data(html, "activity_form")
        data.update(text="Edited by an editor.", status="draft")
        url = reverse("admin:activities_activity_change", args=[activity.pk])
        self.assertEqual(self.client.post(url, data).status_code, 302)
        activity.refresh_from_db()
        self.assertEqual((activity.text, activity.status), ("Edited by an editor.", "published"))
        changelist = self.client.get(reverse("admin:activities_activity_changelist")).content.decode()
        self.assertNotIn("publish_selected", changelist)
        self.assertNotIn("unpublish_selected", changelist)

    def test_what_an_editor_adds_starts_as_a_draft(self):
        self.client.force_login(self.editor)
        url = reverse("admin:activities_activity_add")
        data = admin_form_data(self.client.get(url).content.decode(), "activity_form")
        page = Page.objects.get()
        data.update(page=str(page.pk), ordering=str(past_activities_place(page)), slug="peru-new-workshop",
                    text="A new workshop.", status="published")
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        self.assertEqual(Activity.objects.get(slug="peru-new-workshop").status, "draft")
        self.client.logout()
        self.assertEqual(self.client.get("/activities/peru-new-workshop/").status_code, 404)

    def test_publishers_publish_and_unpublish(self):
        activity = Activity.objects.get(slug=LITTER)
        html = self.change_page(self.publisher, activity)
        self.assertIn('name="status"', html)
        self.assertIn('name="publish_at_0"', html)
        changelist = self.client.get(reverse("admin:activities_activity_changelist")).content.decode()
        for action in ("publish_selected", "schedule_selected", "unpublish_selected"):
            self.assertIn(f'value="{action}"', changelist)

    def test_a_user_of_neither_group_cannot_see_content_in_the_admin(self):
        self.client.force_login(self.outsider)
        for name in ("activities_activity", "activities_page", "partners_partner"):
            self.assertEqual(self.client.get(reverse(f"admin:{name}_changelist")).status_code, 403, name)
        self.client.logout()
        response = self.client.get(reverse("admin:activities_activity_changelist"))
        self.assertRedirects(response, "/admin/login/?next=/admin/activities/activity/")


class BulkActionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()
        cls.publisher = staff_user("publisher", "Publishers")
        cls.editor = staff_user("editor", "Editors")

    def setUp(self):
        self.client.force_login(self.publisher)
        self.url = reverse("admin:activities_activity_changelist")

    def act(self, action, slugs, confirmed=None, **extra):
        """Choose ``action`` in the list; with ``confirmed``, confirm it too."""
        pks = [Activity.objects.get(slug=slug).pk for slug in slugs]
        response = admin_action(self.client, self.url, action, pks)
        return confirm(self.client, self.url, response, **extra) if confirmed else response

    def test_each_action_asks_first(self):
        Activity.objects.update(status="draft")
        response = self.act("publish_selected", [RAURA, LITTER])
        self.assertContains(response, "Publish these activities?")
        self.assertContains(response, "Yes, publish")
        self.assertFalse(Activity.objects.filter(status="published").exists())

    def test_publish_unpublish_and_schedule_with_a_report_and_a_log(self):
        Activity.objects.filter(slug__in=[RAURA, LITTER]).update(status="draft")
        response = self.act("publish_selected", [RAURA, LITTER], confirmed="yes")
        self.assertContains(response, "Published 2 activities")
        self.assertEqual(Activity.objects.filter(slug__in=[RAURA, LITTER], status="published").count(), 2)
        self.assertEqual(LogEntry.objects.filter(user=self.publisher, change_message="Published.").count(), 2)
        response = self.act("unpublish_selected", [LITTER], confirmed="yes")
        self.assertContains(response, "Unpublished 1 activity:")
        self.assertEqual(Activity.objects.get(slug=LITTER).status, "draft")
        when = timezone.localtime() + datetime.timedelta(days=3)
        response = self.act("schedule_selected", [LITTER], confirmed="yes", publish_at=when.strftime("%Y-%m-%dT%H:%M"))
        self.assertContains(response, "Scheduled 1 activity:")
        litter = Activity.objects.get(slug=LITTER)
        self.assertTrue(litter.is_scheduled)
        self.assertEqual(self.client.get(f"/activities/{LITTER}/").status_code, 200, "staff preview")
        self.client.logout()
        self.assertEqual(self.client.get(f"/activities/{LITTER}/").status_code, 404)
        with later(days=4):
            self.assertEqual(self.client.get(f"/activities/{LITTER}/").status_code, 200)

    def test_a_time_in_the_past_is_refused_on_the_confirmation_page(self):
        response = self.act("schedule_selected", [LITTER], confirmed="yes", publish_at="2001-01-01T10:00")
        self.assertContains(response, "Choose a time in the future")
        self.assertIsNone(Activity.objects.get(slug=LITTER).publish_at)

    def test_one_failure_leaves_the_others_done_and_is_reported(self):
        Activity.objects.filter(slug__in=[RAURA, LITTER]).update(status="draft")
        # A link to a partner that does not exist fails validation on publishing.
        Activity.objects.filter(slug=RAURA).update(text='<p>See <a href="partner:nobody">them</a>.</p>')
        response = self.act("publish_selected", [RAURA, LITTER], confirmed="yes")
        self.assertContains(response, "Published 1 activity:")
        self.assertContains(response, "Could not publish")
        self.assertEqual(Activity.objects.get(slug=LITTER).status, "published")
        self.assertEqual(Activity.objects.get(slug=RAURA).status, "draft")

    def test_editors_cannot_run_the_actions_even_by_posting_them(self):
        self.client.force_login(self.editor)
        Activity.objects.filter(slug=LITTER).update(status="draft")
        litter = Activity.objects.get(slug=LITTER)
        self.client.post(self.url, {"action": "publish_selected", "_selected_action": [litter.pk], "confirmed": "yes",
                                    f"_revision_{litter.pk}": litter.revision})
        self.assertEqual(Activity.objects.get(slug=LITTER).status, "draft")


class PublicationFilterTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()
        cls.publisher = staff_user("publisher", "Publishers")

    def test_the_admin_filter_goes_by_each_item_s_own_state(self):
        Page.objects.update(status="draft")
        Activity.objects.filter(slug=RAURA).update(publish_at=timezone.now() + datetime.timedelta(days=1))
        self.client.force_login(self.publisher)
        url = reverse("admin:activities_activity_changelist")
        published = self.client.get(url, {"publication": "published"}).content.decode()
        scheduled = self.client.get(url, {"publication": "scheduled"}).content.decode()
        self.assertIn(f"/admin/activities/activity/{Activity.objects.get(slug=LITTER).pk}/change/", published,
                      "a published activity of a draft page is still published itself")
        self.assertIn(f"/admin/activities/activity/{Activity.objects.get(slug=RAURA).pk}/change/", scheduled)
        self.assertNotIn(f"/admin/activities/activity/{Activity.objects.get(slug=RAURA).pk}/change/", published)
