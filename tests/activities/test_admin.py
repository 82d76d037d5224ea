
from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse

from activities.models import Activity, Program, Section, Theme
from partners.models import Agreement, Contact, Partner
from tests.content import load_peru_as_live_version
from tests.forms import admin_form_data
from tests.html import PERU_PAGE


class AdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()
        cls.editor = get_user_model().objects.create_superuser("editor", "editor@example.gov", "a long passphrase")

    def setUp(self):
        self.client.force_login(self.editor)

    def change_url(self, obj):
        return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])

    def submit_change_form(self, obj, **changes):
        url = self.change_url(obj)
        form_id = f"{obj._meta.model_name}_form"
        data = admin_form_data(self.client.get(url).content.decode(), form_id)
        data.update(changes)
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])

    def test_editing_the_intro_shows_on_the_page_at_once(self):
        program = Program.objects.get()
        self.submit_change_form(program, intro="A new introduction, written by staff.")
        self.assertContains(self.client.get(PERU_PAGE), "A new introduction, written by staff.")

    def test_editing_an_activity_shows_on_the_page_at_once(self):
        activity = Activity.objects.get(slug="peru-2016-09-marine-litter-pilot")
        self.submit_change_form(activity, text="Pilot project, corrected by staff.")
        response = self.client.get(PERU_PAGE)
        self.assertContains(response, "September 2016</a>: Pilot project, corrected by staff.")
        self.assertNotContains(response, "Trash Free Waters")

    def test_program_page_edits_its_sections_and_activities_inline(self):
        program = Program.objects.get()
        html = self.client.get(self.change_url(program)).content.decode()
        self.assertIn('name="sections-TOTAL_FORMS" value="8"', html)
        self.assertIn('name="activities-TOTAL_FORMS" value="17"', html)
        self.assertIn('name="sections-0-order"', html)
        self.assertIn("View on site", html)

    def test_reordering_activities_inline_reorders_the_page(self):
        section = Section.objects.get(anchor="megacities-partnership")
        first, second, third = section.activities.order_by("order")
        url = self.change_url(section)
        data = admin_form_data(self.client.get(url).content.decode(), "section_form")
        orders = {data[f"activities-{i}-id"]: i for i in range(3)}
        data[f"activities-{orders[str(first.pk)]}-order"] = "99"
        self.assertEqual(self.client.post(url, data).status_code, 302)
        html = self.client.get(PERU_PAGE).content.decode()
        self.assertLess(html.index(f'id="{second.slug}"'), html.index(f'id="{third.slug}"'))
        self.assertLess(html.index(f'id="{third.slug}"'), html.index(f'id="{first.slug}"'))

    def test_changelists_search_and_filter_with_counts(self):
        for model in (Program, Section, Activity, Theme, Partner, Agreement, Contact):
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
        changelist = self.client.get(reverse("admin:activities_section_changelist"))
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
        data["text"] = "See [the agency](partner:no-such-agency)."
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
                response = self.post_change_form(activity, text=f"See [the agency]({target}).")
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, f"[the agency]({target}): ")
                activity.refresh_from_db()
                self.assertIn("Trash Free Waters", activity.text)
        partner = Partner.objects.get(slug="oefa")
        response = self.post_change_form(partner, url="https://evil.example\\@www.epa.gov/")
        self.assertContains(response, "it holds a backslash, which browsers read as “/”: they go to evil.example")
        self.assertEqual(Partner.objects.get(slug="oefa").url, "https://www.gob.pe/oefa")

    def test_a_stored_link_that_is_no_safe_link_is_warned_of_and_printed_as_text(self):
        # As plain loaddata or SQL would store it: no form's checks.
        activity = Activity.objects.get(slug="peru-2016-09-marine-litter-pilot")
        Activity.objects.filter(pk=activity.pk).update(text="Pilot with [the agency](/\\evil.example/p).")
        Partner.objects.filter(slug="oefa").update(url="javascript:alert`1`")
        warning = ("holds a link that the site prints as its words only, as plain text: "
                   "[the agency](/\\evil.example/p): ")
        self.assertContains(self.client.get(self.change_url(activity)), f"Text {warning}")
        self.assertContains(self.client.get(self.change_url(Program.objects.get())),
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
