import csv
import datetime
import gzip
import io
import json

from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities.models import Activity, Page, Theme
from partners.models import Partner
from tests.activities.test_activity_views import add_activities, listed
from tests.content import load_peru_as_live_version
from tests.html import ParsedHtml

HOST = "http://testserver"
CSV_HEADER = ["slug", "title", "date", "text", "theme_slugs", "theme_names", "partner_slugs", "partner_names",
              "page_title", "page_url", "url", "last_changed"]
# The required keys of the Project Open Data metadata schema, v1.1
# (https://project-open-data.cio.gov/v1.1/schema/): catalog.json, dataset.json,
# vcard.json (contactPoint) and organization.json (publisher).
CATALOG_REQUIRED = ["conformsTo", "dataset"]
DATASET_REQUIRED = ["bureauCode", "programCode", "title", "description", "keyword", "modified", "publisher",
                    "contactPoint", "identifier", "accessLevel"]
CONTACT_REQUIRED = ["fn", "hasEmail"]
PUBLISHER_REQUIRED = ["name"]


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


class DataTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()

    def data(self, address, params=None, data_format="json"):
        """The data of a listing (followed to its canonical data address)."""
        response = self.client.get(address, {**(params or {}), "format": data_format}, follow=True)
        self.assertEqual(response.status_code, 200, (address, params))
        self.assertTrue(response.streaming, "every row streamed, not a page in memory")
        response.body_text = body(response).decode("utf-8")
        if data_format == "csv":
            return response, list(csv.DictReader(io.StringIO(response.body_text, newline="")))
        return response, json.loads(response.body_text)

    def html_rows(self, address, params=None):
        """The activity links of every page of a listing, in order."""
        rows, page = [], 1
        while True:
            response = self.client.get(address, {**(params or {}), "page": page}, follow=True)
            if response.status_code == 404:
                return rows
            rows += listed(self, response)
            page += 1


class ListingDataTests(DataTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Three pages of the listing; months shared, so the order's tie-break counts too.
        add_activities(30, themes=[Theme.objects.get(slug="water-quality")])

    def test_json_and_csv_hold_every_row_of_every_page_in_the_listings_order(self):
        for address, params in (
            ("/activities/", {}),
            ("/activities/2015/", {}),
            ("/activities/2019/", {}),
            ("/activities/theme/water-quality/", {}),
            ("/activities/", {"theme": ["mercury", "marine-litter"], "partner": "minam"}),
            ("/activities/theme/water-quality/", {"q": "number 1"}),
            ("/activities/", {"program": "epa-collaboration-peru", "theme": ["adjudication", "air-quality"]}),
        ):
            expected = self.html_rows(address, params)
            self.assertTrue(expected, (address, params))
            _, data = self.data(address, params)
            self.assertEqual([row["url"].removeprefix(HOST) for row in data["activities"]], expected, (address, params))
            self.assertEqual(data["count"], len(expected))
            _, rows = self.data(address, params, "csv")
            self.assertEqual([row["url"].removeprefix(HOST) for row in rows], expected, (address, params))
        self.assertEqual(len(self.html_rows("/activities/")), 47)

    def test_a_json_row_holds_every_documented_field(self):
        _, data = self.data("/activities/2020/")
        self.assertEqual(data["description"], "EPA international cooperation activities in 2020")
        self.assertEqual(data["listing_url"], f"{HOST}/activities/2020/")
        self.assertEqual(data["url"], f"{HOST}/activities/2020/?format=json")
        (row,) = data["activities"]
        activity = Activity.objects.get(slug="peru-2020-03-raura-mine-inspections-webinar")
        self.assertEqual(row, {
            "slug": "peru-2020-03-raura-mine-inspections-webinar",
            "title": str(activity),
            "date": "2020-03",
            "text": row["text"],
            "themes": [{"slug": "enforcement-and-compliance", "name": "Enforcement and compliance"}],
            "partners": [{"slug": "oefa", "name": "Agency for Environmental Assessment and Enforcement (OEFA)",
                          "url": f"{HOST}/partners/oefa/"}],
            "page": {"title": "EPA Collaboration with Peru",
                     "url": f"{HOST}/international-cooperation/epa-collaboration-peru/"},
            "url": f"{HOST}/activities/peru-2020-03-raura-mine-inspections-webinar/",
            "last_changed": activity.history.latest().history_date.isoformat(timespec="seconds"),
        })
        # Plain words: a link's words stay, its target and the text's tags go.
        self.assertIn("Peru’s Agency for Environmental Assessment and Enforcement (Organismo", row["text"])
        self.assertNotIn("<", row["text"])
        self.assertNotIn("partner:", row["text"])

    def test_text_is_plain_words_its_paragraphs_apart_by_a_blank_line(self):
        Activity.objects.filter(slug="peru-2020-03-raura-mine-inspections-webinar").update(
            title="",
            text='<p>Fish &amp; <a href="partner:oefa"><strong>chips</strong></a>.</p><p>Then <em>more</em>.</p>',
        )
        for data_format in ("json", "csv"):
            _, data = self.data("/activities/2020/", {}, data_format)
            (row,) = data["activities"] if data_format == "json" else data
            self.assertEqual(row["text"], "Fish & chips.\n\nThen more.", data_format)
            self.assertEqual(row["title"], "Fish & chips. Then more.", "its opening words, without a title")

    def test_csv_is_utf8_with_a_header_and_lists_joined_by_semicolons(self):
        pilot = Activity.objects.get(slug="peru-2016-09-marine-litter-pilot")
        pilot.themes.add(Theme.objects.get(slug="water-quality"))
        pilot.partners.add(Partner.objects.get(slug="oefa"))
        response, rows = self.data("/activities/", {"theme": "marine-litter"}, "csv")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertEqual(next(csv.reader(io.StringIO(response.body_text))), CSV_HEADER)
        (row,) = rows
        self.assertEqual(row["slug"], "peru-2016-09-marine-litter-pilot")
        self.assertEqual(row["date"], "2016-09")
        self.assertEqual(row["theme_slugs"], "marine-litter; water-quality")
        self.assertEqual(row["theme_names"], "Marine litter; Water quality")
        self.assertEqual(row["partner_slugs"], "oefa; minam")
        self.assertEqual(row["page_url"], f"{HOST}/international-cooperation/epa-collaboration-peru/")
        self.assertIn("Evaluación y Fiscalización", self.data("/activities/", {}, "csv")[0].body_text, "in UTF-8")

    def test_each_file_is_named_after_its_listing(self):
        for address, params, name in (
            ("/activities/", {}, "activities"),
            ("/activities/2019/", {}, "activities-in-2019"),
            ("/activities/theme/mercury/", {"theme": "marine-litter"}, "activities-on-marine-litter-or-mercury"),
        ):
            response, _ = self.data(address, params, "csv")
            self.assertEqual(response["Content-Disposition"], f'attachment; filename="{name}.csv"')
            response, _ = self.data(address, params)
            self.assertEqual(response["Content-Disposition"], f'inline; filename="{name}.json"')

    def test_cells_a_spreadsheet_would_run_as_formulas_are_made_text(self):
        activity = Activity.objects.get(slug="peru-2020-03-raura-mine-inspections-webinar")
        Activity.objects.filter(pk=activity.pk).update(title="=HYPERLINK(\"http://evil.example\",\"x\")",
                                                       text="+1+1 and more")
        Theme.objects.filter(slug="enforcement-and-compliance").update(name="@SUM(A1:A9)")
        Partner.objects.filter(slug="oefa").update(name="-2+3", acronym="")
        (row,) = self.data("/activities/2020/", {}, "csv")[1]
        self.assertEqual(row["title"], "'=HYPERLINK(\"http://evil.example\",\"x\")")
        self.assertEqual(row["text"], "'+1+1 and more")
        self.assertEqual(row["theme_names"], "'@SUM(A1:A9)")
        self.assertEqual(row["partner_names"], "'-2+3")
        for start in ("\tcmd", "\rcmd"):
            Activity.objects.filter(pk=activity.pk).update(title=start)
            (row,) = self.data("/activities/2020/", {}, "csv")[1]
            self.assertEqual(row["title"], "'" + start)
        (json_row,) = self.data("/activities/2020/")[1]["activities"]
        self.assertEqual(json_row["text"], "+1+1 and more", "JSON holds the text as written")

    def test_drafts_scheduled_items_and_unpublished_partners_are_never_included(self):
        Activity.objects.filter(slug="peru-2019-08-eab-adjudication-course").update(status="draft")
        Activity.objects.filter(slug="peru-2019-06-compliance-promotion-workshop").update(
            publish_at=timezone.now() + datetime.timedelta(days=1))
        Partner.objects.filter(slug="oefa").update(status="draft")
        draft_page = Page.objects.create(slug="draft-page", title="A draft page", status="draft")
        Activity.objects.create(page=draft_page, slug="on-a-draft-page", text="Not yet.", status="published")
        _, data = self.data("/activities/")
        slugs = [row["slug"] for row in data["activities"]]
        self.assertNotIn("peru-2019-08-eab-adjudication-course", slugs)
        self.assertNotIn("peru-2019-06-compliance-promotion-workshop", slugs)
        self.assertNotIn("on-a-draft-page", slugs, "its page is a draft")
        self.assertNotIn("oefa", [partner["slug"] for row in data["activities"] for partner in row["partners"]])
        self.assertEqual(data["count"], len(slugs))
        _, rows = self.data("/activities/", {}, "csv")
        self.assertEqual([row["slug"] for row in rows], slugs)
        self.assertFalse([row for row in rows if "oefa" in row["partner_slugs"]])

    def test_each_form_of_a_data_address_redirects_to_its_canonical_form(self):
        cases = {
            "/activities/?year=2019&format=json": "/activities/2019/?format=json",
            "/activities/?theme=mercury&format=csv": "/activities/theme/mercury/?format=csv",
            "/activities/theme/mercury/?theme=marine-litter&format=json":
                "/activities/?format=json&theme=marine-litter&theme=mercury",
            "/activities/?format=json&page=2": "/activities/?format=json",  # every row: no pages
            "/activities/?format=json&page=abc": "/activities/?format=json",
            "/activities/?format=csv&utm_source=mail": "/activities/?format=csv",
            "/activities/?format=json&q=": "/activities/?format=json",
            "/activities/?format=": "/activities/",
        }
        for address, canonical in cases.items():
            response = self.client.get(address)
            self.assertEqual((response.status_code, response.get("Location")), (301, canonical), address)

    def test_a_format_that_is_none_is_a_400_naming_the_formats(self):
        for address in ("/activities/?format=xml", "/activities/2019/?format=JSON", "/activities/?format=html",
                        "/activities/?format=json&format=csv", "/activities/?format=%00", "/activities/?format=atom"):
            response = self.client.get(address)
            self.assertEqual(response.status_code, 400, address)
            self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")
            self.assertIn("format=json or format=csv", response.content.decode(), address)
        self.assertIn("There is no format “xml”", self.client.get("/activities/?format=xml").content.decode())
        self.assertIn("Ask for one format", self.client.get("/activities/?format=json&format=csv").content.decode())

    def test_filters_that_name_nothing_are_a_400_naming_them_and_paths_a_404(self):
        for query, problem in (
            ("year=abc", "year: No published activity is from “abc”"),
            ("theme=astrology", "theme: There is no theme “astrology”"),
            ("partner=nobody", "partner: There is no partner “nobody”"),
            ("program=atlantis", "program: There is no country page “atlantis”"),
            ("q=%00", "q: Null characters are not allowed."),
            ("q=" + "x" * 300, "q: Ensure this value has at most 200 characters"),
        ):
            for data_format in ("json", "csv"):
                response = self.client.get(f"/activities/?{query}&format={data_format}")
                self.assertEqual(response.status_code, 400, query)
                self.assertIn(problem, response.content.decode(), query)
        for address in ("/activities/1800/?format=json", "/activities/theme/astrology/?format=csv"):
            self.assertEqual(self.client.get(address).status_code, 404, address)

    def test_the_listing_links_its_data_in_a_header_and_on_the_page(self):
        response = self.client.get("/activities/2015/")
        self.assertEqual(
            response["Link"],
            '</activities/2015/?format=json>; rel="alternate"; type="application/json", '
            '</activities/2015/?format=csv>; rel="alternate"; type="text/csv"',
        )
        page = ParsedHtml(response.content.decode())
        self.assertIn("Download all 30: JSON, CSV", page.blocks)
        links = {link["text"]: link["href"] for link in page.links}
        self.assertEqual(links["JSON"], "/activities/2015/?format=json")
        self.assertEqual(links["CSV"], "/activities/2015/?format=csv")
        self.assertIn("Download: JSON, CSV", ParsedHtml(self.client.get("/activities/2019/").content.decode()).blocks)
        # Filters that name nothing have no data to offer.
        broken = self.client.get("/activities/?year=abc")
        self.assertNotIn("Link", broken)
        self.assertNotIn("?format=", broken.content.decode())

    def test_data_is_gzipped_as_it_streams_for_clients_that_take_it(self):
        plain = body(self.client.get("/activities/?format=json"))
        for data_format in ("json", "csv"):
            response = self.client.get(f"/activities/?format={data_format}", headers={"Accept-Encoding": "gzip"})
            self.assertTrue(response.streaming)
            self.assertEqual(response["Content-Encoding"], "gzip")
            self.assertIn("Accept-Encoding", response["Vary"])
            unpacked = gzip.decompress(body(response))
            if data_format == "json":
                self.assertEqual(json.loads(unpacked), json.loads(plain))
            else:
                self.assertEqual(len(list(csv.DictReader(io.StringIO(unpacked.decode())))), 47)


class QueryBudgetTests(DataTestCase):
    def queries(self, address):
        body(self.client.get(address))  # warm the per-process caches (content types)
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(address)
            self.assertEqual(response.status_code, 200, address)
            rows = body(response)  # the rows are read while the response streams
        return len(captured), rows

    def test_the_same_queries_with_1_and_200_activities(self):
        Activity.objects.exclude(slug="peru-2020-03-raura-mine-inspections-webinar").delete()
        addresses = [
            "/activities/?format=json",
            "/activities/?format=csv",
            "/activities/2020/?format=json&partner=oefa&q=mine&theme=enforcement-and-compliance",
        ]
        with_one = [self.queries(address)[0] for address in addresses]
        created = add_activities(199, themes=Theme.objects.filter(slug__in=["water-quality", "mercury"]), year=2020)
        Activity.partners.through.objects.bulk_create(
            Activity.partners.through(activity_id=activity.pk, partner_id=partner.pk)
            for activity in created for partner in Partner.objects.filter(slug__in=["oefa", "minam"])
        )
        with_200 = [self.queries(address) for address in addresses]
        self.assertEqual(with_one, [count for count, _ in with_200])
        self.assertEqual(json.loads(with_200[0][1])["count"], 200)
        self.assertEqual(len(with_200[1][1].decode().strip().split("\r\n")), 201, "a header and 200 rows")


class DataCatalogTests(DataTestCase):
    def catalog(self):
        response = self.client.get("/data.json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        return json.loads(response.content)

    def test_the_catalog_has_what_project_open_data_requires(self):
        catalog = self.catalog()
        for key in CATALOG_REQUIRED:
            self.assertIn(key, catalog)
        self.assertEqual(catalog["@type"], "dcat:Catalog")
        self.assertEqual(catalog["@context"], "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld")
        self.assertEqual(catalog["conformsTo"], "https://project-open-data.cio.gov/v1.1/schema")
        self.assertEqual(catalog["describedBy"], "https://project-open-data.cio.gov/v1.1/schema/catalog.json")
        (dataset,) = catalog["dataset"]
        for key in DATASET_REQUIRED:
            self.assertTrue(dataset.get(key), key)
        for key in CONTACT_REQUIRED:
            self.assertTrue(dataset["contactPoint"].get(key), key)
        for key in PUBLISHER_REQUIRED:
            self.assertTrue(dataset["publisher"].get(key), key)
        self.assertRegex(dataset["contactPoint"]["hasEmail"], r"^mailto:([\w.-]+@[\w.-]+\.[\w.-]+)?$")
        self.assertEqual(dataset["publisher"]["name"], "U.S. Environmental Protection Agency")
        self.assertEqual((dataset["bureauCode"], dataset["programCode"]), (["020:00"], ["020:000"]))
        self.assertEqual(dataset["accessLevel"], "public")
        self.assertEqual(dataset["license"], "https://creativecommons.org/publicdomain/zero/1.0/")
        self.assertEqual(dataset["identifier"], "tag:epa.gov,2021:/activities/")
        self.assertEqual(dataset["landingPage"], f"{HOST}/activities/")
        self.assertEqual(dataset["spatial"], "Peru")

    def test_keywords_dates_and_last_change_come_from_the_activities(self):
        (dataset,) = self.catalog()["dataset"]
        self.assertEqual(dataset["keyword"], list(Theme.objects.order_by("name").values_list("name", flat=True)))
        self.assertRegex(dataset["temporal"], r"^\d{4}-\d{2}/2020-03$")
        activity = Activity.objects.get(slug="peru-2019-08-eab-adjudication-course")
        activity.text += " More."
        activity.save()
        (dataset,) = self.catalog()["dataset"]
        self.assertEqual(datetime.datetime.fromisoformat(dataset["modified"]),
                         activity.history.latest().history_date.replace(microsecond=0))

    def test_each_distribution_answers_with_its_media_type(self):
        (dataset,) = self.catalog()["dataset"]
        kinds = {}
        for distribution in dataset["distribution"]:
            address = distribution.get("downloadURL") or distribution["accessURL"]
            self.assertTrue(address.startswith(f"{HOST}/"), address)
            self.assertRegex(distribution["mediaType"], r"^[-\w]+/[-\w]+(\.[-\w]+)*([+][-\w]+)?$")
            response = self.client.get(address.removeprefix(HOST))
            self.assertEqual(response.status_code, 200, address)
            self.assertEqual(response["Content-Type"].partition(";")[0], distribution["mediaType"], address)
            body(response)
            kinds[distribution["mediaType"]] = "downloadURL" if "downloadURL" in distribution else "accessURL"
        self.assertEqual(kinds, {"application/json": "downloadURL", "text/csv": "downloadURL",
                                 "application/atom+xml": "accessURL"})

    def test_a_site_with_nothing_published_lists_no_data_set(self):
        Activity.objects.update(status="draft")
        self.assertEqual(self.catalog()["dataset"], [])

