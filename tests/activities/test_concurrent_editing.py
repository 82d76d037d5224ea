"""No lost edits: every admin form and action carries the revision it was read
at, and a save based on an older one is refused, saying who changed what."""

import datetime
import re
import threading
from html.parser import HTMLParser
from unittest import mock, skipUnless

from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import TestCase, TransactionTestCase
from django.urls import reverse

from activities import services, snapshots
from activities.admin import ActivityAdmin
from activities.models import Activity, Heading, Page, RichText, Theme
from core.services import unpublish
from partners.models import Partner
from tests.content import LITTER, RAURA, load_peru_as_live_version, staff_user
from tests.forms import admin_action, admin_form_data, confirm
from tests.html import VOID, words


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


class Browser:
    """One staff member's browser: open a form, then submit it as it shows."""

    def __init__(self, test, user):
        self.test, self.client = test, test.client_class()
        self.client.force_login(user)

    def open(self, obj):
        self.url = change_url(obj)
        response = self.client.get(self.url)
        self.form_id = f"{obj._meta.model_name}_form"
        self.data = admin_form_data(response.content.decode(), self.form_id)
        return self.data

    def save(self, **changes):
        self.data.update(changes)
        response = self.client.post(self.url, self.data)
        if response.status_code == 200:  # shown again: the next save submits the form as it is now shown
            self.data = admin_form_data(response.content.decode(), self.form_id)
        return response

    def row(self, prefix, obj):
        """The index of ``obj``'s row in the inline ``prefix``."""
        return next(int(key.split("-")[1]) for key, value in self.data.items()
                    if re.fullmatch(rf"{prefix}-\d+-id", key) and value == str(obj.pk))


class ErrorText(HTMLParser):
    """The words of a page's error lists (and error notes)."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.depth, self.parts = 0, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag not in VOID and (self.depth or "errorlist" in classes or "errornote" in classes):
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def errors(response):
    text = words("".join(ErrorText(response.content.decode()).parts))
    return re.sub(r"\s+(?=[\])])", "", text)  # "programme ]" as a reader hears it: "programme]"


class RevisionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()
        cls.publisher = staff_user("publisher", "Publishers")

    def test_every_save_and_update_moves_the_revision_on_and_the_history_keeps_it(self):
        activity = Activity.objects.get(slug=LITTER)
        start = activity.revision
        activity.text = "Changed by a save."
        activity.save()
        self.assertEqual(Activity.objects.get(pk=activity.pk).revision, start + 1)
        self.assertEqual(activity.history.latest("history_date").revision, start + 1)
        Activity.objects.filter(pk=activity.pk).update(title="Changed by an update")
        self.assertEqual(Activity.objects.get(pk=activity.pk).revision, start + 2)
        unpublish(Activity.objects.get(pk=activity.pk), user=self.publisher)
        self.assertEqual(Activity.objects.get(pk=activity.pk).revision, start + 3)

    def test_a_publishing_service_refuses_a_revision_that_moved_on(self):
        activity = Activity.objects.get(slug=LITTER)
        read = activity.revision
        Activity.objects.filter(pk=activity.pk).update(text="Changed meanwhile.")
        with self.assertRaisesMessage(ValidationError, "after you read it"):
            unpublish(activity, user=self.publisher, revision=read)
        self.assertEqual(Activity.objects.get(pk=activity.pk).status, "published")
        unpublish(activity, user=self.publisher, revision=read + 1)
        self.assertEqual(Activity.objects.get(pk=activity.pk).status, "draft")

    def test_snapshot_fixtures_do_not_carry_revisions(self):
        page = Page.objects.get()
        records = snapshots.export_snapshot(page)
        self.assertFalse([record for record in records if "revision" in record["fields"]])


class ChangeFormTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()
        cls.editor = staff_user("editor", "Editors")
        cls.publisher = staff_user("publisher", "Publishers")

    def test_the_second_of_two_saves_is_refused_with_the_first_ones_change_then_saves(self):
        litter = Activity.objects.get(slug=LITTER)
        first, second = Browser(self, self.editor), Browser(self, self.publisher)
        first.open(litter)
        second.open(litter)
        self.assertEqual(first.save(title="Marine litter pilot").status_code, 302)

        refused = second.save(text="Pilot project with Peru's Ministry of Environment, rewritten.")
        self.assertEqual(refused.status_code, 200)
        said = errors(refused)
        self.assertIn("was changed by editor on", said)
        self.assertIn("Nothing was saved.", said)
        self.assertIn("Title: [removed: Trash Free Waters] [added: Marine litter] pilot [removed: against marine litter in Chincha]", said)
        self.assertIn("The form now holds their version.", said)
        self.assertEqual(Activity.objects.get(pk=litter.pk).title, "Marine litter pilot")
        # The second one's input is kept, the first one's change brought in, the revision now seen carried.
        self.assertEqual(second.data["text"].strip(), "Pilot project with Peru's Ministry of Environment, rewritten.")
        self.assertEqual(second.data["title"], "Marine litter pilot")
        self.assertEqual(second.data["revision"], str(Activity.objects.get(pk=litter.pk).revision))

        self.assertEqual(second.save().status_code, 302)
        litter.refresh_from_db()
        self.assertEqual(litter.text, "Pilot project with Peru's Ministry of Environment, rewritten.")
        self.assertEqual(litter.title, "Marine litter pilot", "the first one's change is not lost")
        self.assertEqual(litter.history.latest("history_date").history_user, self.publisher)

    def test_when_both_changed_the_same_field_the_second_sees_theirs_word_by_word_and_keeps_their_own(self):
        litter = Activity.objects.get(slug=LITTER)
        first, second = Browser(self, self.publisher), Browser(self, self.editor)
        original = first.open(litter)["text"].strip()
        second.open(litter)
        first.save(text=original.replace("Pilot project", "Pilot programme"))
        refused = second.save(text="The editor's own text.")
        said = errors(refused)
        self.assertIn("was changed by publisher on", said)
        self.assertIn("Text: Pilot [removed: project] [added: programme] in partnership", said)
        self.assertIn("You changed it too: the form keeps your version", said)
        self.assertEqual(second.data["text"].strip(), "The editor's own text.")
        self.assertContains(refused, '<del class="comparison__removed">')
        self.assertEqual(second.save().status_code, 302)
        self.assertEqual(Activity.objects.get(pk=litter.pk).text, "The editor's own text.")

    def test_a_change_made_without_history_is_still_refused(self):
        litter = Activity.objects.get(slug=LITTER)
        browser = Browser(self, self.editor)
        browser.open(litter)
        Activity.objects.filter(pk=litter.pk).update(text="Changed by a command.")
        refused = browser.save(title="A title")
        self.assertIn("changed by a command", errors(refused))
        self.assertEqual(Activity.objects.get(pk=litter.pk).text, "Changed by a command.")

    def test_the_revision_alone_does_not_make_a_form_changed(self):
        page = Page.objects.get()
        browser = Browser(self, self.editor)
        browser.open(page)
        self.assertEqual(browser.save().status_code, 302)
        self.assertEqual(LogEntry.objects.get(user=self.editor).get_change_message(), "No fields changed.")

    def test_a_view_only_form_carries_no_revision(self):
        snapshot = services.freeze_snapshot(Page.objects.get(), archived_on=datetime.date(2026, 11, 1))
        snapshot_part = snapshot.activities.get(slug=LITTER)  # read-only, as its page
        browser = Browser(self, self.editor)
        self.assertNotIn("revision", browser.open(snapshot_part))
        self.assertNotContains(browser.client.get(browser.url), "Revision")

    def test_a_theme_s_form_is_checked_too(self):
        mercury = Theme.objects.get(slug="mercury")
        first, second = Browser(self, self.editor), Browser(self, self.publisher)
        first.open(mercury)
        second.open(mercury)
        first.save(description="Mercury and its compounds.")
        refused = second.save(name="Mercury pollution")
        self.assertIn("Description: [added: Mercury and its compounds.]", errors(refused))
        self.assertEqual(second.save().status_code, 302)
        mercury.refresh_from_db()
        self.assertEqual((mercury.name, mercury.description), ("Mercury pollution", "Mercury and its compounds."))

    def test_a_partner_s_form_is_checked_too(self):
        oefa = Partner.objects.get(slug="oefa")
        first, second = Browser(self, self.editor), Browser(self, self.editor)
        first.open(oefa)
        second.open(oefa)
        first.save(acronym="OEFA-PE")
        refused = second.save(country="Perú")
        self.assertIn("was changed by editor on", errors(refused))
        self.assertEqual(second.save().status_code, 302)
        oefa.refresh_from_db()
        self.assertEqual((oefa.acronym, oefa.country), ("OEFA-PE", "Perú"))


class PageFormTests(TestCase):
    """The page's form with its blocks, activities among them."""

    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()
        cls.editor = staff_user("editor", "Editors")
        cls.publisher = staff_user("publisher", "Publishers")

    def setUp(self):
        self.page = Page.objects.get()
        self.raura = Activity.objects.get(slug=RAURA)
        self.form = Browser(self, self.editor)
        self.form.open(self.page)
        self.elsewhere = Browser(self, self.publisher)

    def test_an_activity_changed_since_the_page_was_read_is_left_as_it_is_when_the_editor_did_not_touch_it(self):
        self.elsewhere.open(self.raura)
        self.elsewhere.save(text="Raura, rewritten by the publisher.")
        self.assertEqual(self.form.save(meta_description="A new description.").status_code, 302)
        self.assertEqual(Activity.objects.get(pk=self.raura.pk).text, "Raura, rewritten by the publisher.")
        self.assertEqual(Page.objects.get().meta_description, "A new description.")

    def test_two_editors_changing_different_rows_of_the_page_both_save(self):
        # Saving the page's form for a row alone leaves the page itself as it
        # was: the other editor's form is not refused for a change of nothing.
        page_revision, page_history = self.page.revision, self.page.history.count()
        litter = Activity.objects.get(slug=LITTER)
        other = Browser(self, self.publisher)
        other.open(self.page)
        row = other.row("activities", self.raura)
        self.assertEqual(other.save(**{f"activities-{row}-text": "Raura, by the publisher."}).status_code, 302)
        row = self.form.row("activities", litter)
        response = self.form.save(**{f"activities-{row}-text": "Litter, by the editor."})
        self.assertEqual(response.status_code, 302, errors(response))
        self.assertEqual(Activity.objects.get(pk=self.raura.pk).text, "Raura, by the publisher.")
        self.assertEqual(Activity.objects.get(pk=litter.pk).text, "Litter, by the editor.")
        page = Page.objects.get()
        self.assertEqual((page.revision, page.history.count()), (page_revision, page_history))

    def test_an_activity_changed_by_both_is_refused_in_its_row_then_saves(self):
        self.elsewhere.open(self.raura)
        self.elsewhere.save(text="Raura, rewritten by the publisher.")
        row = self.form.row("activities", self.raura)
        refused = self.form.save(**{f"activities-{row}-text": "Raura, rewritten by the editor.",
                                    "meta_description": "New description."})
        self.assertEqual(refused.status_code, 200)
        said = errors(refused)
        self.assertIn("The activity “Webinar with OEFA on inspections of the Raura Mine” was changed by publisher on", said)
        self.assertIn("Text: [removed: EPA Region 9 staff participated in a successful webinar", said)
        self.assertIn("You changed it too: the form keeps your version", said)
        self.assertNotIn("Select a valid choice", said)
        self.assertEqual(Page.objects.get().meta_description, self.page.meta_description, "nothing was saved")
        self.assertEqual(self.form.data[f"activities-{row}-text"].strip(), "Raura, rewritten by the editor.")
        self.assertEqual(self.form.data["meta_description"].strip(), "New description.")
        self.assertEqual(self.form.save().status_code, 302)
        self.assertEqual(Activity.objects.get(pk=self.raura.pk).text, "Raura, rewritten by the editor.")
        self.assertEqual(Page.objects.get().meta_description, "New description.")

    def test_a_block_changed_by_both_is_refused_too_then_saves(self):
        heading = Heading.objects.get(anchor="past-activities")
        self.elsewhere.open(self.page)
        self.elsewhere.save(**{f"heading_blocks-{self.elsewhere.row('heading_blocks', heading)}-text":
                               "Earlier Activities"})
        row = self.form.row("heading_blocks", heading)
        refused = self.form.save(**{f"heading_blocks-{row}-text": "Former Activities"})
        self.assertEqual(refused.status_code, 200)
        said = errors(refused)
        self.assertIn("The heading “h2 Earlier Activities” was changed by publisher on", said)
        self.assertIn("Text: [removed: Past] [added: Earlier]", said)
        self.assertIn("You changed it too: the form keeps your version", said)
        self.assertEqual(Heading.objects.get(pk=heading.pk).text, "Earlier Activities")
        self.assertEqual(self.form.save().status_code, 302)
        self.assertEqual(Heading.objects.get(pk=heading.pk).text, "Former Activities")

    def test_a_block_changed_since_the_page_was_read_is_left_as_it_is_when_the_editor_did_not_touch_it(self):
        heading = Heading.objects.get(anchor="past-activities")
        self.elsewhere.open(self.page)
        self.elsewhere.save(**{f"heading_blocks-{self.elsewhere.row('heading_blocks', heading)}-text":
                               "Earlier Activities"})
        row = self.form.row("heading_blocks", Heading.objects.get(anchor="learn-more"))
        self.assertEqual(self.form.save(**{f"heading_blocks-{row}-text": "Learn More"}).status_code, 302)
        self.assertEqual(Heading.objects.get(pk=heading.pk).text, "Earlier Activities")
        self.assertEqual(Heading.objects.get(anchor="learn-more").text, "Learn More")

    def test_a_block_moved_since_the_page_was_read_is_refused_where_the_editor_moved_it_too(self):
        opening = RichText.objects.get(page=self.page, ordering=10)
        self.elsewhere.open(self.page)
        self.elsewhere.save(**{f"richtext_blocks-{self.elsewhere.row('richtext_blocks', opening)}-ordering": "25"})
        refused = self.form.save(**{f"richtext_blocks-{self.form.row('richtext_blocks', opening)}-ordering": "35"})
        self.assertIn("Ordering: [removed: 10] [added: 25]", errors(refused))
        self.assertEqual(RichText.objects.get(pk=opening.pk).ordering, 25)

    def test_a_block_deleted_since_the_page_was_read_is_said_in_words(self):
        heading = Heading.objects.get(anchor="learn-more")
        self.elsewhere.open(self.page)
        self.elsewhere.save(**{f"heading_blocks-{self.elsewhere.row('heading_blocks', heading)}-DELETE": "on"})
        self.assertFalse(Heading.objects.filter(pk=heading.pk).exists())
        row = self.form.row("heading_blocks", heading)
        refused = self.form.save(**{f"heading_blocks-{row}-text": "Learn More", "meta_description": "New."})
        self.assertEqual(refused.status_code, 200)
        said = errors(refused)
        self.assertIn("The heading “h2 Learn More About Peru” was deleted by publisher on", said)
        self.assertNotIn("Select a valid choice", said)
        self.assertEqual(self.form.save().status_code, 302)
        self.assertEqual(Page.objects.get().meta_description, "New.")
        self.assertFalse(Heading.objects.filter(anchor="learn-more").exists(), "not brought back")

    def test_deleting_a_block_changed_since_is_refused(self):
        heading = Heading.objects.get(anchor="learn-more")
        self.elsewhere.open(self.page)
        self.elsewhere.save(**{f"heading_blocks-{self.elsewhere.row('heading_blocks', heading)}-text": "Learn More"})
        refused = self.form.save(**{f"heading_blocks-{self.form.row('heading_blocks', heading)}-DELETE": "on"})
        self.assertIn("was changed by publisher on", errors(refused))
        self.assertTrue(Heading.objects.filter(pk=heading.pk).exists())
        self.assertEqual(self.form.save().status_code, 302, "deleted once its change was seen")
        self.assertFalse(Heading.objects.filter(pk=heading.pk).exists())

    def test_a_new_block_is_added_beside_a_change_made_meanwhile(self):
        heading = Heading.objects.get(anchor="past-activities")
        self.elsewhere.open(self.page)
        self.elsewhere.save(**{f"heading_blocks-{self.elsewhere.row('heading_blocks', heading)}-text":
                               "Earlier Activities"})
        index = int(self.form.data["topofpage_blocks-TOTAL_FORMS"])
        response = self.form.save(**{"topofpage_blocks-TOTAL_FORMS": str(index + 1),
                                     f"topofpage_blocks-{index}-region": "main",
                                     f"topofpage_blocks-{index}-ordering": "335"})
        self.assertEqual(response.status_code, 302, errors(response))
        self.assertEqual(self.page.topofpage_blocks.count(), 5)
        self.assertEqual(Heading.objects.get(pk=heading.pk).text, "Earlier Activities")

    def test_an_activity_deleted_since_the_page_was_read_is_said_in_words(self):
        Browser(self, self.publisher).client.post(reverse("admin:activities_activity_delete", args=[self.raura.pk]),
                                                  {"post": "yes"})
        self.assertFalse(Activity.objects.filter(pk=self.raura.pk).exists())
        row = self.form.row("activities", self.raura)
        refused = self.form.save(**{f"activities-{row}-text": "Raura, by the editor.", "meta_description": "New."})
        self.assertEqual(refused.status_code, 200)
        said = errors(refused)
        self.assertIn("The activity “Webinar with OEFA on inspections of the Raura Mine”", said)
        self.assertIn("was deleted by publisher on", said)
        self.assertNotIn("Select a valid choice", said)
        self.assertEqual(self.form.save().status_code, 302)
        self.assertEqual(Page.objects.get().meta_description, "New.")
        self.assertFalse(Activity.objects.filter(slug=RAURA).exists(), "not brought back")

    def test_deleting_an_activity_changed_since_is_refused(self):
        form = Browser(self, self.publisher)
        form.open(self.page)
        self.elsewhere.open(self.raura)
        self.elsewhere.save(text="Raura, rewritten.")
        row = form.row("activities", self.raura)
        refused = form.save(**{f"activities-{row}-DELETE": "on"})
        self.assertIn("was changed by publisher on", errors(refused))
        self.assertTrue(Activity.objects.filter(pk=self.raura.pk).exists())
        self.assertEqual(form.save().status_code, 302, "deleted once its change was seen")
        self.assertFalse(Activity.objects.filter(pk=self.raura.pk).exists())

    def test_a_new_theme_on_an_inline_activity_is_saved(self):
        mercury = Theme.objects.get(slug="mercury")
        row = self.form.row("activities", self.raura)
        self.assertEqual(self.form.save(**{f"activities-{row}-themes": [str(mercury.pk)]}).status_code, 302)
        self.assertEqual(list(Activity.objects.get(pk=self.raura.pk).themes.all()), [mercury])


class BulkActionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()
        cls.editor = staff_user("editor", "Editors")
        cls.publisher = staff_user("publisher", "Publishers")

    def setUp(self):
        self.client.force_login(self.publisher)
        self.url = reverse("admin:activities_activity_changelist")
        Activity.objects.filter(slug__in=[RAURA, LITTER]).update(status="draft")
        self.raura, self.litter = Activity.objects.get(slug=RAURA), Activity.objects.get(slug=LITTER)

    def edit_elsewhere(self, activity, **changes):
        browser = Browser(self, self.editor)
        browser.open(activity)
        self.assertEqual(browser.save(**changes).status_code, 302)

    def test_an_item_changed_since_the_list_was_read_is_not_published(self):
        data = admin_form_data(self.client.get(self.url).content.decode(), "changelist-form")
        self.edit_elsewhere(self.raura, text="Raura, edited after the list was read.")
        data.update(action="publish_selected", _selected_action=[str(self.raura.pk), str(self.litter.pk)])
        confirmation = self.client.post(self.url, data)
        self.assertContains(confirmation, "it will be left as it is, since it was changed by editor on")
        response = confirm(self.client, self.url, confirmation)
        self.assertContains(response, "Published 1 activity:")
        self.assertContains(response, "Could not publish “Webinar with OEFA on inspections of the Raura Mine”")
        self.assertContains(response, "it was changed by editor on")
        self.assertEqual(Activity.objects.get(pk=self.raura.pk).status, "draft")
        self.assertEqual(Activity.objects.get(pk=self.litter.pk).status, "published")

    def test_an_item_changed_after_the_confirmation_page_is_not_published(self):
        confirmation = admin_action(self.client, self.url, "publish_selected", [self.raura.pk])
        self.edit_elsewhere(self.raura, text="Raura, edited after the confirmation page was read.")
        response = confirm(self.client, self.url, confirmation)
        self.assertContains(response, "it was changed by editor on")
        self.assertEqual(Activity.objects.get(pk=self.raura.pk).status, "draft")

    def test_an_item_changed_since_the_list_was_read_is_not_deleted(self):
        data = admin_form_data(self.client.get(self.url).content.decode(), "changelist-form")
        self.edit_elsewhere(self.raura, text="Raura, edited after the list was read.")
        data.update(action="delete_selected", _selected_action=[str(self.raura.pk), str(self.litter.pk)])
        confirmation = self.client.post(self.url, data, follow=True)
        self.assertContains(confirmation, "Did not delete “Webinar with OEFA on inspections of the Raura Mine”")
        response = confirm(self.client, self.url, confirmation, form_id="delete-confirmation")
        self.assertContains(response, "Successfully deleted 1 activity.")
        self.assertTrue(Activity.objects.filter(pk=self.raura.pk).exists())
        self.assertFalse(Activity.objects.filter(pk=self.litter.pk).exists())

    def test_a_page_changed_since_the_list_was_read_is_not_frozen(self):
        Page.objects.update(status="published")
        page = Page.objects.get()
        url = reverse("admin:activities_page_changelist")
        data = admin_form_data(self.client.get(url).content.decode(), "changelist-form")
        self.edit_elsewhere(page, meta_description="Edited after the list was read.")
        data.update(action="snapshot_selected", _selected_action=[str(page.pk)])
        response = self.client.post(url, data, follow=True)
        self.assertContains(response, "Did not freeze")
        self.assertEqual(Page.objects.count(), 1)



@skipUnless(connection.vendor == "postgresql",
            "on SQLite the admin's transaction takes the write lock when it starts: the second save waits whole")
class SimultaneousSaveTests(TransactionTestCase):
    def test_of_two_saves_at_once_the_second_waits_for_the_first_then_is_refused(self):
        load_peru_as_live_version()
        editor, publisher = staff_user("editor", "Editors"), staff_user("publisher", "Publishers")
        litter = Activity.objects.get(slug=LITTER)
        first, second = Browser(self, editor), Browser(self, publisher)
        first.open(litter)
        second.open(litter)
        checked, go, responses = threading.Event(), threading.Event(), {}
        save_model = ActivityAdmin.save_model

        def paused(admin, request, obj, form, change):
            if request.user.username == "editor":  # checked, row locked, not saved yet
                checked.set()
                go.wait(10)
            return save_model(admin, request, obj, form, change)

        def submit(name, browser, text):
            try:
                responses[name] = browser.save(text=text)
            finally:
                connections.close_all()

        with mock.patch.object(ActivityAdmin, "save_model", paused):
            one = threading.Thread(target=submit, args=("first", first, "The first text."))
            one.start()
            self.assertTrue(checked.wait(10))
            two = threading.Thread(target=submit, args=("second", second, "The second text."))
            two.start()
            two.join(1)
            self.assertTrue(two.is_alive(), "the second save waits for the first one's lock")
            go.set()
            one.join(10)
            two.join(10)
        self.assertEqual(responses["first"].status_code, 302)
        self.assertEqual(responses["second"].status_code, 200)
        self.assertIn("was changed by editor on", errors(responses["second"]))
        self.assertEqual(Activity.objects.get(pk=litter.pk).text, "The first text.")
