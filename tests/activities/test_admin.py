import io
import json
import re

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.models import Activity, Heading, LinkList, Page, RichText, Theme
from partners.models import Agreement, Contact, Partner
from tests.content import RAURA, load_peru_as_live_version, past_activities, staff_user
from tests.forms import add_row, admin_form_data, row_of
from tests.html import PERU_PAGE, SNAPSHOT, ParsedHtml

BLOCK_PREFIXES = [
    "heading_blocks", "richtext_blocks", "itemlist_blocks", "activities", "linklist_blocks",
    "agreementlist_blocks", "partnerlist_blocks", "pagecontact_blocks", "topofpage_blocks",
]


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def block_editor(html):
    """What the page form's block editor (django-content-editor) is told: its kinds of block, and whether it may change them."""
    found = re.search(r'<script id="content-editor-context"[^>]*>(.*?)</script>', html, re.S)
    return json.loads(found[1])


def printed(html, *texts):
    """Where each of ``texts`` is printed in the page's main part (-1: not printed)."""
    main = " ".join(ParsedHtml(html[html.index("<main") : html.index("</main>")]).blocks)
    return [main.find(text) for text in texts]


class AdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()
        cls.editor = get_user_model().objects.create_superuser("editor", "editor@example.gov", "a long passphrase")

    def setUp(self):
        self.client.force_login(self.editor)

    def change_url(self, obj):
        return change_url(obj)

    def submit_change_form(self, obj, **changes):
        url = self.change_url(obj)
        form_id = f"{obj._meta.model_name}_form"
        data = admin_form_data(self.client.get(url).content.decode(), form_id)
        data.update(changes)
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])

    def test_the_admin_addresses_of_when_pages_were_called_programs_move_to_the_pages(self):
        page = Page.objects.get(archived_on=None)
        response = self.client.get(f"/admin/activities/program/{page.pk}/change/?_changelist_filters=x")
        self.assertEqual((response.status_code, response["Location"]),
                         (301, f"/admin/activities/page/{page.pk}/change/?_changelist_filters=x"))
        self.assertContains(self.client.get("/admin/activities/page/"), "Select page to change")

    def test_editing_a_text_on_the_pages_form_shows_on_the_page_at_once(self):
        page = Page.objects.get()
        opening = RichText.objects.get(page=page, ordering=10)
        url = self.change_url(page)
        data = admin_form_data(self.client.get(url).content.decode(), "page_form")
        data[f"richtext_blocks-{row_of(data, 'richtext_blocks', opening)}-text"] = "A new opening, written by staff."
        self.assertEqual(self.client.post(url, data).status_code, 302)
        response = self.client.get(PERU_PAGE)
        self.assertContains(response, "A new opening, written by staff.")
        self.assertNotContains(response, "entered into force in February 2009")

    def test_editing_an_activity_shows_on_the_page_at_once(self):
        activity = Activity.objects.get(slug="peru-2016-09-marine-litter-pilot")
        self.submit_change_form(activity, text="Pilot project, corrected by staff.")
        response = self.client.get(PERU_PAGE)
        self.assertContains(response, "September 2016</a>: Pilot project, corrected by staff.")
        self.assertNotContains(response, "Trash Free Waters")

    def test_the_pages_form_edits_its_blocks_of_every_kind(self):
        page = Page.objects.get()
        html = self.client.get(self.change_url(page)).content.decode()
        for prefix, count in (("heading_blocks", 7), ("richtext_blocks", 5), ("activities", 17),
                              ("linklist_blocks", 1), ("pagecontact_blocks", 1), ("topofpage_blocks", 4)):
            self.assertIn(f'name="{prefix}-TOTAL_FORMS" value="{count}"', html)
        self.assertIn('name="heading_blocks-0-ordering"', html)
        self.assertIn('name="activities-0-ordering"', html)
        editor = block_editor(html)
        self.assertEqual([plugin["prefix"] for plugin in editor["plugins"]], BLOCK_PREFIXES)
        self.assertTrue(editor["allowChange"])
        self.assertEqual({plugin["regions"] for plugin in editor["plugins"]}, {None}, "each kind may be added")
        self.assertIn("View on site", html)

    def test_the_add_form_offers_every_kind_of_block(self):
        html = self.client.get(reverse("admin:activities_page_add")).content.decode()
        editor = block_editor(html)
        self.assertEqual([plugin["prefix"] for plugin in editor["plugins"]], BLOCK_PREFIXES)
        self.assertTrue(editor["allowChange"])
        self.assertIn('name="heading_blocks-TOTAL_FORMS" value="0"', html)
        self.assertIn('id="heading_blocks-empty"', html, "the form a new heading is made from")

    def test_the_block_editors_import_map_runs_by_the_requests_nonce_and_public_pages_carry_none(self):
        for url in (reverse("admin:activities_page_add"), self.change_url(Page.objects.get())):
            with self.subTest(url=url):
                response = self.client.get(url)
                nonce = re.search(r'<script type="importmap" nonce="([^"]+)">', response.content.decode())[1]
                policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
                self.assertEqual(policy["script-src"], f"'self' 'nonce-{nonce}'")
        self.client.logout()
        self.assertNotIn("nonce", self.client.get(PERU_PAGE)["Content-Security-Policy"])

    def test_every_script_style_and_module_of_the_page_form_is_served(self):
        html = self.client.get(self.change_url(Page.objects.get())).content.decode()
        importmap = json.loads(re.search(r'<script type="importmap"[^>]*>(.*?)</script>', html, re.S)[1])
        assets = {*re.findall(r'(?:src|href)="(/static/[^"]+)"', html), *importmap["imports"].values()}
        self.assertIn("/static/content_editor/index.js", assets)
        self.assertIn("/static/content_editor/machine.js", assets)
        for asset in sorted(assets):
            with self.subTest(asset=asset):
                self.assertEqual(self.client.get(asset).status_code, 200)

    def test_reordering_two_blocks_by_their_ordering_fields_changes_the_printed_order(self):
        page = Page.objects.get()
        opening = RichText.objects.get(page=page, ordering=10)
        explore = LinkList.objects.get(page=page, ordering=20)
        html = self.client.get(PERU_PAGE).content.decode()
        text, links = printed(html, "The U.S.-Peru Trade Promotion Agreement", "Explore our work with Peru:")
        self.assertLess(text, links)
        url = self.change_url(page)
        data = admin_form_data(self.client.get(url).content.decode(), "page_form")
        data[f"richtext_blocks-{row_of(data, 'richtext_blocks', opening)}-ordering"] = "20"
        data[f"linklist_blocks-{row_of(data, 'linklist_blocks', explore)}-ordering"] = "10"
        self.assertEqual(self.client.post(url, data).status_code, 302)
        html = self.client.get(PERU_PAGE).content.decode()
        text, links = printed(html, "The U.S.-Peru Trade Promotion Agreement", "Explore our work with Peru:")
        self.assertLess(links, text)
        self.assertNotEqual(text, -1)

    def test_a_block_deleted_on_the_pages_form_leaves_the_page(self):
        page = Page.objects.get()
        heading = Heading.objects.get(page=page, anchor="learn-more")
        url = self.change_url(page)
        data = admin_form_data(self.client.get(url).content.decode(), "page_form")
        data[f"heading_blocks-{row_of(data, 'heading_blocks', heading)}-DELETE"] = "on"
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.assertFalse(Heading.objects.filter(pk=heading.pk).exists())
        self.assertNotContains(self.client.get(PERU_PAGE), "Learn More About Peru")

    def test_changelists_search_and_filter_with_counts(self):
        for model in (Page, Activity, Theme, Partner, Agreement, Contact):
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            self.assertEqual(self.client.get(url).status_code, 200, url)
        url = reverse("admin:activities_activity_changelist")
        response = self.client.get(url, {"q": "mercury"})
        self.assertContains(response, "1 result")
        response = self.client.get(url)
        self.assertContains(response, "Adjudication (3)")  # the facet count beside the theme filter

    def test_provenance_is_shown_to_staff(self):
        partner = Partner.objects.get(slug="oefa")
        response = self.client.get(self.change_url(partner))
        self.assertContains(response, "Reconstructed after the archive")
        self.assertContains(response, "the link&#x27;s address was lost")
        changelist = self.client.get(reverse("admin:activities_activity_changelist"))
        self.assertContains(changelist, "Reconstructed after the archive")

    def test_autocomplete_for_themes_and_partners(self):
        activity = Activity.objects.get(slug="peru-2016-09-marine-litter-pilot")
        html = self.client.get(self.change_url(activity)).content.decode()
        for field_name in ("themes", "partners"):
            self.assertRegex(html, rf'<select name="{field_name}"[^>]*class="admin-autocomplete"')
        response = self.client.get(
            reverse("admin:autocomplete"),
            {"term": "OEFA", "app_label": "activities", "model_name": "activity", "field_name": "partners"},
        )
        self.assertEqual([r["text"] for r in response.json()["results"]],
                         ["Agency for Environmental Assessment and Enforcement (OEFA)"])

    def test_a_link_to_an_unknown_partner_is_refused_with_a_message(self):
        activity = Activity.objects.get(slug="peru-2016-09-marine-litter-pilot")
        url = self.change_url(activity)
        data = admin_form_data(self.client.get(url).content.decode(), "activity_form")
        data["text"] = '<p>See <a href="partner:no-such-agency">the agency</a>.</p>'
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "no partner has the slug")
        activity.refresh_from_db()
        self.assertIn("Trash Free Waters", activity.text)

    def test_activity_list_shows_dates_to_the_month(self):
        response = self.client.get(reverse("admin:activities_activity_changelist"))
        self.assertContains(response, "March 2020")
        self.assertNotContains(response, "March 1, 2020")

    def post_change_form(self, obj, **changes):
        url = self.change_url(obj)
        data = admin_form_data(self.client.get(url).content.decode(), f"{obj._meta.model_name}_form")
        data.update(changes)
        return self.client.post(url, data)

    def test_a_link_that_is_no_safe_link_is_refused_naming_it(self):
        activity = Activity.objects.get(slug="peru-2016-09-marine-litter-pilot")
        for target in ("/\\evil.example/p", "https://evil.example\\@www.epa.gov/", "javascript:alert`1`"):
            with self.subTest(target=target):
                response = self.post_change_form(activity, text=f'<p>See <a href="{target}">the agency</a>.</p>')
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, f"“the agency” links to {target}: ")
                activity.refresh_from_db()
                self.assertIn("Trash Free Waters", activity.text)
        partner = Partner.objects.get(slug="oefa")
        response = self.post_change_form(partner, url="https://evil.example\\@www.epa.gov/")
        self.assertContains(response, "it holds a backslash, which browsers read as “/”: they go to evil.example")
        self.assertEqual(Partner.objects.get(slug="oefa").url, "https://www.gob.pe/oefa")

    def test_a_stored_link_that_is_no_safe_link_is_warned_of_and_printed_as_text(self):
        # As plain loaddata or SQL would store it: no form's checks.
        activity = Activity.objects.get(slug="peru-2016-09-marine-litter-pilot")
        Activity.objects.filter(pk=activity.pk).update(
            text='<p>Pilot with <a href="/\\evil.example/p">the agency</a>.</p>'
        )
        Partner.objects.filter(slug="oefa").update(url="javascript:alert`1`")
        warning = ("holds a link that the site prints as its words only, as plain text: "
                   "“the agency” links to /\\evil.example/p: ")
        self.assertContains(self.client.get(self.change_url(activity)), f"Text {warning}")
        self.assertContains(self.client.get(self.change_url(Page.objects.get())),
                            f"“Trash Free Waters pilot against marine litter in Chincha”, text {warning}")
        self.assertContains(self.client.get(self.change_url(Partner.objects.get(slug="oefa"))),
                            "Web address holds a link that the site prints as its words only, as plain text: "
                            "javascript:alert`1`: javascript: links are not allowed")
        self.assertNotContains(self.client.get(self.change_url(Partner.objects.get(slug="minam"))), "as plain text")
        # The address field's own "Currently:" link is made only for a safe address.
        Partner.objects.filter(slug="oefa").update(url="https://www.epa.gov@evil.example/")
        form = self.client.get(self.change_url(Partner.objects.get(slug="oefa")))
        self.assertContains(form, 'value="https://www.epa.gov@evil.example/"')
        self.assertNotContains(form, 'href="https://www.epa.gov@evil.example/"')
        self.assertContains(self.client.get(self.change_url(Partner.objects.get(slug="minam"))),
                            'href="https://www.gob.pe/minam"')
        page = self.client.get(PERU_PAGE)
        self.assertContains(page, "Pilot with the agency.")
        self.assertNotContains(page, "evil.example")


    def test_the_activities_search_finds_the_words_of_a_text_not_its_markup(self):
        def found(words):
            response = self.client.get("/admin/activities/activity/", {"q": words})
            return {activity.slug for activity in response.context["cl"].result_list}

        self.assertIn(RAURA, found("Organismo de Evaluación"))
        self.assertEqual(found("span"), set(), "the Spanish name's <span lang> is markup")
        self.assertEqual(found("href"), set())


class AdminQueryBudgetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()
        cls.publisher = staff_user("publisher", "Publishers")

    def queries(self, url):
        self.client.force_login(self.publisher)
        self.client.get(url)  # warm Django's content-type cache
        with CaptureQueriesContext(connection) as captured:
            self.assertEqual(self.client.get(url).status_code, 200)
        return len(captured)

    def test_the_activities_list_reads_the_same_queries_with_17_activities_and_500(self):
        url = reverse("admin:activities_activity_changelist")
        few = self.queries(url)
        mercury = Theme.objects.get(slug="mercury")
        added = Activity.objects.bulk_create(past_activities(Page.objects.get(), 483, slug="more"))
        Activity.themes.through.objects.bulk_create(
            Activity.themes.through(activity_id=activity.pk, theme_id=mercury.pk) for activity in added)
        self.assertEqual(Activity.objects.count(), 500)
        self.assertEqual(few, self.queries(url))

    def test_the_pages_form_reads_the_same_queries_whatever_the_number_of_its_blocks(self):
        page = Page.objects.get()
        url = change_url(page)
        few = self.queries(url)
        mercury, oefa = Theme.objects.get(slug="mercury"), Partner.objects.get(slug="oefa")
        added = Activity.objects.bulk_create(past_activities(page, 40))
        Activity.themes.through.objects.bulk_create(
            Activity.themes.through(activity_id=activity.pk, theme_id=mercury.pk) for activity in added)
        Activity.partners.through.objects.bulk_create(
            Activity.partners.through(activity_id=activity.pk, partner_id=oefa.pk) for activity in added)
        Heading.objects.bulk_create(Heading(page=page, ordering=400 + n, text=f"More {n}", anchor=f"more-{n}")
                                    for n in range(20))
        self.assertEqual(few, self.queries(url))
        self.assertLessEqual(few, 40)


class OneFormToBuildAPageTests(TestCase):
    """An editor builds a page, body and all, in the page's add form."""

    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()
        cls.editor = staff_user("editor", "Editors")

    def setUp(self):
        self.client.force_login(self.editor)
        self.url = reverse("admin:activities_page_add")
        self.data = admin_form_data(self.client.get(self.url).content.decode(), "page_form")
        self.data.update(title="EPA Collaboration with Chile", slug="epa-collaboration-chile", kind="country",
                         country="Chile")

    def test_a_page_with_a_heading_a_text_two_activities_and_a_contact_in_one_post(self):
        contact = Contact.objects.get()
        mercury = Theme.objects.get(slug="mercury")
        # Each kind in its own inline; the orderings, as the block editor sets them, say the order.
        add_row(self.data, "pagecontact_blocks", region="main", ordering="50", contact=str(contact.pk),
                lead="For more on EPA's work with Chile, contact:")
        add_row(self.data, "activities", region="main", ordering="40", display="bulleted", date="2020-05-01",
                date_prefix="on", slug="chile-2020-05-air-quality-workshop", text="Air quality workshop in Santiago.",
                themes=[str(mercury.pk)])
        add_row(self.data, "activities", region="main", ordering="30", display="bulleted", date="2021-02-01",
                date_prefix="on", slug="chile-2021-02-mercury-training", text="Mercury monitoring training.")
        add_row(self.data, "richtext_blocks", region="main", ordering="20", text="EPA and Chile work together.")
        add_row(self.data, "heading_blocks", region="main", ordering="10", level="2", anchor="activities",
                text="Activities")
        response = self.client.post(self.url, self.data)
        self.assertEqual(response.status_code, 302, re.findall(r'class="errorlist[^>]*>(.*?)</ul>',
                                                               response.content.decode(), re.S))

        page = Page.objects.get(slug="epa-collaboration-chile")
        self.assertEqual((page.status, page.activities.count()), ("draft", 2))
        self.assertEqual(set(page.activities.values_list("status", flat=True)), {"draft"}, "an editor's drafts")
        self.assertEqual(list(Activity.objects.get(slug="chile-2020-05-air-quality-workshop").themes.all()), [mercury])
        preview = self.client.get(page.page_url)  # the editor's preview
        self.assertEqual(preview.status_code, 200)
        places = printed(preview.content.decode(), "Activities", "EPA and Chile work together.",
                         "Mercury monitoring training.", "Air quality workshop in Santiago.",
                         "For more on EPA's work with Chile, contact:", contact.name)
        self.assertNotIn(-1, places, places)
        self.assertEqual(places, sorted(places), "printed in the order the form gave them")

    def test_an_activity_slug_another_page_has_is_refused_on_the_add_form_too(self):
        add_row(self.data, "activities", region="main", ordering="10", display="bulleted",
                slug="peru-2016-09-marine-litter-pilot", text="A copy.")
        response = self.client.post(self.url, self.data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Another page has an activity with this slug: choose another.")
        self.assertFalse(Page.objects.filter(slug="epa-collaboration-chile").exists())

    def test_themes_and_partners_can_be_added_from_the_form_in_a_popup(self):
        html = self.client.get(self.url).content.decode()
        for field in ("agreements", "partners", "activities-__prefix__-themes", "activities-__prefix__-partners",
                      "pagecontact_blocks-__prefix__-contact"):
            with self.subTest(field=field):
                link = re.search(rf'<a [^>]*id="add_id_{field}"[^>]*href="(/admin/[^"]*/add/\?_to_field=id&amp;_popup=1)', html)
                self.assertIsNotNone(link, "a “+” that opens the related record's add form in a popup")
        self.assertIsNotNone(re.search(r'<select name="activities-__prefix__-themes"[^>]*class="admin-autocomplete"', html))
        self.assertNotIn('id="add_id_activities-__prefix__-printed_in"', html, "it names an activity of this page")
        # The popup's form, saved, hands the new theme back to the page's form.
        response = self.client.post(reverse("admin:activities_theme_add") + "?_to_field=id&_popup=1",
                                    {"name": "Plastics", "slug": "plastics", "_popup": "1", "_to_field": "id"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="django-admin-popup-response-constants"')
        self.assertContains(response, "Plastics")
        self.assertTrue(Theme.objects.filter(slug="plastics").exists())


class SnapshotFormTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
        cls.snapshot = Page.objects.get()

    def test_a_snapshots_form_shows_its_blocks_read_only(self):
        heading = Heading.objects.get(page=self.snapshot, anchor="past-activities")
        for group in ("Editors", "Publishers"):
            with self.subTest(group=group):
                self.client.force_login(staff_user(group.lower(), group))
                html = self.client.get(change_url(self.snapshot)).content.decode()
                self.assertIn("Past Activities", html)
                self.assertIn('name="heading_blocks-TOTAL_FORMS" value="7"', html)
                fields = admin_form_data(html, "page_form")
                # No block's content is an input: only which it is and where it stands, for the editor's
                # script to show them in order.
                self.assertEqual({name.split("-")[-1] for name in fields if re.match(r"\w+-\d+-", name)},
                                 {"id", "page", "region", "ordering"})
                self.assertNotIn("DELETE", html)
                self.assertNotIn("-__prefix__-", html, "no form for a new block")
                editor = block_editor(html)
                self.assertFalse(editor["allowChange"])
                self.assertEqual({tuple(plugin["regions"]) for plugin in editor["plugins"]}, {("_adding_not_allowed",)})
                data = {**fields, f"heading_blocks-{row_of(fields, 'heading_blocks', heading)}-text": "Changed"}
                self.assertEqual(self.client.post(change_url(self.snapshot), data).status_code, 403)
                self.assertEqual(Heading.objects.get(pk=heading.pk).text, "Past Activities")
