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
from tests.factories import make_activities, make_activity, make_page, make_partner, make_theme
from tests.html import listed

HOST = "http://testserver"
PAGE = "/international-cooperation/epa-collaboration-chile/"
WEBINAR = "chile-2020-03-mine-inspections-webinar"
WEBINAR_WORDS = ("EPA staff held a webinar with Chile’s Superintendency of the Environment (Superintendencia del Medio "
                 "Ambiente) on inspections of the Escondida Mine.")
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
    """A country page of seven published activities, from March 2020 back to
    September 2016 and undated, with five of six themes and two partners."""

    @classmethod
    def setUpTestData(cls):
        adjudication, air, enforcement, litter, mercury, cls.water = (
            make_theme(name) for name in ("Adjudication", "Air quality", "Enforcement and compliance", "Marine litter",
                                          "Mercury", "Water quality")
        )
        sma = make_partner("Superintendency of the Environment", acronym="SMA", url="https://portal.sma.gob.cl/")
        mma = make_partner("Ministry of the Environment", acronym="MMA", url="https://mma.gob.cl/")
        cls.page = make_page("EPA Collaboration with Chile", slug="epa-collaboration-chile", country="Chile")
        make_activity(cls.page, '<p>EPA staff held a webinar with Chile’s <a href="partner:sma">Superintendency of the '
                                "Environment (Superintendencia del Medio Ambiente)</a> on inspections of the "
                                "Escondida Mine.</p>",
                      slug=WEBINAR, title="Webinar with SMA on inspections of the Escondida Mine", date="2020-03",
                      display="paragraph", themes=[enforcement], partners=[sma])
        make_activity(cls.page, "A course on adjudicating environmental cases.",
                      slug="chile-2019-08-adjudication-course", date="2019-08", themes=[adjudication])
        make_activity(cls.page, "A workshop on promoting environmental compliance.",
                      slug="chile-2019-06-compliance-promotion-workshop", date="2019-06", themes=[enforcement])
        make_activity(cls.page, "A stakeholder workshop on mercury action plans.", date="2017-12", themes=[mercury],
                      partners=[mma])
        make_activity(cls.page, "A Trash Free Waters pilot against marine litter in Valparaíso.",
                      slug="chile-2016-09-marine-litter-pilot", date="2016-09", themes=[litter], partners=[mma])
        make_activity(cls.page, "Measuring motor vehicle emissions in Santiago.", themes=[air], partners=[mma])
        make_activity(cls.page, "A workshop for adjudicators on environmental cases.", themes=[adjudication])

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
            rows += listed(response.content.decode())
            page += 1


class ListingDataTests(DataTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Three pages of the listing; months shared, so the order's tie-break counts too.
        make_activities(cls.page, 30, themes=[cls.water], slug="extra", title="Extra activity {n}",
                        text="An added activity, number {n}.", date=lambda n: f"2015-{1 + n % 12}")

    def test_json_and_csv_hold_every_row_of_every_page_in_the_listings_order(self):
        for address, params in (
            ("/activities/", {}),
            ("/activities/2015/", {}),
            ("/activities/2019/", {}),
            ("/activities/theme/water-quality/", {}),
            ("/activities/", {"theme": ["mercury", "marine-litter"], "partner": "mma"}),
            ("/activities/theme/water-quality/", {"q": "number 1"}),
            ("/activities/", {"program": "epa-collaboration-chile", "theme": ["adjudication", "air-quality"]}),
        ):
            expected = self.html_rows(address, params)
            self.assertTrue(expected, (address, params))
            _, data = self.data(address, params)
            self.assertEqual([row["url"].removeprefix(HOST) for row in data["activities"]], expected, (address, params))
            self.assertEqual(data["count"], len(expected))
            _, rows = self.data(address, params, "csv")
            self.assertEqual([row["url"].removeprefix(HOST) for row in rows], expected, (address, params))
        self.assertEqual(len(self.html_rows("/activities/")), 37)

    def test_a_json_row_holds_every_documented_field(self):
        _, data = self.data("/activities/2020/")
        self.assertEqual(data["description"], "EPA international cooperation activities in 2020")
        self.assertEqual(data["listing_url"], f"{HOST}/activities/2020/")
        self.assertEqual(data["url"], f"{HOST}/activities/2020/?format=json")
        (row,) = data["activities"]
        activity = Activity.objects.get(slug=WEBINAR)
        self.assertEqual(row, {
            "slug": WEBINAR,
            "title": "Webinar with SMA on inspections of the Escondida Mine",
            "date": "2020-03",
            # Plain words: a link's words stay, its target and the text's tags go.
            "text": WEBINAR_WORDS,
            "themes": [{"slug": "enforcement-and-compliance", "name": "Enforcement and compliance"}],
            "partners": [{"slug": "sma", "name": "Superintendency of the Environment (SMA)",
                          "url": f"{HOST}/partners/sma/"}],
            "page": {"title": "EPA Collaboration with Chile", "url": f"{HOST}{PAGE}"},
            "url": f"{HOST}/activities/{WEBINAR}/",
            "last_changed": activity.history.latest().history_date.isoformat(timespec="seconds"),
        })

    def test_text_is_plain_words_its_paragraphs_apart_by_a_blank_line(self):
        Activity.objects.filter(slug=WEBINAR).update(
            title="",
            text='<p>Fish &amp; <a href="partner:sma"><strong>chips</strong></a>.</p><p>Then <em>more</em>.</p>',
        )
        for data_format in ("json", "csv"):
            _, data = self.data("/activities/2020/", {}, data_format)
            (row,) = data["activities"] if data_format == "json" else data
            self.assertEqual(row["text"], "Fish & chips.\n\nThen more.", data_format)
            self.assertEqual(row["title"], "Fish & chips. Then more.", "its opening words, without a title")

    def test_csv_is_utf8_with_a_header_and_lists_joined_by_semicolons(self):
        pilot = Activity.objects.get(slug="chile-2016-09-marine-litter-pilot")
        pilot.themes.add(self.water)
        pilot.partners.add(Partner.objects.get(slug="sma"))
        response, rows = self.data("/activities/", {"theme": "marine-litter"}, "csv")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertEqual(next(csv.reader(io.StringIO(response.body_text))), CSV_HEADER)
        (row,) = rows
        self.assertEqual(row["slug"], "chile-2016-09-marine-litter-pilot")
        self.assertEqual(row["date"], "2016-09")
        self.assertEqual(row["theme_slugs"], "marine-litter; water-quality")
        self.assertEqual(row["theme_names"], "Marine litter; Water quality")
        self.assertEqual(row["partner_slugs"], "mma; sma")
        self.assertEqual(row["partner_names"],
                         "Ministry of the Environment (MMA); Superintendency of the Environment (SMA)")
        self.assertEqual(row["page_url"], f"{HOST}{PAGE}")
        self.assertEqual(row["text"], "A Trash Free Waters pilot against marine litter in Valparaíso.", "in UTF-8")

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
        activity = Activity.objects.get(slug=WEBINAR)
        Activity.objects.filter(pk=activity.pk).update(title="=HYPERLINK(\"http://evil.example\",\"x\")",
                                                       text="+1+1 and more")
        Theme.objects.filter(slug="enforcement-and-compliance").update(name="@SUM(A1:A9)")
        Partner.objects.filter(slug="sma").update(name="-2+3", acronym="")
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
        Activity.objects.filter(slug="chile-2019-08-adjudication-course").update(status="draft")
        Activity.objects.filter(slug="chile-2019-06-compliance-promotion-workshop").update(
            publish_at=timezone.now() + datetime.timedelta(days=1))
        Partner.objects.filter(slug="sma").update(status="draft")
        draft_page = Page.objects.create(slug="draft-page", title="A draft page", status="draft")
        Activity.objects.create(page=draft_page, slug="on-a-draft-page", text="Not yet.", status="published")
        _, data = self.data("/activities/")
        slugs = [row["slug"] for row in data["activities"]]
        self.assertNotIn("chile-2019-08-adjudication-course", slugs)
        self.assertNotIn("chile-2019-06-compliance-promotion-workshop", slugs)
        self.assertNotIn("on-a-draft-page", slugs, "its page is a draft")
        self.assertIn(WEBINAR, slugs)
        self.assertNotIn("sma", [partner["slug"] for row in data["activities"] for partner in row["partners"]])
        self.assertEqual(data["count"], len(slugs))
        _, rows = self.data("/activities/", {}, "csv")
        self.assertEqual([row["slug"] for row in rows], slugs)
        self.assertFalse([row for row in rows if "sma" in row["partner_slugs"]])

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
        def downloads(year, words):
            return (f'<p class="data-downloads">{words}: <a class="usa-link" href="/activities/{year}/?format=json" '
                    f'type="application/json">JSON</a>, <a class="usa-link" href="/activities/{year}/?format=csv" '
                    'type="text/csv">CSV</a></p>')

        self.assertContains(response, downloads(2015, "Download all 30"), count=1, html=True)
        self.assertContains(self.client.get("/activities/2019/"), downloads(2019, "Download"), count=1, html=True)
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
                self.assertEqual(len(list(csv.DictReader(io.StringIO(unpacked.decode())))), 37)


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
        Activity.objects.exclude(slug=WEBINAR).delete()
        addresses = [
            "/activities/?format=json",
            "/activities/?format=csv",
            "/activities/2020/?format=json&partner=sma&q=mine&theme=enforcement-and-compliance",
        ]
        with_one = [self.queries(address)[0] for address in addresses]
        make_activities(self.page, 199, themes=Theme.objects.filter(slug__in=["water-quality", "mercury"]),
                        partners=Partner.objects.all(), date=lambda n: f"2020-{1 + n % 12}")
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
        self.assertEqual(dataset["spatial"], "Chile")

    def test_keywords_dates_and_last_change_come_from_the_activities(self):
        (dataset,) = self.catalog()["dataset"]
        # The themes of the published activities, none other.
        self.assertEqual(dataset["keyword"], ["Adjudication", "Air quality", "Enforcement and compliance",
                                              "Marine litter", "Mercury"])
        self.assertEqual(dataset["temporal"], "2016-09/2020-03")
        activity = Activity.objects.get(slug="chile-2019-08-adjudication-course")
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

