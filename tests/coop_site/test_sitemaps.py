import xml.etree.ElementTree as ET

from django.test import TestCase

from activities.models import Activity, Page
from partners.models import Partner
from tests.factories import make_activity, make_agreement, make_page, make_partner, make_theme

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
PAGE = "/international-cooperation/epa-collaboration-chile/"


class SitemapTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        enforcement, mercury, litter = (make_theme(name) for name in ("Enforcement and compliance", "Mercury",
                                                                      "Marine litter"))
        make_theme("Water quality")  # on no activity
        sma = make_partner("Superintendency of the Environment", acronym="SMA")
        mma = make_partner("Ministry of the Environment", acronym="MMA")
        make_partner("A partner not yet published", status="draft")
        make_agreement()
        page = make_page("EPA Collaboration with Chile", slug="epa-collaboration-chile")
        cls.activities = [
            make_activity(page, "A workshop on promoting environmental compliance.", date="2019-06",
                          themes=[enforcement], partners=[sma]),
            make_activity(page, "A stakeholder workshop on mercury action plans.", date="2017-12", themes=[mercury]),
            make_activity(page, "A Trash Free Waters pilot against marine litter.", slug="chile-2016-09-litter-pilot",
                          date="2016-09", themes=[litter], partners=[mma]),
            make_activity(page, "Online training materials for inspectors.", themes=[enforcement]),
        ]
        cls.draft = make_activity(page, "A workshop not yet published.", date="2015-03", status="draft")

    def addresses(self):
        index = ET.fromstring(self.client.get("/sitemap.xml").content)
        addresses = []
        for sitemap in index.findall(f"{SITEMAP}sitemap"):
            part = self.client.get(sitemap.find(f"{SITEMAP}loc").text.removeprefix("http://testserver"))
            self.assertEqual(part.status_code, 200)
            addresses += [loc.text.removeprefix("http://testserver")
                          for loc in ET.fromstring(part.content).iter(f"{SITEMAP}loc")]
        return addresses

    def test_every_public_page_is_listed_and_answers(self):
        addresses = self.addresses()
        for expected in ("/", "/international-cooperation/", PAGE, "/activities/", "/partners/", "/agreements/",
                         "/about-this-archive/", "/exit-disclaimer/"):
            self.assertIn(expected, addresses)
        self.assertEqual(
            sorted(address for address in addresses if address.startswith(("/activities/", "/partners/"))),
            sorted([
                "/activities/", "/partners/", *(activity.get_absolute_url() for activity in self.activities),
                "/activities/2019/", "/activities/2017/", "/activities/2016/",
                "/activities/theme/enforcement-and-compliance/", "/activities/theme/mercury/",
                "/activities/theme/marine-litter/", "/partners/sma/", "/partners/mma/",
            ]),
            "each activity, year and theme in use and published partner; no draft, no empty theme",
        )
        self.assertEqual(len(addresses), len(set(addresses)))
        for address in addresses:
            self.assertEqual(self.client.get(address).status_code, 200, address)

    def test_the_pages_section_of_when_pages_were_called_programs_moves_to_its_name(self):
        response = self.client.get("/sitemap-programs.xml")
        self.assertEqual((response.status_code, response["Location"]), (301, "/sitemap-current-pages.xml"))
        self.assertContains(self.client.get(response["Location"]), f"<loc>http://testserver{PAGE}</loc>")

    def test_drafts_are_left_out(self):
        Activity.objects.filter(slug="chile-2016-09-litter-pilot").update(status="draft")
        Partner.objects.filter(slug="mma").update(status="draft")
        addresses = self.addresses()
        self.assertNotIn("/activities/chile-2016-09-litter-pilot/", addresses)
        self.assertNotIn("/activities/2016/", addresses, "no published activity is left in 2016")
        self.assertNotIn("/activities/theme/marine-litter/", addresses)
        self.assertNotIn("/partners/mma/", addresses)
        self.assertIn(self.activities[0].get_absolute_url(), addresses)
        Page.objects.update(status="draft")
        addresses = self.addresses()
        self.assertNotIn(PAGE, addresses)
        # Nor its activities, nor the years and themes only they were in.
        self.assertEqual([address for address in addresses if address.startswith("/activities/")], ["/activities/"])

    def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_the_admin(self):
        response = self.client.get("/robots.txt")
        self.assertEqual(response["Content-Type"], "text/plain")
        lines = response.content.decode().splitlines()
        self.assertIn("Disallow: /admin/", lines)
        self.assertIn("Sitemap: http://testserver/sitemap.xml", lines)
