
from django.test import TestCase

from activities.models import Activity
from partners.models import Agreement, Contact, Partner
from tests.content import load_peru_as_live_version
from tests.html import PERU_PAGE, ParsedHtml


class PartnerPagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()

    def test_partner_list_and_detail_with_exit_link(self):
        page = ParsedHtml(self.client.get("/partners/").content.decode())
        self.assertIn("/partners/oefa/", [link["href"] for link in page.links])
        response = self.client.get("/partners/oefa/")
        self.assertContains(response, "Organismo de Evaluación y Fiscalización Ambiental")
        self.assertContains(response, '<span lang="es">')
        links = ParsedHtml(response.content.decode()).links
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
        page = ParsedHtml(response.content.decode())
        listed = [link["href"] for link in page.links if link["href"].startswith("/activities/peru-")]
        self.assertEqual(len(listed), 4)
        self.assertEqual(listed[0], "/activities/peru-2016-09-marine-litter-pilot/")
        self.assertIn("/activities/?partner=minam", [link["href"] for link in page.links])
        Activity.objects.filter(slug=listed[0].split("/")[2]).update(status="draft")
        self.assertNotContains(self.client.get("/partners/minam/"), listed[0])


class StoredAddressTests(TestCase):
    """Addresses stored by a way in that skips the forms' checks (plain
    loaddata, SQL) are printed as their words when they are no safe link."""

    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()

    def hrefs(self, url):
        return [link["href"] for link in ParsedHtml(self.client.get(url).content.decode()).links]

    def test_a_partners_address_that_is_no_safe_link_is_printed_as_text(self):
        Partner.objects.filter(slug="oefa").update(url="javascript:alert`1`")
        response = self.client.get("/partners/oefa/")
        self.assertContains(response, "<p>javascript:alert`1`</p>", html=True)
        self.assertFalse([href for href in self.hrefs("/partners/oefa/") if "javascript" in href])
        # Where the page's text links the partner, its words are printed.
        self.assertFalse([href for href in self.hrefs(PERU_PAGE) if "javascript" in href])
        self.assertContains(self.client.get(PERU_PAGE), "Agency for Environmental Assessment and Enforcement")

    def test_an_agreements_address_goes_where_browsers_go_or_nowhere(self):
        tpa = Agreement.objects.filter(slug="us-peru-tpa")
        tpa.update(url="https://evil.example\\@www.epa.gov/", leaves_site=False)
        self.assertContains(self.client.get("/agreements/"), "https://evil.example\\@www.epa.gov/")
        self.assertFalse([href for href in self.hrefs("/agreements/") if "evil" in href])
        tpa.update(url="https://evil.example/tpa")
        links = ParsedHtml(self.client.get("/agreements/").content.decode()).links
        index = [link["href"] for link in links].index("https://evil.example/tpa")
        self.assertEqual(links[index + 1]["text"], "Exit", "the address leaves the site, whatever the flag says")

    def test_a_contacts_email_is_a_mailto_link_or_text(self):
        Contact.objects.update(email="international@epa.gov")
        self.assertIn("mailto:international@epa.gov", self.hrefs(PERU_PAGE))
        Contact.objects.update(email="a\\b@epa.gov")
        self.assertContains(self.client.get(PERU_PAGE), "a\\b@epa.gov")
        self.assertFalse([href for href in self.hrefs(PERU_PAGE) if href.startswith("mailto:")])
