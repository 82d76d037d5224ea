
from django.test import TestCase

from activities.models import Activity
from partners.models import Partner
from tests.content import load_peru_as_live_version
from tests.html import Page


class PartnerPagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()

    def test_partner_list_and_detail_with_exit_link(self):
        page = Page(self.client.get("/partners/").content.decode())
        self.assertIn("/partners/oefa/", [link["href"] for link in page.links])
        response = self.client.get("/partners/oefa/")
        self.assertContains(response, "Organismo de Evaluación y Fiscalización Ambiental")
        self.assertContains(response, '<span lang="es">')
        links = Page(response.content.decode()).links
        index = [link["href"] for link in links].index("https://www.gob.pe/oefa")
        self.assertEqual(links[index + 1]["text"], "Exit")

    def test_draft_partner_is_not_found(self):
        Partner.objects.filter(slug="oefa").update(status="draft")
        self.assertEqual(self.client.get("/partners/oefa/").status_code, 404)
        self.assertNotContains(self.client.get("/partners/"), "/partners/oefa/")

    def test_agreements(self):
        response = self.client.get("/agreements/")
        self.assertContains(response, "United States–Peru Trade Promotion Agreement (TPA)")
        self.assertContains(response, "February 2009")
        self.assertContains(response, "United States–Peru Environmental Cooperation Agreement (ECA)")

    def test_partner_page_lists_its_published_activities(self):
        response = self.client.get("/partners/minam/")
        page = Page(response.content.decode())
        listed = [link["href"] for link in page.links if link["href"].startswith("/activities/peru-")]
        self.assertEqual(len(listed), 4)
        self.assertEqual(listed[0], "/activities/peru-2016-09-marine-litter-pilot/")
        self.assertIn("/activities/?partner=minam", [link["href"] for link in page.links])
        Activity.objects.filter(slug=listed[0].split("/")[2]).update(status="draft")
        self.assertNotContains(self.client.get("/partners/minam/"), listed[0])
