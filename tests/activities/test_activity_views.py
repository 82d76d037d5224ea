import io

from django.core.management import call_command
from django.test import TestCase

from activities.models import Activity
from tests.html import SNAPSHOT, Page


class ActivityListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())

    def listed(self, response):
        self.assertEqual(response.status_code, 200)
        page = Page(response.content.decode())
        return [link["href"] for link in page.links if link["href"].startswith("/activities/peru-")]

    def test_all_published_activities_newest_first_undated_last(self):
        listed = self.listed(self.client.get("/activities/"))
        self.assertEqual(listed[0], "/activities/peru-2020-03-raura-mine-inspections-webinar/")
        self.assertEqual(listed[1], "/activities/peru-2019-08-eab-adjudication-course/")
        self.assertIn("/activities/peru-megacities-transport-burden-analysis/", listed[11:17])
        self.assertEqual(len(listed), 17)

    def test_year_and_theme_paths_and_query(self):
        self.assertEqual(len(self.listed(self.client.get("/activities/2019/"))), 2)
        self.assertEqual(len(self.listed(self.client.get("/activities/theme/adjudication/"))), 3)
        combined = self.listed(self.client.get("/activities/2019/", {"theme": "adjudication"}))
        self.assertEqual(combined, ["/activities/peru-2019-08-eab-adjudication-course/"])
        either = self.listed(self.client.get("/activities/", {"theme": ["mercury", "marine-litter"]}))
        self.assertEqual(len(either), 2)
        self.assertEqual(len(self.listed(self.client.get("/activities/", {"q": "Raura mine"}))), 1)
        self.assertEqual(len(self.listed(self.client.get("/activities/", {"partner": "minam"}))), 4)

    def test_unknown_year_or_theme_in_the_path_is_a_404(self):
        self.assertEqual(self.client.get("/activities/1800/").status_code, 404)
        self.assertEqual(self.client.get("/activities/theme/astrology/").status_code, 404)

    def test_bad_query_values_give_an_explained_empty_listing(self):
        for params in ({"year": "abc"}, {"year": "1800"}, {"year": "99999999999"}, {"theme": "unknown"},
                       {"q": "x" * 10_000}):
            response = self.client.get("/activities/", params)
            self.assertEqual(response.status_code, 200, params)
            self.assertContains(response, "errorlist")
            self.assertContains(response, "No activity matches these filters")
        self.assertEqual(self.client.get("/activities/", {"page": "abc"}).status_code, 404)
        self.assertEqual(self.client.get("/activities/", {"page": "99"}).status_code, 404)

    def test_drafts_are_not_listed_and_have_no_page(self):
        Activity.objects.filter(slug="peru-2016-09-marine-litter-pilot").update(status="draft")
        self.assertNotIn("/activities/peru-2016-09-marine-litter-pilot/", self.listed(self.client.get("/activities/")))
        self.assertEqual(self.client.get("/activities/peru-2016-09-marine-litter-pilot/").status_code, 404)

    def test_detail_page_shows_text_date_themes_partners_and_where_it_is_printed(self):
        response = self.client.get("/activities/peru-2020-03-raura-mine-inspections-webinar/")
        self.assertContains(response, "Raura Mine")
        page = Page(response.content.decode())
        hrefs = [link["href"] for link in page.links]
        self.assertIn("/activities/2020/", hrefs)
        self.assertIn("/activities/theme/enforcement-and-compliance/", hrefs)
        self.assertIn("/partners/oefa/", hrefs)
        self.assertIn("/international-cooperation/epa-collaboration-peru/#highlights", hrefs)
        index = hrefs.index("https://www.gob.pe/oefa")
        self.assertEqual(page.links[index + 1]["text"], "Exit")
