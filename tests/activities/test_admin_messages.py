"""What the admin says to staff: dates to the month, constraints in words,
publishing what the public cannot see yet, and snapshots' editable copies."""

import datetime

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Activity, Heading, Page
from tests.content import staff_user
from tests.factories import make_activity, make_heading, make_page, make_snapshot, make_text
from tests.forms import add_row, admin_action, admin_form_data, confirm, row_of
from tests.html import elements

PAGE = "/international-cooperation/epa-collaboration-chile/"
# Two activities of the page that tests change.
WEBINAR = "chile-2020-03-mine-inspections-webinar"
PILOT = "chile-2016-09-marine-litter-pilot"


def make_country_page():
    """A published country page: an opening with an activity, two parts, the second with an activity."""
    page = make_page("EPA Collaboration with Chile", slug="epa-collaboration-chile", country="Chile")
    make_text(page, "EPA and Chile have worked together since 2004.")
    make_activity(page, "EPA staff held a webinar with inspectors on a copper mine.", slug=WEBINAR, date="2020-03",
                  display="paragraph")
    make_heading(page, "Megacities Partnership for the Santiago Region", anchor="megacities-partnership")
    make_text(page, "EPA joined the Megacities Partnership to measure transport emissions.")
    make_heading(page, "Past Activities")
    make_activity(page, "A Trash Free Waters pilot against marine litter in Valparaíso.", slug=PILOT,
                  title="Trash Free Waters pilot against marine litter", date="2016-09")
    return page


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def messages_of(response):
    """The admin's messages, as HTML."""
    (messages,) = elements(response.content.decode(), "ul", class_="messagelist")
    return [str(message) for message in messages.children]


def not_public(done, item, page, why):
    """The warning that ``item``, just published or scheduled (``done``), is not public, since its ``page`` is not."""
    return (f"<li class=\"warning\">{done} “{item}”, but it is not on the public site: its page "
            f"<a href=\"{change_url(page)}\">“{page}”</a> is {why}.</li>")


class LiveVersionTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.page = make_country_page()
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
        """The first error of each list of errors the form shows."""
        return [errors.children[0].children[0]
                for errors in elements(response.content.decode(), "ul", class_="errorlist")]


class ActivityDateTests(LiveVersionTestCase):
    def test_any_day_of_a_month_is_taken_and_stored_as_the_first(self):
        activity = Activity.objects.get(slug=PILOT)
        response = self.submit(change_url(activity), "activity_form", self.editor, date="2019-11-15")
        self.assertEqual(self.errors(response), [])
        activity.refresh_from_db()
        self.assertEqual(activity.date, datetime.date(2019, 11, 1))
        self.assertContains(self.client.get(PAGE), f'<li class="activity" id="{PILOT}"><a class="activity__date" '
                                                   'href="/activities/2019/">November 2019</a>: A Trash Free Waters '
                                                   "pilot against marine litter in Valparaíso.</li>", html=True)

    def test_on_the_pages_form_too(self):
        url, data = self.page_form(self.editor)
        data[f"activities-{row_of(data, 'activities', Activity.objects.get(slug=PILOT))}-date"] = "2019-11-30"
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, self.errors(response))
        self.assertEqual(Activity.objects.get(slug=PILOT).date, datetime.date(2019, 11, 1))


class ConstraintInWordsTests(LiveVersionTestCase):
    def test_a_second_live_version_of_a_page_is_refused_in_words(self):
        response = self.submit(reverse("admin:activities_page_add"), "page_form", self.editor,
                               title="Chile again", slug=self.page.slug, country="Chile")
        self.assertEqual(self.errors(response), ["This page already has a live version: edit that one."])
        self.assertEqual(Page.objects.count(), 1)

    def test_a_slug_taken_on_the_page_is_refused_in_words_from_the_pages_form(self):
        url, data = self.page_form(self.editor)
        add_row(data, "activities", region="main", ordering="145", display="bulleted", slug=PILOT, text="A new one.")
        response = self.client.post(url, data)
        self.assertEqual(self.errors(response), ["Another activity of this page has this slug: choose another."])
        self.assertEqual(Activity.objects.filter(slug=PILOT).count(), 1)

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
        litter = Activity.objects.get(slug=PILOT)
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
        Activity.objects.filter(slug__in=[WEBINAR, PILOT]).update(status="draft")
        litter = Activity.objects.get(slug=PILOT)
        response = self.publish(Activity, litter)
        self.assertContains(response, f"""
            <ul class="messagelist">
              <li class="success">Published 1 activity: {litter}.</li>
              {not_public("Published", litter, self.page, "a draft")}
            </ul>""", html=True)
        self.assertEqual(self.client.get(f"/activities/{PILOT}/").status_code, 200, "staff preview")

    def test_a_scheduled_page_is_named_with_its_time_for_each_activity(self):
        when = timezone.now() + datetime.timedelta(days=2)
        Page.objects.update(publish_at=when)
        Activity.objects.filter(slug__in=[WEBINAR, PILOT]).update(status="draft")
        litter, raura = Activity.objects.get(slug=PILOT), Activity.objects.get(slug=WEBINAR)
        response = self.publish(Activity, litter, raura)
        self.assertEqual(len(messages_of(response)), 3)
        for item in (raura, litter):
            self.assertContains(response, not_public("Published", item, self.page,
                                                     f"scheduled for {timezone.localtime(when):%Y-%m-%d %H:%M}"),
                                count=1, html=True)

    def test_nothing_more_is_said_when_it_is_public(self):
        Activity.objects.filter(slug=PILOT).update(status="draft")
        response = self.publish(Activity, Activity.objects.get(slug=PILOT))
        self.assertEqual(len(messages_of(response)), 1)
        self.assertEqual(self.client.get(f"/activities/{PILOT}/").status_code, 200)

    def test_scheduling_in_bulk_says_it_too(self):
        Page.objects.update(status="draft")
        litter = Activity.objects.get(slug=PILOT)
        when = timezone.localtime() + datetime.timedelta(days=3)
        response = self.publish(Activity, litter, publish_at=when.strftime("%Y-%m-%dT%H:%M"))
        self.assertHTMLEqual(messages_of(response)[1], not_public("Scheduled", litter, self.page, "a draft"))

    def test_a_publisher_who_sets_published_in_the_form_is_told_too(self):
        Page.objects.update(status="draft")
        Activity.objects.filter(slug=PILOT).update(status="draft")
        litter = Activity.objects.get(slug=PILOT)
        response = self.submit(change_url(litter), "activity_form", self.publisher, status="published")
        self.assertContains(response, not_public("Published", litter, self.page, "a draft"), count=1, html=True)
        self.assertEqual(Activity.objects.get(slug=PILOT).status, "published")

    def test_saving_other_changes_says_nothing_of_it(self):
        Page.objects.update(status="draft")
        litter = Activity.objects.get(slug=PILOT)
        response = self.submit(change_url(litter), "activity_form", self.publisher, text="Edited.")
        self.assertEqual(len(messages_of(response)), 1)
        self.assertNotContains(response, "not on the public site")

    def test_the_confirmation_page_counts_in_words(self):
        self.client.force_login(self.publisher)
        changelist = reverse("admin:activities_activity_changelist")
        litter = Activity.objects.get(slug=PILOT)
        response = self.client.post(changelist, {"action": "publish_selected", "_selected_action": [litter.pk]})
        self.assertContains(response, "<h1>Publish 1 activity?</h1>", html=True)
        self.assertContains(response, "Publish this activity? Each is changed on its own")


class SnapshotEditableCopyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        live = make_country_page()
        cls.snapshot = make_snapshot(live, "2021-01-19")
        live.delete()
        cls.editor = staff_user("editor", "Editors")
        cls.start_url = reverse("admin:activities_page_start_live_draft", args=[cls.snapshot.pk])

    def setUp(self):
        self.client.force_login(self.editor)

    def note(self, obj):
        """What the form says about the snapshot, as HTML: the one field that says it is shown, not edited."""
        html = self.client.get(change_url(obj)).content.decode()
        (note,) = [str(field) for field in elements(html, "div", class_="readonly")
                   if "it is shown, not edited" in str(field)]
        return note

    def test_a_snapshots_form_says_how_to_make_an_editable_copy_and_links_it(self):
        compare = reverse("admin:activities_page_compare_versions", args=[self.snapshot.pk])
        self.assertHTMLEqual(self.note(self.snapshot), f"""
            <div class="readonly">A snapshot: it is shown, not edited. To change it, <a href="{self.start_url}">start
            a live draft</a> of the page from this snapshot: an editable copy, which the public sees once it is
            published. <a href="{compare}">Compare this version with another</a></div>""")

    def test_its_activities_forms_say_the_same_and_link_the_pages_action(self):
        # Said once, linking the page's action.
        self.assertHTMLEqual(self.note(Activity.objects.get(slug=PILOT)), f"""
            <div class="readonly">Part of a snapshot: it is shown, not edited. To change it, <a
            href="{self.start_url}">start a live draft</a> of the page from this snapshot: an editable copy, which
            the public sees once it is published.</div>""")

    def test_the_link_asks_first_then_starts_the_live_draft_and_opens_it(self):
        page = self.client.get(self.start_url)
        self.assertContains(page, "<h1>Start a live draft of “EPA Collaboration with Chile”?</h1>", html=True)
        self.assertContains(page, """
            <p>“EPA Collaboration with Chile (archived 2021-01-19)” is a snapshot: it is shown as it was, never
            edited. A live draft is an editable copy of it: the page, its sections and its activities, which editors
            change. It starts as a draft: the page’s address goes on showing the snapshot until the draft is
            published, and the snapshot itself stays as it is.</p>""", html=True)
        self.assertFalse(Page.objects.filter(archived_on=None).exists(), "nothing is done before it is confirmed")
        response = self.client.post(self.start_url, follow=True)
        live = Page.objects.get(archived_on=None)
        self.assertRedirects(response, change_url(live))
        self.assertContains(response, f"Started “{live}” as a draft: edit it, then publish it.")
        self.assertEqual((live.status, live.activities.count()), ("draft", self.snapshot.activities.count()))
        self.assertEqual(Page.objects.get(pk=self.snapshot.pk).archived_on, datetime.date(2021, 1, 19))

    def test_once_there_is_a_live_version_the_forms_link_it_instead(self):
        live = services.start_live_version(self.snapshot, user=self.editor)
        compare = reverse("admin:activities_page_compare_versions", args=[self.snapshot.pk])
        self.assertHTMLEqual(self.note(self.snapshot), f"""
            <div class="readonly">A snapshot: it is shown, not edited. To change it, edit the page’s live version:
            <a href="{change_url(live)}">“EPA Collaboration with Chile (live)”</a>. <a href="{compare}">Compare this
            version with another</a></div>""")
        self.assertHTMLEqual(self.note(Activity.objects.get(slug=PILOT, page=self.snapshot)), f"""
            <div class="readonly">Part of a snapshot: it is shown, not edited. To change it, edit the page’s live
            version: <a href="{change_url(live)}">“EPA Collaboration with Chile (live)”</a>.</div>""")
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
        activity = Activity.objects.get(slug=WEBINAR)
        (help_text,) = elements(self.client.get(change_url(activity)).content.decode(), "div", id="id_text_helptext")
        help_text = str(help_text)
        for form in ("partner:slug", "https://…", "/path/", "#anchor", "mailto:…", "no lists"):
            self.assertIn(form, help_text)
