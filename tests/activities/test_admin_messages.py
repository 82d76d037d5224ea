"""What the admin says to staff: dates to the month, constraints in words,
publishing what the public cannot see yet, and snapshots' editable copies."""

import datetime
import io
import re
from html import unescape

from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Activity, Heading, Page
from tests.content import LITTER, RAURA, load_peru_as_live_version, staff_user
from tests.forms import add_row, admin_action, admin_form_data, confirm, row_of
from tests.html import PERU_PAGE, SNAPSHOT, ParsedHtml


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def messages_of(response):
    """The admin's messages as staff read them, each with the addresses it links."""
    items = re.findall(r'<li class="(?:success|warning|error|info)">(.*?)</li>', response.content.decode(), re.S)
    return [(" ".join(ParsedHtml(item).blocks), [link["href"] for link in ParsedHtml(item).links]) for item in items]


class LiveVersionTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()
        cls.page = Page.objects.get()
        cls.editor = staff_user("editor", "Editors")
        cls.publisher = staff_user("publisher", "Publishers")

    def submit(self, url, form_id, user, **changes):
        self.client.force_login(user)
        data = admin_form_data(self.client.get(url).content.decode(), form_id)
        data.update(changes)
        return self.client.post(url, data, follow=True)

    def page_form(self, user):
        """The page's form as ``user``'s browser shows it: its URL and data."""
        url = change_url(self.page)
        self.client.force_login(user)
        return url, admin_form_data(self.client.get(url).content.decode(), "page_form")

    def errors(self, response):
        return [ParsedHtml(item).blocks[0] for item in
                re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)]


class ActivityDateTests(LiveVersionTestCase):
    def test_any_day_of_a_month_is_taken_and_stored_as_the_first(self):
        activity = Activity.objects.get(slug=LITTER)
        response = self.submit(change_url(activity), "activity_form", self.editor, date="2019-11-15")
        self.assertEqual(self.errors(response), [])
        activity.refresh_from_db()
        self.assertEqual(activity.date, datetime.date(2019, 11, 1))
        self.assertContains(self.client.get(PERU_PAGE), "November 2019")

    def test_on_the_pages_form_too(self):
        url, data = self.page_form(self.editor)
        data[f"activities-{row_of(data, 'activities', Activity.objects.get(slug=LITTER))}-date"] = "2019-11-30"
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, self.errors(response))
        self.assertEqual(Activity.objects.get(slug=LITTER).date, datetime.date(2019, 11, 1))


class ConstraintInWordsTests(LiveVersionTestCase):
    def test_a_second_live_version_of_a_page_is_refused_in_words(self):
        response = self.submit(reverse("admin:activities_page_add"), "page_form", self.editor,
                               title="Peru again", slug=self.page.slug, country="Peru")
        self.assertEqual(self.errors(response), ["This page already has a live version: edit that one."])
        self.assertEqual(Page.objects.count(), 1)

    def test_a_slug_taken_on_the_page_is_refused_in_words_from_the_pages_form(self):
        url, data = self.page_form(self.editor)
        add_row(data, "activities", region="main", ordering="145", display="bulleted", slug=LITTER, text="A new one.")
        response = self.client.post(url, data)
        self.assertEqual(self.errors(response), ["Another activity of this page has this slug: choose another."])
        self.assertEqual(Activity.objects.filter(slug=LITTER).count(), 1)

    def test_a_heading_anchor_taken_on_the_page_is_refused_in_words(self):
        url, data = self.page_form(self.editor)
        heading = Heading.objects.get(anchor="megacities-partnership")
        data[f"heading_blocks-{row_of(data, 'heading_blocks', heading)}-anchor"] = "past-activities"
        response = self.client.post(url, data)
        self.assertEqual(self.errors(response), ["Another heading of this page has this anchor: choose another."])
        self.assertEqual(Heading.objects.get(pk=heading.pk).anchor, "megacities-partnership")

    def test_a_new_heading_with_a_taken_anchor_is_refused_in_words_too(self):
        url, data = self.page_form(self.editor)
        add_row(data, "heading_blocks", region="main", ordering="335", level="2", text="Past", anchor="past-activities")
        response = self.client.post(url, data)
        self.assertEqual(self.errors(response), ["Another heading of this page has this anchor: choose another."])
        self.assertEqual(Heading.objects.filter(anchor="past-activities").count(), 1)

    def test_an_activity_cannot_be_printed_inside_itself(self):
        url, data = self.page_form(self.editor)
        litter = Activity.objects.get(slug=LITTER)
        data[f"activities-{row_of(data, 'activities', litter)}-printed_in"] = str(litter.pk)
        response = self.client.post(url, data)
        self.assertEqual(self.errors(response), ["An activity cannot be printed inside itself."])
        self.assertIsNone(Activity.objects.get(pk=litter.pk).printed_in)


class PublishingWhatThePublicCannotSeeTests(LiveVersionTestCase):
    def publish(self, model, *items, **extra):
        self.client.force_login(self.publisher)
        changelist = reverse(f"admin:activities_{model._meta.model_name}_changelist")
        action = "schedule_selected" if extra else "publish_selected"
        confirmation = admin_action(self.client, changelist, action, [item.pk for item in items])
        return confirm(self.client, changelist, confirmation, **extra)

    def test_publishing_an_activity_of_a_draft_page_says_so_and_links_the_page(self):
        Page.objects.update(status="draft")
        Activity.objects.filter(slug__in=[RAURA, LITTER]).update(status="draft")
        litter = Activity.objects.get(slug=LITTER)
        response = self.publish(Activity, litter)
        self.assertEqual(messages_of(response), [
            (f"Published 1 activity: {litter}.", []),
            (f"Published “{litter}”, but it is not on the public site: "
             "its page “EPA Collaboration with Peru (live)” is a draft.", [change_url(self.page)]),
        ])
        self.assertEqual(self.client.get(f"/activities/{LITTER}/").status_code, 200, "staff preview")

    def test_a_scheduled_page_is_named_with_its_time_for_each_activity(self):
        when = timezone.now() + datetime.timedelta(days=2)
        Page.objects.update(publish_at=when)
        Activity.objects.filter(slug__in=[RAURA, LITTER]).update(status="draft")
        litter, raura = Activity.objects.get(slug=LITTER), Activity.objects.get(slug=RAURA)
        notes = messages_of(self.publish(Activity, litter, raura))[1:]
        self.assertEqual(sorted(notes), sorted([
            (f"Published “{item}”, but it is not on the public site: its page “EPA Collaboration with Peru (live)” "
             f"is scheduled for {timezone.localtime(when):%Y-%m-%d %H:%M}.", [change_url(self.page)])
            for item in (raura, litter)
        ]))

    def test_nothing_more_is_said_when_it_is_public(self):
        Activity.objects.filter(slug=LITTER).update(status="draft")
        response = self.publish(Activity, Activity.objects.get(slug=LITTER))
        self.assertEqual(len(messages_of(response)), 1)
        self.assertEqual(self.client.get(f"/activities/{LITTER}/").status_code, 200)

    def test_scheduling_in_bulk_says_it_too(self):
        Page.objects.update(status="draft")
        litter = Activity.objects.get(slug=LITTER)
        when = timezone.localtime() + datetime.timedelta(days=3)
        response = self.publish(Activity, litter, publish_at=when.strftime("%Y-%m-%dT%H:%M"))
        self.assertEqual(messages_of(response)[1][0], f"Scheduled “{litter}”, but it is not on the public site: "
                                                      "its page “EPA Collaboration with Peru (live)” is a draft.")

    def test_a_publisher_who_sets_published_in_the_form_is_told_too(self):
        Page.objects.update(status="draft")
        Activity.objects.filter(slug=LITTER).update(status="draft")
        litter = Activity.objects.get(slug=LITTER)
        response = self.submit(change_url(litter), "activity_form", self.publisher, status="published")
        notes = messages_of(response)
        self.assertIn((f"Published “{litter}”, but it is not on the public site: "
                       "its page “EPA Collaboration with Peru (live)” is a draft.", [change_url(self.page)]), notes)
        self.assertEqual(Activity.objects.get(slug=LITTER).status, "published")

    def test_saving_other_changes_says_nothing_of_it(self):
        Page.objects.update(status="draft")
        litter = Activity.objects.get(slug=LITTER)
        notes = messages_of(self.submit(change_url(litter), "activity_form", self.publisher, text="Edited."))
        self.assertEqual([note for note, _ in notes if "not on the public site" in note], [])

    def test_the_confirmation_page_counts_in_words(self):
        self.client.force_login(self.publisher)
        changelist = reverse("admin:activities_activity_changelist")
        litter = Activity.objects.get(slug=LITTER)
        response = self.client.post(changelist, {"action": "publish_selected", "_selected_action": [litter.pk]})
        self.assertContains(response, "<h1>Publish 1 activity?</h1>", html=True)
        self.assertContains(response, "Publish this activity? Each is changed on its own")


class SnapshotEditableCopyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
        cls.snapshot = Page.objects.get()
        cls.editor = staff_user("editor", "Editors")
        cls.start_url = reverse("admin:activities_page_start_live_draft", args=[cls.snapshot.pk])

    def setUp(self):
        self.client.force_login(self.editor)

    def note(self, obj):
        """The words and links the form shows about the snapshot."""
        page = ParsedHtml(self.client.get(change_url(obj)).content.decode())
        note = next(block for block in page.blocks if "it is shown, not edited" in block)
        return note, [link["href"] for link in page.links if link["text"] in note]

    def test_a_snapshots_form_says_how_to_make_an_editable_copy_and_links_it(self):
        note, links = self.note(self.snapshot)
        self.assertIn("A snapshot: it is shown, not edited. To change it, start a live draft of the page from this "
                      "snapshot: an editable copy, which the public sees once it is published.", note)
        self.assertIn(self.start_url, links)

    def test_its_activities_forms_say_the_same_and_link_the_pages_action(self):
        note, links = self.note(Activity.objects.get(slug=LITTER))
        self.assertIn("Part of a snapshot: it is shown, not edited. To change it, start a live draft", note)
        self.assertEqual(links, [self.start_url], "said once, linking the page's action")

    def test_the_link_asks_first_then_starts_the_live_draft_and_opens_it(self):
        page = ParsedHtml(self.client.get(self.start_url).content.decode())
        self.assertIn(("h1", "Start a live draft of “EPA Collaboration with Peru”?"), page.headings)
        self.assertIn("the page’s address goes on showing the snapshot until the draft is published",
                      " ".join(page.blocks))
        self.assertFalse(Page.objects.filter(archived_on=None).exists(), "nothing is done before it is confirmed")
        response = self.client.post(self.start_url, follow=True)
        live = Page.objects.get(archived_on=None)
        self.assertRedirects(response, change_url(live))
        self.assertContains(response, f"Started “{live}” as a draft: edit it, then publish it.")
        self.assertEqual((live.status, live.activities.count()), ("draft", self.snapshot.activities.count()))
        self.assertEqual(Page.objects.get(pk=self.snapshot.pk).archived_on, datetime.date(2021, 1, 19))

    def test_once_there_is_a_live_version_the_forms_link_it_instead(self):
        live = services.start_live_version(self.snapshot, user=self.editor)
        note, links = self.note(self.snapshot)
        self.assertIn("To change it, edit the page’s live version: “EPA Collaboration with Peru (live)”.", note)
        self.assertIn(change_url(live), links)
        self.assertNotIn(self.start_url, links)
        note, links = self.note(Activity.objects.get(slug=LITTER, page=self.snapshot))
        self.assertEqual(links, [change_url(live)])
        response = self.client.post(self.start_url, follow=True)
        self.assertRedirects(response, change_url(live))
        self.assertContains(response, "already has a live version")
        self.assertEqual(Page.objects.count(), 2, "no second live version")

    def test_the_live_versions_own_address_leads_back_to_it(self):
        live = services.start_live_version(self.snapshot, user=self.editor)
        url = reverse("admin:activities_page_start_live_draft", args=[live.pk])
        response = self.client.post(url, follow=True)
        self.assertRedirects(response, change_url(live))
        self.assertContains(response, "is the live version: edit that one.")
        self.assertEqual(Page.objects.count(), 2)

    def test_staff_who_may_not_add_pages_are_refused(self):
        self.client.force_login(staff_user("reader"))
        self.assertIn(self.client.post(self.start_url).status_code, (302, 403))
        self.assertFalse(Page.objects.filter(archived_on=None).exists())


class TextHelpTests(LiveVersionTestCase):
    def test_a_texts_help_names_every_kind_of_link_it_takes(self):
        self.client.force_login(self.editor)
        activity = Activity.objects.get(slug=RAURA)
        html = self.client.get(change_url(activity)).content.decode()
        start = html.index(">", html.index('id="id_text_helptext"')) + 1
        help_text = unescape(html[start : html.index("</div>", start)])
        for form in ("partner:slug", "https://…", "/path/", "#anchor", "mailto:…", "no lists"):
            self.assertIn(form, help_text)
