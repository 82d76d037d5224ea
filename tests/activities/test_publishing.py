import datetime

from django.contrib.admin.models import LogEntry
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, Page
from partners.models import Partner
from tests.content import later, staff_user
from tests.factories import (
    make_activity,
    make_heading,
    make_page,
    make_page_contact,
    make_partner,
    make_partner_list,
    make_text,
    make_theme,
    next_ordering,
)
from tests.forms import admin_action, admin_form_data, confirm

PAGE = "/international-cooperation/epa-collaboration-chile/"
# Two activities of the page that tests change: the only one of 2020, and one of 2016.
WEBINAR = "chile-2020-03-mine-inspections-webinar"
PILOT = "chile-2016-09-marine-litter-pilot"


def make_country_page():
    """A published country page: an opening, two activities under a heading, its partners and a contact."""
    sma = make_partner("Superintendency of the Environment", acronym="SMA", url="https://portal.sma.gob.cl/")
    page = make_page("EPA Collaboration with Chile", slug="epa-collaboration-chile", partners=[sma])
    make_text(page, "EPA and Chile have worked together since 2004.")
    make_heading(page, "Past Activities")
    make_activity(page, '<p>A webinar with the <a href="partner:sma">SMA</a> on inspections of the Escondida Mine.</p>',
                  slug=WEBINAR, date="2020-03", themes=[make_theme("Enforcement and compliance")], partners=[sma])
    make_activity(page, "A Trash Free Waters pilot against marine litter in Valparaíso.", slug=PILOT, date="2016-09",
                  themes=[make_theme("Marine litter")])
    make_heading(page, "Key Partners")
    make_partner_list(page)
    make_page_contact(page)
    return page


class SchedulingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_country_page()

    def public_addresses(self):
        return {
            "page": self.client.get(PAGE).content.decode(),
            "listing": self.client.get("/activities/").content.decode(),
            "year": self.client.get("/activities/2020/").content.decode(),
            "feed": self.client.get("/activities/feed/").content.decode(),
            "sitemap": self.client.get("/sitemap-activities.xml").content.decode(),
        }

    def test_a_scheduled_activity_appears_when_its_time_comes_without_any_job(self):
        Activity.objects.filter(slug=WEBINAR).update(publish_at=timezone.now() + datetime.timedelta(hours=2))
        self.assertEqual(self.client.get(f"/activities/{WEBINAR}/").status_code, 404)
        for name, html in self.public_addresses().items():
            self.assertNotIn(WEBINAR if name != "page" else "Escondida Mine", html, name)
        self.assertEqual(self.client.get("/activities/2020/").status_code, 404, "2020 has nothing public yet")
        with later(hours=3):
            self.assertEqual(self.client.get(f"/activities/{WEBINAR}/").status_code, 200)
            pages = self.public_addresses()
            self.assertIn("Escondida Mine", pages["page"])
            for name in ("listing", "year", "feed", "sitemap"):
                self.assertIn(WEBINAR, pages[name], name)

    def test_a_scheduled_page_hides_all_it_holds_until_then(self):
        Page.objects.update(publish_at=timezone.now() + datetime.timedelta(days=1))
        self.assertEqual(self.client.get(PAGE).status_code, 404)
        self.assertEqual(self.client.get(f"/activities/{WEBINAR}/").status_code, 404)
        self.assertNotContains(self.client.get("/activities/"), WEBINAR)
        self.assertNotContains(self.client.get("/"), PAGE)
        with later(days=2):
            self.assertEqual(self.client.get(PAGE).status_code, 200)

    def test_a_draft_partner_is_hidden(self):
        Partner.objects.filter(slug="sma").update(status="draft")
        self.assertEqual(self.client.get("/partners/sma/").status_code, 404)


class PreviewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_country_page()
        cls.editor = staff_user("editor", "Editors")
        cls.outsider = staff_user("outsider")
        Activity.objects.filter(slug=PILOT).update(status="draft", text="<p>A draft rewrite of the pilot.</p>")

    def test_staff_who_may_change_it_see_a_draft_marked_as_such_and_never_cached(self):
        self.client.force_login(self.editor)
        response = self.client.get(f"/activities/{PILOT}/")
        self.assertContains(response, "Draft, not public.")
        self.assertContains(response, "<p>A draft rewrite of the pilot.</p>", html=True)
        self.assertIn("no-store", response["Cache-Control"])
        self.assertIn("private", response["Cache-Control"])
        page = self.client.get(PAGE)
        self.assertContains(page, "Draft, not public.")
        self.assertContains(page, f'<li class="activity" id="{PILOT}"><a class="activity__date" '
                                  'href="/activities/2016/">September 2016</a>: A draft rewrite of the pilot. '
                                  '<span class="usa-tag publication-tag">Draft</span></li>', html=True)
        self.assertIn("no-store", page["Cache-Control"])

    def test_a_preview_and_the_public_page_each_show_their_own_links_to_the_years(self):
        # The links under the page are kept for visitors; a preview, which
        # counts drafts, makes its own, and never leaves them to visitors.
        make_activity(Page.objects.get(), "An early workshop.", slug="early", date="1999-05", status="draft")
        year_link = '<a class="usa-link" href="/activities/1999/">1999</a>'
        self.assertNotContains(self.client.get(PAGE), year_link, html=True)
        self.client.force_login(self.editor)
        self.assertContains(self.client.get(PAGE), year_link, html=True)
        self.client.logout()
        self.assertNotContains(self.client.get(PAGE), year_link, html=True)

    def test_a_published_page_has_no_notice_even_for_staff(self):
        Activity.objects.filter(slug=PILOT).update(status="published")
        self.client.force_login(self.editor)
        self.assertNotContains(self.client.get(PAGE), "Draft, not public.")
        self.assertNotContains(self.client.get(f"/activities/{WEBINAR}/"), "Draft, not public.")

    def test_visitors_and_staff_without_the_right_get_a_404(self):
        self.assertEqual(self.client.get(f"/activities/{PILOT}/").status_code, 404)
        self.assertNotContains(self.client.get(PAGE), "A draft rewrite")
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(f"/activities/{PILOT}/").status_code, 404)
        self.assertNotContains(self.client.get(PAGE), "A draft rewrite")
        Page.objects.update(status="draft")
        self.assertEqual(self.client.get(PAGE).status_code, 404)
        self.client.force_login(self.editor)
        self.assertContains(self.client.get(PAGE), "Draft, not public.")


class GroupTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_country_page()
        cls.editor = staff_user("editor", "Editors")
        cls.publisher = staff_user("publisher", "Publishers")
        cls.outsider = staff_user("outsider")

    def change_page(self, user, activity):
        self.client.force_login(user)
        return self.client.get(reverse("admin:activities_activity_change", args=[activity.pk])).content.decode()

    def test_editors_edit_but_cannot_publish(self):
        activity = Activity.objects.get(slug=PILOT)
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
        data.update(page=str(page.pk), ordering=str(next_ordering(page)), slug="chile-new-workshop",
                    text="A new workshop.", status="published")
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        self.assertEqual(Activity.objects.get(slug="chile-new-workshop").status, "draft")
        self.client.logout()
        self.assertEqual(self.client.get("/activities/chile-new-workshop/").status_code, 404)

    def test_publishers_publish_and_unpublish(self):
        activity = Activity.objects.get(slug=PILOT)
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
        make_country_page()
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
        response = self.act("publish_selected", [WEBINAR, PILOT])
        self.assertContains(response, "Publish these activities?")
        self.assertContains(response, "Yes, publish")
        self.assertFalse(Activity.objects.filter(status="published").exists())

    def test_publish_unpublish_and_schedule_with_a_report_and_a_log(self):
        Activity.objects.filter(slug__in=[WEBINAR, PILOT]).update(status="draft")
        response = self.act("publish_selected", [WEBINAR, PILOT], confirmed="yes")
        self.assertContains(response, "Published 2 activities")
        self.assertEqual(Activity.objects.filter(slug__in=[WEBINAR, PILOT], status="published").count(), 2)
        self.assertEqual(LogEntry.objects.filter(user=self.publisher, change_message="Published.").count(), 2)
        response = self.act("unpublish_selected", [PILOT], confirmed="yes")
        self.assertContains(response, "Unpublished 1 activity:")
        self.assertEqual(Activity.objects.get(slug=PILOT).status, "draft")
        when = timezone.localtime() + datetime.timedelta(days=3)
        response = self.act("schedule_selected", [PILOT], confirmed="yes", publish_at=when.strftime("%Y-%m-%dT%H:%M"))
        self.assertContains(response, "Scheduled 1 activity:")
        litter = Activity.objects.get(slug=PILOT)
        self.assertTrue(litter.is_scheduled)
        self.assertEqual(self.client.get(f"/activities/{PILOT}/").status_code, 200, "staff preview")
        self.client.logout()
        self.assertEqual(self.client.get(f"/activities/{PILOT}/").status_code, 404)
        with later(days=4):
            self.assertEqual(self.client.get(f"/activities/{PILOT}/").status_code, 200)

    def test_a_time_in_the_past_is_refused_on_the_confirmation_page(self):
        response = self.act("schedule_selected", [PILOT], confirmed="yes", publish_at="2001-01-01T10:00")
        self.assertContains(response, "Choose a time in the future")
        self.assertIsNone(Activity.objects.get(slug=PILOT).publish_at)

    def test_one_failure_leaves_the_others_done_and_is_reported(self):
        Activity.objects.filter(slug__in=[WEBINAR, PILOT]).update(status="draft")
        # A link to a partner that does not exist fails validation on publishing.
        Activity.objects.filter(slug=WEBINAR).update(text='<p>See <a href="partner:nobody">them</a>.</p>')
        response = self.act("publish_selected", [WEBINAR, PILOT], confirmed="yes")
        self.assertContains(response, "Published 1 activity:")
        self.assertContains(response, "Could not publish")
        self.assertEqual(Activity.objects.get(slug=PILOT).status, "published")
        self.assertEqual(Activity.objects.get(slug=WEBINAR).status, "draft")

    def test_editors_cannot_run_the_actions_even_by_posting_them(self):
        self.client.force_login(self.editor)
        Activity.objects.filter(slug=PILOT).update(status="draft")
        litter = Activity.objects.get(slug=PILOT)
        self.client.post(self.url, {"action": "publish_selected", "_selected_action": [litter.pk], "confirmed": "yes",
                                    f"_revision_{litter.pk}": litter.revision})
        self.assertEqual(Activity.objects.get(slug=PILOT).status, "draft")


class PublicationFilterTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_country_page()
        cls.publisher = staff_user("publisher", "Publishers")

    def test_the_admin_filter_goes_by_each_item_s_own_state(self):
        Page.objects.update(status="draft")
        Activity.objects.filter(slug=WEBINAR).update(publish_at=timezone.now() + datetime.timedelta(days=1))
        self.client.force_login(self.publisher)
        url = reverse("admin:activities_activity_changelist")
        published = self.client.get(url, {"publication": "published"}).content.decode()
        scheduled = self.client.get(url, {"publication": "scheduled"}).content.decode()
        self.assertIn(f"/admin/activities/activity/{Activity.objects.get(slug=PILOT).pk}/change/", published,
                      "a published activity of a draft page is still published itself")
        self.assertIn(f"/admin/activities/activity/{Activity.objects.get(slug=WEBINAR).pk}/change/", scheduled)
        self.assertNotIn(f"/admin/activities/activity/{Activity.objects.get(slug=WEBINAR).pk}/change/", published)
