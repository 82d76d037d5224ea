import xml.etree.ElementTree as ET

from django.test import TestCase

from activities.models import Activity
from tests.content import load_peru_as_live_version
from tests.html import Page

ATOM = "{http://www.w3.org/2005/Atom}"


class ActivityFeedTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()

    def entries(self, address, params=None):
        response = self.client.get(address, params or {})
        self.assertEqual(response.status_code, 200, address)
        self.assertEqual(response["Content-Type"], "application/atom+xml; charset=utf-8")
        feed = ET.fromstring(response.content)
        return feed, feed.findall(f"{ATOM}entry")

    def links(self, entries):
        return [entry.find(f"{ATOM}link").get("href").removeprefix("http://testserver") for entry in entries]

    def test_the_feed_lists_what_the_listing_lists_newest_first(self):
        for listing, feed, params in (
            ("/activities/", "/activities/feed/", {}),
            ("/activities/", "/activities/feed/", {"year": "2019"}),
            ("/activities/2019/", "/activities/2019/feed/", {}),
            ("/activities/theme/adjudication/", "/activities/theme/adjudication/feed/", {}),
            ("/activities/", "/activities/feed/", {"theme": ["mercury", "marine-litter"], "partner": "minam"}),
        ):
            _, entries = self.entries(feed, params)
            html = self.client.get(listing, params).content.decode()
            listed = [link["href"] for link in Page(html).links if link["href"] in self.links(entries)]
            self.assertEqual(self.links(entries), listed, (feed, params))
            self.assertTrue(entries, (feed, params))

    def test_entries_carry_title_date_text_and_themes(self):
        feed, entries = self.entries("/activities/feed/", {"year": "2020"})
        self.assertEqual(feed.find(f"{ATOM}title").text, "EPA international cooperation activities in 2020")
        self.assertEqual(feed.find(f"{ATOM}link[@rel='self']").get("href"), "http://testserver/activities/2020/feed/")
        self.assertEqual(feed.find(f"{ATOM}link[@rel='alternate']").get("href"), "http://testserver/activities/2020/")
        (entry,) = entries
        self.assertTrue(entry.find(f"{ATOM}title").text.startswith("March 2020: EPA Region 9 staff"))
        self.assertEqual(entry.find(f"{ATOM}published").text, "2020-03-01T00:00:00-05:00")
        self.assertIn("Raura Mine", entry.find(f"{ATOM}summary").text)
        self.assertNotIn("](partner:", entry.find(f"{ATOM}summary").text)
        self.assertEqual([c.get("term") for c in entry.findall(f"{ATOM}category")], ["Enforcement and compliance"])

    def test_every_entry_has_an_updated_date_even_undated_ones(self):
        _, entries = self.entries("/activities/feed/", {"theme": "air-quality"})
        self.assertEqual(len(entries), 3)
        for entry in entries:
            self.assertIsNotNone(entry.find(f"{ATOM}updated"))

    def test_each_listing_names_its_feed(self):
        html = self.client.get("/activities/2019/", {"theme": "adjudication"}).content.decode()
        self.assertIn('<link rel="alternate" type="application/atom+xml" title="Activities in 2019 on Adjudication" '
                      'href="/activities/2019/feed/?theme=adjudication">', html)

    def test_filters_that_name_nothing_are_a_404(self):
        for address, params in (("/activities/feed/", {"year": "abc"}), ("/activities/feed/", {"theme": "astrology"}),
                                ("/activities/1800/feed/", {}), ("/activities/theme/astrology/feed/", {}),
                                ("/activities/feed/", {"q": "\x00"})):
            self.assertEqual(self.client.get(address, params).status_code, 404, (address, params))

    def test_drafts_are_not_in_the_feed(self):
        Activity.objects.filter(slug="peru-2020-03-raura-mine-inspections-webinar").update(status="draft")
        _, entries = self.entries("/activities/feed/")
        self.assertNotIn("/activities/peru-2020-03-raura-mine-inspections-webinar/", self.links(entries))
