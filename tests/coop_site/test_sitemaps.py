import xml.etree.ElementTree as ET

from django.test import TestCase

from activities.models import Activity, Page
from partners.models import Partner
from tests.content import load_peru_as_live_version
from tests.html import PERU_PAGE

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class SitemapTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()

    def addresses(self):
        index = ET.fromstring(self.client.get("/sitemap.xml").content)
        addresses = []
        for sitemap in index.findall(f"{SITEMAP}sitemap"):
            part = self.client.get(sitemap.find(f"{SITEMAP}loc").text.removeprefix("http://testserver"))
            self.assertEqual(part.status_code, 200)
            addresses += [loc.text.removeprefix("http://testserver") for loc in ET.fromstring(part.content).iter(f"{SITEMAP}loc")]
        return addresses

    def test_every_public_page_is_listed_and_answers(self):
        addresses = self.addresses()
        for expected in ("/", "/international-cooperation/", PERU_PAGE, "/activities/", "/activities/2019/",
                         "/activities/theme/mercury/", "/partners/", "/partners/oefa/", "/agreements/",
                         "/about-this-archive/", "/exit-disclaimer/"):
            self.assertIn(expected, addresses)
        for activity in Activity.objects.all():
            self.assertIn(activity.get_absolute_url(), addresses)
        self.assertEqual(len(addresses), len(set(addresses)))
        for address in addresses:
            self.assertEqual(self.client.get(address).status_code, 200, address)

    def test_the_pages_section_of_when_pages_were_called_programs_moves_to_its_name(self):
        response = self.client.get("/sitemap-programs.xml")
        self.assertEqual((response.status_code, response["Location"]), (301, "/sitemap-current-pages.xml"))
        self.assertContains(self.client.get(response["Location"]), f"<loc>http://testserver{PERU_PAGE}</loc>")

    def test_drafts_are_left_out(self):
        Activity.objects.filter(slug="peru-2016-09-marine-litter-pilot").update(status="draft")
        Partner.objects.filter(slug="minam").update(status="draft")
        addresses = self.addresses()
        self.assertNotIn("/activities/peru-2016-09-marine-litter-pilot/", addresses)
        self.assertNotIn("/activities/2016/", addresses, "no published activity is left in 2016")
        self.assertNotIn("/activities/theme/marine-litter/", addresses)
        self.assertNotIn("/partners/minam/", addresses)
        Page.objects.update(status="draft")
        addresses = self.addresses()
        self.assertNotIn(PERU_PAGE, addresses)
        self.assertFalse([address for address in addresses if address.startswith("/activities/peru")])

    def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_the_admin(self):
        response = self.client.get("/robots.txt")
        self.assertEqual(response["Content-Type"], "text/plain")
        lines = response.content.decode().splitlines()
        self.assertIn("Disallow: /admin/", lines)
        self.assertIn("Sitemap: http://testserver/sitemap.xml", lines)
