import datetime
import io

from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from activities import services
from activities.models import BLOCK_TYPES, Activity, Page, RichText, Theme
from core.revisions import moment
from core.services import publish
from tests.content import staff_user
from tests.factories import (
    make_activity,
    make_heading,
    make_page,
    make_page_contact,
    make_partner,
    make_partner_list,
    make_text,
    make_theme,
)
from tests.forms import admin_form_data, row_of
from tests.html import SNAPSHOT

PAGE = "/international-cooperation/epa-collaboration-chile/"
PILOT = "chile-2016-09-marine-litter-pilot"


def block_history(archived_on):
    """The history entries of the blocks of the version dated ``archived_on``."""
    page = Page.objects.get(archived_on=archived_on)
    return [entry for model in BLOCK_TYPES for entry in model.history.filter(page=page)]


class LoadedSnapshotHistoryTests(TestCase):
    def test_a_loaded_snapshot_is_recorded_once_with_its_file(self):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
        archived = Activity.objects.get(slug="peru-2016-09-marine-litter-pilot", page__archived_on="2021-01-19")
        history = archived.history.all()
        self.assertTrue(history.exists())
        self.assertEqual({record.history_change_reason for record in history}, {"Loaded from peru-2021-01-19.json"})
        self.assertEqual({record.history_user for record in history}, {None})
        self.assertEqual(history.earliest("history_date").history_type, "+")
        count = archived.history.count()
        entries = block_history("2021-01-19")
        self.assertEqual(len(entries), 35, "one for each block")
        self.assertEqual({(entry.history_type, entry.history_change_reason) for entry in entries},
                         {("+", "Loaded from peru-2021-01-19.json")})
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
        self.assertEqual(archived.history.count(), count, "an unchanged reload writes no history")
        self.assertEqual(len(block_history("2021-01-19")), 35)


class HistoryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_theme("Mercury")
        sma = make_partner("Superintendency of the Environment", acronym="SMA")
        cls.page = make_page("EPA Collaboration with Chile", slug="epa-collaboration-chile", partners=[sma])
        make_text(cls.page, "EPA and Chile have worked together since 2004.")
        make_heading(cls.page, "Past Activities")
        make_activity(cls.page, "A workshop on promoting environmental compliance.", date="2019-06", partners=[sma])
        make_activity(cls.page, "A Trash Free Waters pilot against marine litter in Valparaíso.", slug=PILOT,
                      title="Trash Free Waters pilot against marine litter in Valparaíso", date="2016-09",
                      themes=[make_theme("Marine litter")])
        make_heading(cls.page, "Key Partners")
        make_partner_list(cls.page)
        make_page_contact(cls.page)
        cls.editor = staff_user("editor", "Editors")
        cls.publisher = staff_user("publisher", "Publishers")

    def setUp(self):
        self.activity = Activity.objects.get(slug=PILOT, page__archived_on=None)
        self.change_url = reverse("admin:activities_activity_change", args=[self.activity.pk])

    def edit(self, user, **changes):
        self.client.force_login(user)
        data = admin_form_data(self.client.get(self.change_url).content.decode(), "activity_form")
        data.update(changes)
        response = self.client.post(self.change_url, data)
        self.assertEqual(response.status_code, 302)

    def test_a_snapshot_records_each_block_copied_with_who_and_why(self):
        services.freeze_snapshot(Page.objects.get(), archived_on=datetime.date(2026, 11, 1), user=self.publisher)
        entries = block_history("2026-11-01")
        self.assertEqual(len(entries), sum(model.objects.filter(page=self.page).count() for model in BLOCK_TYPES),
                         "one for each block")
        self.assertEqual({(entry.history_type, entry.history_user, entry.history_change_reason) for entry in entries},
                         {("+", self.publisher, "Snapshot of the live version, dated 2026-11-01.")})

    def test_an_admin_edit_records_who_when_and_what(self):
        old_text = self.activity.text
        self.edit(self.editor, text="Rewritten by the editor.", themes=[str(make_theme("Water quality").pk)])
        latest = self.activity.history.filter(history_user=self.editor)
        self.assertTrue(latest.exists())
        change = latest.earliest("history_date")
        delta = change.diff_against(change.prev_record)
        text_change = next(c for c in delta.changes if c.field == "text")
        self.assertEqual((text_change.old, text_change.new), (old_text, "Rewritten by the editor."))
        self.client.force_login(self.editor)
        history_page = self.client.get(reverse("admin:activities_activity_history", args=[self.activity.pk]))
        self.assertContains(history_page, "editor")
        self.assertContains(history_page, "Rewritten by the editor.")

    def test_the_pages_history_shows_who_changed_which_block(self):
        page = Page.objects.get()
        opening = RichText.objects.get(page=page)
        self.client.force_login(self.editor)
        url = reverse("admin:activities_page_change", args=[page.pk])
        data = admin_form_data(self.client.get(url).content.decode(), "page_form")
        data[f"richtext_blocks-{row_of(data, 'richtext_blocks', opening)}-text"] = "<p>A new opening, written by staff.</p>"
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.assertFalse(page.history.filter(history_user=self.editor).exists(), "the page's own fields did not change")
        history = self.client.get(reverse("admin:activities_page_history", args=[page.pk]))
        self.assertInHTML(
            "<tr><td>{}</td><td>editor</td><td>Text: A new opening, written by staff.</td><td>Changed</td></tr>".format(
                date_format(timezone.localtime(opening.history.latest("history_date").history_date), "DATETIME_FORMAT")),
            history.content.decode())
        self.assertContains(history, "<td>Heading: h2 Past Activities</td><td>Added</td>")

    def test_publishing_is_recorded_with_the_publisher(self):
        Activity.objects.filter(pk=self.activity.pk).update(status="draft")
        publish(Activity.objects.get(pk=self.activity.pk), user=self.publisher)
        latest = self.activity.history.latest("history_date")
        self.assertEqual((latest.history_user, latest.history_change_reason, latest.status),
                         (self.publisher, "Published.", "published"))

    def test_compare_two_versions_shows_each_changed_field(self):
        self.edit(self.editor, text="First rewrite.")
        mercury = Theme.objects.get(name="Mercury")
        self.edit(self.editor, text="Second rewrite.", title="A short title",
                  themes=[str(theme.pk) for theme in [*self.activity.themes.all(), mercury]])
        versions = list(self.activity.history.order_by("history_date", "history_id"))
        url = reverse("admin:activities_activity_compare", args=[self.activity.pk])
        response = self.client.get(url, {"older": versions[0].history_id, "newer": versions[-1].history_id})
        for field, old, new in (
            ("Text", "&lt;p&gt;A Trash Free Waters pilot against marine litter in Valparaíso.&lt;/p&gt;",
             "Second rewrite."),
            ("Title", "Trash Free Waters pilot against marine litter in Valparaíso", "A short title"),
            ("Themes", "Marine litter", "Marine litter, Mercury"),
        ):
            self.assertContains(response, f'<tr><th scope="row">{field}</th><td><del>{old}</del></td>'
                                          f"<td><ins>{new}</ins></td></tr>", count=1, html=True)
        same = self.client.get(url, {"older": versions[-1].history_id, "newer": versions[-1].history_id})
        self.assertContains(same, "The two versions are the same.")
        bad = self.client.get(url, {"older": "abc", "newer": "99999"})
        self.assertEqual(bad.status_code, 200)
        self.assertContains(bad, "Select a valid choice")

    def test_an_earlier_version_can_be_restored(self):
        original = self.activity.text
        self.edit(self.editor, text="A mistaken rewrite.")
        self.assertContains(self.client.get(PAGE), "A mistaken rewrite.")
        first = self.activity.history.earliest("history_date")
        history = self.client.get(reverse("admin:activities_activity_history", args=[self.activity.pk]))
        revert_url = reverse("admin:activities_activity_simple_history", args=[self.activity.pk, first.history_id])
        self.assertContains(history, f'href="{revert_url}"')
        data = admin_form_data(self.client.get(revert_url).content.decode(), "revert-form")
        self.assertEqual(self.client.post(revert_url, data).status_code, 302)
        self.activity.refresh_from_db()
        self.assertEqual(self.activity.text, original)
        self.assertContains(self.client.get(PAGE), f'<li class="activity" id="{PILOT}"><a class="activity__date" '
                                                   'href="/activities/2016/">September 2016</a>: A Trash Free Waters '
                                                   "pilot against marine litter in Valparaíso.</li>", html=True)
        latest = self.activity.history.latest("history_date")
        self.assertEqual(latest.history_user, self.editor)
        self.assertEqual(latest.history_change_reason,
                         f"Reverted to the version of {moment(first.history_date)}, saved by a command.")
