"""Revert cannot publish: it restores content only, shows first what will
change, and needs the permission to change the item as it is now."""

import datetime

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.urls import reverse

from activities import services
from activities.models import Activity, Page, RichText
from core.revisions import moment
from core.services import publish, revert, unpublish
from core.text import words_of_html
from tests.content import staff_user
from tests.factories import make_activity, make_heading, make_page, make_text, make_theme
from tests.forms import admin_form_data
from tests.html import elements

PAGE = "/international-cooperation/epa-collaboration-chile/"
PILOT = "chile-2016-09-marine-litter-pilot"
ORIGINAL_TITLE = "EPA Collaboration with Chile"
OPENING_START = "The U.S.-Chile Free Trade Agreement (FTA) entered into force"


def make_country_page():
    """A published country page: an opening text, a heading, two activities with a theme each."""
    page = make_page(ORIGINAL_TITLE, slug="epa-collaboration-chile")
    make_text(page, f"{OPENING_START} in January 2004. EPA works with Chile on air, water and enforcement.")
    make_heading(page, "Past Activities")
    make_activity(page, "A workshop on promoting environmental compliance.", date="2019-06",
                  themes=[make_theme("Enforcement and compliance")])
    make_activity(page, "A Trash Free Waters pilot against marine litter in Valparaíso.", slug=PILOT, date="2016-09",
                  themes=[make_theme("Marine litter")])
    make_theme("Mercury")
    return page


def revert_url(obj, version):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_simple_history",
                   args=[obj.pk, version.history_id])


class RevertTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_country_page()
        cls.editor = staff_user("editor", "Editors")
        cls.publisher = staff_user("publisher", "Publishers")
        cls.viewer = staff_user("viewer")
        cls.viewer.user_permissions.set(Permission.objects.filter(codename__in=["view_page", "view_activity"]))

    def setUp(self):
        self.page = Page.objects.get()

    def edit_title(self, user, title):
        """The page's title changed and saved by ``user``, as the page's form saves it."""
        page = Page.objects.get()
        page.title, page._history_user = title, user
        page.save()

    def revert(self, user, obj, version):
        """Open the revert page of ``version`` and confirm it, as a browser does;
        the messages the next page shows."""
        self.client.force_login(user)
        url = revert_url(obj, version)
        data = admin_form_data(self.client.get(url).content.decode(), "revert-form")
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        return " ".join(str(message) for message in get_messages(response.wsgi_request))

    def test_an_editor_s_revert_leaves_a_published_page_published(self):
        unpublish(self.page, user=self.publisher)
        draft_version = self.page.history.latest("history_date")
        publish(self.page, user=self.publisher)
        self.edit_title(self.editor, "A title to be undone")
        said = self.revert(self.editor, self.page, draft_version)
        self.assertIn("Its publication is left as it is: published.", said)
        page = Page.objects.get()
        self.assertEqual((page.title, page.status), (ORIGINAL_TITLE, "published"))
        self.client.logout()
        self.assertContains(self.client.get(PAGE), f'<h1 id="page-title">{ORIGINAL_TITLE}</h1>', html=True)

    def test_a_publisher_s_revert_of_the_title_does_not_unpublish(self):
        unpublish(self.page, user=self.publisher)
        self.edit_title(self.publisher, "A draft title")
        draft_version = self.page.history.latest("history_date")
        publish(self.page, user=self.publisher)
        self.edit_title(self.publisher, "A published title")
        self.revert(self.publisher, self.page, draft_version)
        page = Page.objects.get()
        self.assertEqual((page.title, page.status, page.publish_at), ("A draft title", "published", None))

    def test_an_editor_s_revert_leaves_a_draft_a_draft(self):
        published_version = self.page.history.earliest("history_date")
        unpublish(self.page, user=self.publisher)
        self.edit_title(self.editor, "A draft title")
        self.revert(self.editor, self.page, published_version)
        page = Page.objects.get()
        self.assertEqual((page.title, page.status), (ORIGINAL_TITLE, "draft"))
        self.client.logout()
        self.assertEqual(self.client.get(PAGE).status_code, 404)

    def test_the_page_shows_word_by_word_what_will_change_and_what_will_not(self):
        first = self.page.history.earliest("history_date")
        self.edit_title(self.editor, "EPA Cooperation with Chile")
        self.client.force_login(self.editor)
        response = self.client.get(revert_url(self.page, first))
        (changes,) = elements(response.content.decode(), "table", id="revert-changes")
        self.assertEqual([row.children for row in elements(str(changes), "th", scope="row")], [["Title"]],
                         "only the title changes")
        self.assertInHTML(
            '<tr><th scope="row">Title</th><td>EPA <del class="comparison__removed"><span class="usa-sr-only">'
            '[removed: </span>Cooperation<span class="usa-sr-only">]</span></del> <ins class="comparison__added">'
            '<span class="usa-sr-only">[added: </span>Collaboration<span class="usa-sr-only">]</span></ins> with '
            "Chile</td></tr>", str(changes), count=1,
        )
        self.assertContains(response, '<p id="revert-publication">Reverting restores the content only: its '
                                      "publication is left as it is, <strong>published</strong>. Only Publishers "
                                      "publish, unpublish and schedule, with the list's actions or the Publication "
                                      "fields.</p>", html=True)
        self.assertContains(response, "Its activities are reverted on their own history pages")
        self.assertContains(response, f"?page__id__exact={self.page.pk}")
        self.assertEqual(len(elements(response.content.decode(), "form", id="revert-form")), 1)

    def test_a_version_the_same_as_now_offers_no_button(self):
        self.client.force_login(self.editor)
        latest = self.page.history.latest("history_date")
        page = self.client.get(revert_url(self.page, latest))
        self.assertContains(page, "there is nothing to revert")
        self.assertNotContains(page, 'id="revert-form"')

    def test_the_many_to_many_links_come_back_from_the_history(self):
        litter = Activity.objects.get(slug=PILOT)
        themes_before = set(litter.themes.all())
        first = litter.history.earliest("history_date")
        self.client.force_login(self.editor)
        url = reverse("admin:activities_activity_change", args=[litter.pk])
        data = admin_form_data(self.client.get(url).content.decode(), "activity_form")
        data["themes"] = [str(make_theme("Water quality").pk)]
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.assertNotEqual(set(litter.themes.all()), themes_before)
        self.revert(self.editor, litter, first)
        self.assertEqual(set(Activity.objects.get(pk=litter.pk).themes.all()), themes_before)

    def test_a_revert_over_a_change_made_since_the_page_was_read_is_refused(self):
        first = self.page.history.earliest("history_date")
        self.edit_title(self.editor, "A title to be undone")
        self.client.force_login(self.editor)
        url = revert_url(self.page, first)
        data = admin_form_data(self.client.get(url).content.decode(), "revert-form")
        self.edit_title(self.publisher, "The publisher's title")
        refused = self.client.post(url, data)
        self.assertEqual(refused.status_code, 200)
        (note,) = elements(refused.content.decode(), "div", class_="errornote")
        said = note.children[0].children[0]
        self.assertIn("was changed by publisher on", said)
        self.assertTrue(said.endswith("Nothing was reverted."), said)
        self.assertEqual(Page.objects.get().title, "The publisher's title")
        again = self.client.post(url, admin_form_data(refused.content.decode(), "revert-form"))
        self.assertEqual(again.status_code, 302)
        self.assertEqual(Page.objects.get().title, ORIGINAL_TITLE)

    def test_a_revert_is_recorded_in_the_history_and_the_admin_log(self):
        first = self.page.history.earliest("history_date")
        self.edit_title(self.editor, "A title to be undone")
        self.revert(self.editor, self.page, first)
        latest = self.page.history.latest("history_date")
        self.assertEqual(latest.history_user, self.editor)
        self.assertTrue(latest.history_change_reason.startswith("Reverted to the version of "))
        self.assertTrue(LogEntry.objects.filter(user=self.editor, change_message=latest.history_change_reason).exists())

    def test_no_one_reverts_a_part_of_a_snapshot(self):
        Activity.objects.filter(slug=PILOT).update(text="Changed before the freeze.")
        snapshot = services.freeze_snapshot(Page.objects.get(), archived_on=datetime.date(2026, 11, 1))
        litter = snapshot.activities.get(slug=PILOT)
        first = litter.history.earliest("history_date")
        for user in (self.editor, self.publisher):
            self.client.force_login(user)
            page = self.client.get(revert_url(litter, first))
            self.assertContains(page, "it is part of a snapshot, which is read-only")
            self.assertNotContains(page, 'id="revert-form"')
            self.assertEqual(self.client.post(revert_url(litter, first), {"revision": litter.revision + 1}).status_code,
                             403)
        self.assertEqual(Activity.objects.get(pk=litter.pk).text, "Changed before the freeze.")

    def test_view_only_staff_see_the_version_but_cannot_revert(self):
        first = self.page.history.earliest("history_date")
        self.edit_title(self.editor, "A title to be undone")
        self.client.force_login(self.viewer)
        response = self.client.get(revert_url(self.page, first))
        self.assertContains(response, "You may see this version but not revert to it")
        self.assertContains(response, ORIGINAL_TITLE)
        self.assertNotContains(response, 'id="revert-form"')
        page = Page.objects.get()
        self.assertEqual(self.client.post(revert_url(page, first), {"revision": page.revision}).status_code, 403)
        self.assertEqual(Page.objects.get().title, "A title to be undone")
        self.client.force_login(staff_user("outsider"))
        self.assertEqual(self.client.get(revert_url(page, first)).status_code, 403)


class BlockRevertTests(TestCase):
    """A block of a page's body (its text, a heading…) keeps its history too, and is reverted by the same service."""

    @classmethod
    def setUpTestData(cls):
        make_country_page()
        cls.editor = staff_user("editor", "Editors")
        cls.editor.user_permissions.add(Permission.objects.get(codename="change_richtext"))

    def opening_text(self, page):
        return RichText.objects.filter(page=page).order_by("ordering").first()

    def test_a_text_block_comes_back_as_it_was_and_the_page_prints_it(self):
        block = self.opening_text(Page.objects.get())
        first = block.history.earliest("history_date")
        block.text, block._history_user = "<p>A rewrite to be undone.</p>", self.editor
        block.save()
        self.assertContains(self.client.get(PAGE), "<p>A rewrite to be undone.</p>", html=True)
        reverted = revert(block, first, user=self.editor, revision=block.revision)
        self.assertTrue(words_of_html(reverted.text).startswith(OPENING_START))
        self.assertContains(self.client.get(PAGE), f"<p>{OPENING_START} in January 2004. EPA works with Chile on air, "
                                                   "water and enforcement.</p>", html=True)
        latest = block.history.latest("history_date")
        self.assertEqual((latest.history_user, latest.history_change_reason.split(",")[0]),
                         (self.editor, f"Reverted to the version of {moment(first.history_date)}"))

    def test_no_one_reverts_a_block_of_a_snapshot_nor_without_the_right(self):
        snapshot = services.freeze_snapshot(Page.objects.get(), archived_on=datetime.date(2026, 11, 1))
        block = self.opening_text(snapshot)
        first = block.history.earliest("history_date")
        with self.assertRaisesMessage(ValidationError, "is read-only"):
            revert(block, first, user=self.editor, revision=block.revision)
        live = self.opening_text(Page.objects.get(archived_on=None))
        with self.assertRaisesMessage(PermissionDenied, "You may not change texts."):
            revert(live, live.history.earliest("history_date"), user=staff_user("viewer"),
                            revision=live.revision)
