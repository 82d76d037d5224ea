import datetime
import re
from html import unescape

from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from activities.models import Activity, Page, Theme
from tests.content import load_peru_as_live_version, past_activities_place
from tests.html import PERU_PAGE, FilterChoices, ParsedHtml, words


def listed(testcase, response):
    """The activity links of a listing, in order."""
    testcase.assertEqual(response.status_code, 200)
    page = ParsedHtml(response.content.decode())
    return [link["href"] for link in page.links if DETAIL.match(link["href"])]


DETAIL = re.compile(r"^/activities/(?!feed/|\d+/)[\w-]+/$")


def summary(response):
    html = response.content.decode()
    start = html.index('class="result-summary"')
    return words(re.sub(r"<[^>]+>", "", html[html.index(">", start) + 1 : html.index("</p>", start)]))


def add_activities(count, *, themes=(), year=2015, slug="extra"):
    """``count`` published activities in the Past Activities list."""
    page = Page.objects.get()
    ordering = past_activities_place(page)
    created = Activity.objects.bulk_create(
        Activity(page=page, ordering=ordering, slug=f"{slug}-{n}", title=f"{slug.title()} activity {n}",
                 text=f"An added activity, number {n}.", date=datetime.date(year, 1 + n % 12, 1),
                 status="published")
        for n in range(count)
    )
    links = [Activity.themes.through(activity_id=activity.pk, theme_id=theme.pk)
             for activity in created for theme in themes]
    Activity.themes.through.objects.bulk_create(links)
    return created


class ActivityListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()

    def test_all_published_activities_newest_first_undated_last(self):
        rows = listed(self, self.client.get("/activities/"))
        self.assertEqual(rows[0], "/activities/peru-2020-03-raura-mine-inspections-webinar/")
        self.assertEqual(rows[1], "/activities/peru-2019-08-eab-adjudication-course/")
        self.assertIn("/activities/peru-megacities-transport-burden-analysis/", rows[11:17])
        self.assertEqual(len(rows), 17)

    def test_each_row_shows_the_printed_date_a_title_its_themes_and_its_page(self):
        page = ParsedHtml(self.client.get("/activities/").content.decode())
        first = next(i for i, block in enumerate(page.blocks) if block.startswith("March 2020"))
        self.assertEqual(page.blocks[first], "March 2020 Webinar with OEFA on inspections of the Raura Mine")
        self.assertEqual(page.blocks[first + 1], "EPA Collaboration with Peru. Themes: Enforcement and compliance")
        self.assertIn("/activities/theme/enforcement-and-compliance/", [link["href"] for link in page.links])

    def test_year_and_theme_paths_combine_with_the_query(self):
        self.assertEqual(len(listed(self, self.client.get("/activities/2019/"))), 2)
        self.assertEqual(len(listed(self, self.client.get("/activities/theme/adjudication/"))), 3)
        combined = listed(self, self.client.get("/activities/2019/", {"theme": "adjudication"}, follow=True))
        self.assertEqual(combined, ["/activities/peru-2019-08-eab-adjudication-course/"])
        either = listed(self, self.client.get("/activities/", {"theme": ["mercury", "marine-litter"]}, follow=True))
        self.assertEqual(len(either), 2)
        also = listed(self, self.client.get("/activities/theme/mercury/", {"theme": "marine-litter"}, follow=True))
        self.assertEqual(also, either)
        self.assertEqual(len(listed(self, self.client.get("/activities/", {"q": "Raura mine"}, follow=True))), 1)
        self.assertEqual(len(listed(self, self.client.get("/activities/", {"partner": "minam"}, follow=True))), 4)
        self.assertEqual(len(listed(self, self.client.get("/activities/", {"program": "epa-collaboration-peru"}, follow=True))), 17)

    def test_each_form_of_a_listing_names_one_canonical_address(self):
        cases = {
            "/activities/": "/activities/",
            "/activities/?year=2019": "/activities/2019/",
            "/activities/2019/": "/activities/2019/",
            "/activities/2019/?theme=adjudication": "/activities/2019/?theme=adjudication",
            "/activities/?theme=adjudication&year=2019": "/activities/2019/?theme=adjudication",
            "/activities/?theme=adjudication": "/activities/theme/adjudication/",
            "/activities/theme/mercury/?theme=marine-litter": "/activities/?theme=marine-litter&theme=mercury",
        }
        for address, canonical in cases.items():
            html = unescape(self.client.get(address, follow=True).content.decode())
            self.assertIn(f'<link rel="canonical" href="http://testserver{canonical}">', html, address)

    def test_empty_fields_are_dropped_from_the_address(self):
        for address, target in (
            ("/activities/?year=2017&theme=adjudication&partner=&program=&q=", "/activities/?year=2017&theme=adjudication"),
            ("/activities/2019/?q=&partner=", "/activities/2019/"),
            ("/activities/?year=abc&q=", "/activities/?year=abc"),
        ):
            self.assertRedirects(self.client.get(address), target, status_code=301, fetch_redirect_response=False)

    def test_query_string_addresses_redirect_to_their_canonical_form(self):
        cases = {
            "/activities/?year=2019": "/activities/2019/",
            "/activities/?theme=adjudication": "/activities/theme/adjudication/",
            "/activities/?theme=adjudication&year=2019": "/activities/2019/?theme=adjudication",
            "/activities/?year=2017&theme=adjudication": "/activities/2017/?theme=adjudication",
            "/activities/?q=mine&partner=oefa": "/activities/?partner=oefa&q=mine",
            "/activities/?page=1": "/activities/",
            "/activities/theme/mercury/?theme=marine-litter": "/activities/?theme=marine-litter&theme=mercury",
            "/activities/feed/?year=2019": "/activities/2019/feed/",
            "/activities/theme/mercury/feed/?year=2019": "/activities/2019/feed/?theme=mercury",
            # Parameters no listing reads are dropped, whatever they are.
            "/activities/2019/?utm_source=mail": "/activities/2019/",
            "/activities/?year=2019&x=%3Cscript%3E": "/activities/?year=2019",
        }
        for address, canonical in cases.items():
            response = self.client.get(address)
            self.assertEqual((response.status_code, response.get("Location")), (301, canonical), address)
            while response.status_code == 301:
                response = self.client.get(response["Location"])
            self.assertEqual(response.status_code, 200, address)

    def test_values_that_name_nothing_are_explained_and_not_cached(self):
        response = self.client.get("/activities/?year=abc")
        self.assertContains(response, "No published activity is from “abc”")
        self.assertIn("private", response["Cache-Control"])

    def test_filter_form_is_a_get_form_with_labels_a_themes_fieldset_and_both_buttons(self):
        html = self.client.get("/activities/2019/").content.decode()
        start = html.index('<form action="/activities/"')  # after the header's search form
        form = html[start : html.index("</form>", start)]
        self.assertRegex(form, r'<form action="/activities/"[^>]* method="get"')
        self.assertNotIn("csrfmiddlewaretoken", form)
        for field, label in (("year", "Year"), ("partner", "Partner"), ("program", "Country page"), ("q", "Words in the text")):
            self.assertRegex(form, rf'<label class="usa-label" for="id_{field}">{label}</label>')
        self.assertRegex(form, r'<fieldset[^>]*class="usa-fieldset[^"]*"[^>]*>\s*<legend class="usa-legend">Themes</legend>')
        self.assertIn('<button type="submit" class="usa-button" id="apply-filters">Apply filters</button>', form)
        self.assertIn('<a class="usa-button usa-button--outline" href="/activities/">Clear filters</a>', form)
        choices = FilterChoices(form)
        self.assertTrue(choices.fields["year"]["2019"]["selected"], "the path's year is shown as chosen")

    def test_each_count_is_the_number_of_results_that_choice_gives(self):
        for address, params in (("/activities/", {}), ("/activities/", {"partner": "minam"}),
                                ("/activities/2017/", {}), ("/activities/", {"theme": ["adjudication", "mercury"]})):
            choices = FilterChoices(self.client.get(address, params, follow=True).content.decode())
            base = dict(params)
            if address == "/activities/2017/":
                base["year"] = "2017"
            for year in choices.fields["year"]:
                if year:
                    results = listed(self, self.client.get("/activities/", {**base, "year": year}, follow=True))
                    self.assertEqual(choices.count("year", year), len(results), (address, params, year))
            for theme in choices.fields["theme"]:
                others = {name: value for name, value in base.items() if name != "theme"}
                results = listed(self, self.client.get("/activities/", {**others, "theme": theme}, follow=True))
                self.assertEqual(choices.count("theme", theme), len(results), (address, params, theme))

    def test_choices_with_no_results_are_disabled_unless_chosen(self):
        choices = FilterChoices(self.client.get("/activities/2019/").content.decode())
        self.assertTrue(choices.fields["theme"]["mercury"]["disabled"])
        self.assertEqual(choices.count("theme", "mercury"), 0)
        self.assertFalse(choices.fields["theme"]["adjudication"]["disabled"])
        choices = FilterChoices(self.client.get("/activities/2019/", {"theme": "mercury"}, follow=True).content.decode())
        self.assertFalse(choices.fields["theme"]["mercury"]["disabled"], "a chosen theme can be unchosen")
        self.assertTrue(choices.fields["theme"]["mercury"]["selected"])
        choices = FilterChoices(self.client.get("/activities/", {"theme": "mercury"}, follow=True).content.decode())
        self.assertTrue(choices.fields["year"]["2019"]["disabled"])
        self.assertFalse(choices.fields["year"]["2017"]["disabled"])

    def test_an_activity_with_several_chosen_themes_is_counted_once(self):
        mercury, litter = Theme.objects.get(slug="mercury"), Theme.objects.get(slug="marine-litter")
        add_activities(3, themes=[mercury, litter], year=2015)
        response = self.client.get("/activities/", {"theme": ["mercury", "marine-litter"]}, follow=True)
        self.assertEqual(len(listed(self, response)), 5)
        self.assertTrue(summary(response).startswith("5 activities on "), summary(response))
        choices = FilterChoices(response.content.decode())
        self.assertEqual(choices.count("year", "2015"), 3)
        self.assertEqual(choices.count("theme", "mercury"), 4)
        self.assertEqual(choices.count("theme", "marine-litter"), 4)

    def test_result_summary_says_what_is_shown(self):
        self.assertEqual(summary(self.client.get("/activities/")), "17 activities.")
        self.assertEqual(
            summary(self.client.get("/activities/2019/", {"theme": "adjudication"}, follow=True)),
            "1 activity in 2019 on Adjudication.",
        )
        self.assertEqual(
            summary(self.client.get("/activities/theme/enforcement-and-compliance/")),
            "6 activities on Enforcement and compliance.",
        )
        self.assertEqual(
            summary(self.client.get("/activities/", {"partner": "oefa", "q": "Raura"}, follow=True)),
            "1 activity with Agency for Environmental Assessment and Enforcement (OEFA) containing “Raura”.",
        )

    def test_empty_result_says_so_and_offers_a_way_back(self):
        response = self.client.get("/activities/2019/", {"theme": "mercury"}, follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(summary(response), "0 activities in 2019 on Mercury.")
        self.assertContains(response, "No activity matches these filters.")
        hrefs = [link["href"] for link in ParsedHtml(response.content.decode()).links]
        self.assertIn("/activities/2019/", hrefs)
        self.assertEqual(response.headers["X-Robots-Tag"], "noindex")

    def test_noindex_when_more_than_one_filter_is_active(self):
        for params in ({}, {"year": "2019"}, {"theme": "adjudication"}, {"q": "mine"}):
            response = self.client.get("/activities/", params, follow=True)
            self.assertNotIn("X-Robots-Tag", response.headers, params)
            self.assertNotContains(response, 'name="robots"')
        for params in ({"year": "2019", "theme": "adjudication"}, {"theme": ["adjudication", "air-quality"]},
                       {"partner": "oefa", "q": "mine"}):
            response = self.client.get("/activities/", params, follow=True)
            self.assertEqual(response.headers["X-Robots-Tag"], "noindex", params)
            self.assertContains(response, '<meta name="robots" content="noindex">')
        response = self.client.get("/activities/2019/", {"theme": "adjudication"}, follow=True)
        self.assertEqual(response.headers["X-Robots-Tag"], "noindex")

    def test_pages_keep_the_filters(self):
        add_activities(25, themes=[Theme.objects.get(slug="water-quality")])
        response = self.client.get("/activities/theme/water-quality/", {"q": "added"}, follow=True)
        self.assertEqual(len(listed(self, response)), 20)
        self.assertEqual(summary(response), "25 activities on Water quality containing “added”, page 1 of 2.")
        page = ParsedHtml(response.content.decode())
        next_page = next(link["href"] for link in page.links if link["text"] == "Next")
        self.assertEqual(next_page, "/activities/theme/water-quality/?page=2&q=added")
        second = self.client.get(next_page)
        self.assertEqual(len(listed(self, second)), 5)
        self.assertIn('<link rel="canonical" href="http://testserver/activities/theme/water-quality/?page=2&q=added">',
                      unescape(second.content.decode()))
        self.assertIn("/activities/theme/water-quality/?q=added", [link["href"] for link in ParsedHtml(second.content.decode()).links])

    def test_unknown_year_or_theme_in_the_path_is_a_404_in_the_site_look(self):
        for address in ("/activities/1800/", "/activities/2030/", "/activities/99999999999/",
                        "/activities/theme/astrology/", "/activities/theme/%FF/", "/activities/0/"):
            response = self.client.get(address)
            self.assertEqual(response.status_code, 404, address)
            self.assertContains(response, "usa-banner", status_code=404)

    def test_bad_query_values_give_an_explained_form_error(self):
        cases = {
            "year=abc": "Year: No published activity is from “abc”",
            "year=1800": "Year: No published activity is from “1800”",
            "year=99999999999": "Year: No published activity is from “99999999999”",
            "theme=unknown": "Themes: There is no theme “unknown”",
            "partner=nobody": "Partner: There is no partner “nobody”",
            "program=atlantis": "Country page: There is no country page “atlantis”",
            "q=" + "x" * 10_000: "Words in the text: Ensure this value has at most 200 characters",
            "q=%00": "Words in the text: Null characters are not allowed.",
            "theme=%00": "Themes: There is no theme",
            "year=%FF%FE": "Year: No published activity is from “\ufffd\ufffd”",
        }
        for query, error in cases.items():
            response = self.client.get(f"/activities/?{query}")
            self.assertEqual(response.status_code, 200, query)
            self.assertIn(error, words(re.sub(r"<[^>]+>", " ", response.content.decode())), query[:40])
            self.assertContains(response, "usa-error-message")
            self.assertEqual(summary(response), "The filters could not be applied: see the form.")
            self.assertEqual(listed(self, response), [])

    def test_odd_but_harmless_queries_give_a_listing(self):
        cases = {
            "year=2019&year=2019": 2,  # repeated: one year
            "year=2018&year=2019": 2,  # repeated: the last one counts, as in any Django form
            "theme=adjudication&theme=adjudication": 3,
            "q=%C3%28": 0,  # bytes that are not UTF-8 are replaced, then searched for
            "q=Raura&q=": 1,  # the empty one is dropped
            "unknown=1": 17,
            "page=1": 17,
        }
        for query, count in cases.items():
            response = self.client.get(f"/activities/?{query}", follow=True)
            self.assertEqual(response.status_code, 200, query)
            self.assertEqual(len(listed(self, response)), count, query)

    def test_bad_page_numbers_are_a_404(self):
        for page in ("0", "abc", "99999", "-1", "1.5"):
            response = self.client.get("/activities/", {"page": page}, follow=True)
            self.assertEqual(response.status_code, 404, page)
            self.assertContains(response, "usa-banner", status_code=404)

    def test_drafts_are_not_listed_and_have_no_page(self):
        Activity.objects.filter(slug="peru-2016-09-marine-litter-pilot").update(status="draft")
        self.assertNotIn("/activities/peru-2016-09-marine-litter-pilot/", listed(self, self.client.get("/activities/")))
        self.assertEqual(self.client.get("/activities/peru-2016-09-marine-litter-pilot/").status_code, 404)
        self.assertEqual(self.client.get("/activities/2016/").status_code, 404, "no published activity left in 2016")


class ActivityDetailTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()

    def test_shows_text_date_themes_partners_and_where_it_is_printed(self):
        response = self.client.get("/activities/peru-2020-03-raura-mine-inspections-webinar/")
        self.assertContains(response, "Raura Mine")
        page = ParsedHtml(response.content.decode())
        hrefs = [link["href"] for link in page.links]
        self.assertIn("/activities/2020/", hrefs)
        self.assertIn("/activities/theme/enforcement-and-compliance/", hrefs)
        self.assertIn("/partners/oefa/", hrefs)
        self.assertIn("/international-cooperation/epa-collaboration-peru/#peru-2020-03-raura-mine-inspections-webinar", hrefs)
        self.assertIn('id="peru-2020-03-raura-mine-inspections-webinar"', self.client.get(PERU_PAGE).content.decode())
        index = hrefs.index("https://www.gob.pe/oefa")
        self.assertEqual(page.links[index + 1]["text"], "Exit")

    def test_prints_each_paragraph_of_its_text_and_describes_itself_in_plain_words(self):
        Activity.objects.filter(slug="peru-2016-09-marine-litter-pilot").update(
            text='<p>A pilot in <a href="partner:oefa">Chincha</a> &amp; Tambo de Mora.</p><p>It went on in 2017.</p>'
        )
        html = self.client.get("/activities/peru-2016-09-marine-litter-pilot/").content.decode()
        main = ParsedHtml(html[html.index("<main") : html.index("</main>")])
        at = main.blocks.index("A pilot in Chincha Exit & Tambo de Mora.")
        self.assertEqual(main.blocks[at + 1], "It went on in 2017.")
        self.assertIn('<meta name="description" content="A pilot in Chincha &amp; Tambo de Mora. It went on in 2017.">',
                      html)

    def test_says_the_heading_it_is_printed_under_and_links_to_its_place(self):
        response = self.client.get("/activities/peru-2019-06-compliance-promotion-workshop/")
        self.assertContains(response, "EPA Collaboration with Peru, Past Activities</a>")
        second = Activity.objects.get(printed_in__isnull=False)  # printed inside the December 2017 bullet
        page = ParsedHtml(self.client.get(second.get_absolute_url()).content.decode())
        self.assertIn(f"{PERU_PAGE}#{second.printed_in.slug}", [link["href"] for link in page.links])

    def test_previous_and_next_follow_the_order_of_the_page(self):
        order = list(
            Activity.objects.published().order_by("ordering", "pk").values_list("slug", flat=True)
        )
        self.assertEqual(order[:2], ["peru-2020-03-raura-mine-inspections-webinar", "peru-2019-08-eab-adjudication-course"])
        for position, slug in enumerate(order):
            html = self.client.get(f"/activities/{slug}/").content.decode()
            previous = re.findall(r'href="([^"]+)" rel="prev"', html)
            following = re.findall(r'href="([^"]+)" rel="next"', html)
            self.assertEqual(previous, [f"/activities/{order[position - 1]}/"] if position else [], slug)
            self.assertEqual(following, [f"/activities/{order[position + 1]}/"] if position < len(order) - 1 else [], slug)

    def test_slugs_taken_by_listings_are_refused(self):
        activity = Activity.objects.first()
        for slug in ("feed", "2019"):
            activity.slug = slug
            with self.assertRaisesMessage(Exception, "This address is taken by a listing"):
                activity.full_clean()


class QueryBudgetTests(TestCase):
    """Each public page runs the same number of queries whatever the amount of content."""

    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()

    def queries(self, address, params=None):
        """Queries of a request with an empty cache (facet counts and years computed)."""
        self.client.get(address, params or {})  # warm the per-process caches (content types)
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(address, params or {})
        self.assertEqual(response.status_code, 200, address)
        return len(captured)

    def test_listing_with_filters_and_counts_with_1_and_200_activities(self):
        Activity.objects.exclude(slug="peru-2020-03-raura-mine-inspections-webinar").delete()
        water = Theme.objects.get(slug="water-quality")
        addresses = [
            ("/activities/", {}),
            ("/activities/2020/", {"partner": "oefa", "q": "mine", "theme": "enforcement-and-compliance"}),
            ("/activities/theme/enforcement-and-compliance/", {"program": "epa-collaboration-peru"}),
        ]
        with_one = [self.queries(address, params) for address, params in addresses]
        add_activities(199, themes=[water, Theme.objects.get(slug="enforcement-and-compliance")], year=2020)
        with_200 = [self.queries(address, params) for address, params in addresses]
        self.assertEqual(with_one, with_200)
        self.assertLessEqual(max(with_200), 12)
        self.assertEqual(summary(self.client.get("/activities/")), "200 activities, page 1 of 10.")

    def test_detail_pages_with_few_and_many_activities(self):
        addresses = ["/activities/peru-2020-03-raura-mine-inspections-webinar/", "/partners/oefa/", "/partners/",
                     "/agreements/", "/international-cooperation/epa-collaboration-peru/"]
        before = [self.queries(address) for address in addresses]
        created = add_activities(200, themes=[Theme.objects.get(slug="water-quality")])
        oefa = Activity.partners.rel.model.objects.get(slug="oefa")
        Activity.partners.through.objects.bulk_create(
            Activity.partners.through(activity_id=activity.pk, partner_id=oefa.pk) for activity in created
        )
        after = [self.queries(address) for address in addresses]
        self.assertEqual(before, after)
        self.assertContains(self.client.get("/partners/oefa/"), "Extra activity 199")
