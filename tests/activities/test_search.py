"""The site search (/search/?q=) and the listing's words, as a visitor meets them.

Run on SQLite and on PostgreSQL (DATABASE_URL): the same examples hold on both."""

import datetime
import io

from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities import search, selectors
from activities.models import Activity, Heading, Page
from partners.models import Agreement, Partner
from tests.browser.pages import PUBLIC_PAGES
from tests.content import load_peru_as_live_version
from tests.factories import (
    make_activities,
    make_activity,
    make_agreement,
    make_heading,
    make_page,
    make_partner,
    make_snapshot,
    make_text,
)
from tests.html import SNAPSHOT, elements, listed

PAGE = "/international-cooperation/epa-collaboration-mexico/"
WORKSHOPS = {
    "/activities/mexico-2017-12-adjudication-workshop/",
    "/activities/mexico-public-participation-workshop/",
    "/activities/mexico-adjudication-workshop/",
    "/activities/mexico-2017-12-mercury-action-plans-workshop/",
    "/activities/mexico-2019-06-compliance-promotion-workshop/",
    "/activities/mexico-2018-08-water-quality-models-workshop/",
    "/activities/mexico-2019-08-adjudication-course/",  # "The workshop touched on …"
}
MERCURY = "/activities/mexico-2017-12-mercury-action-plans-workshop/"


def found(testcase, response):
    """The addresses of the results, in order."""
    testcase.assertEqual(response.status_code, 200)
    return [dict(link.attributes)["href"]
            for title in elements(response.content.decode(), "h2", class_="search-result__title")
            for link in title.children]


def snippets(response):
    """The results' passages, as HTML."""
    return [str(snippet) for snippet in elements(response.content.decode(), "p", class_="search-result__snippet")]


def make_country_page(*, snapshot=True):
    """The live version of a country page, published, and its snapshot (with ``snapshot``): a
    partner and an agreement of the country; seven activities on workshops,
    one on mercury, in the opening, under "Environmental Governance" and
    under "Past Activities"; a part on the Megacities Partnership."""
    make_partner("Federal Attorney for Environmental Protection", acronym="PROFEPA", country="Mexico",
                 local_name="Procuraduría Federal de Protección al Ambiente", local_name_language="es")
    make_agreement("United States–Mexico Environmental Cooperation Agreement", slug="us-mexico-eca")
    page = make_page("EPA Collaboration with Mexico", slug="epa-collaboration-mexico", country="Mexico")
    make_text(page, "EPA works with its neighbour on air, water and the enforcement of environmental laws.")
    make_activity(page, "EPA Region 9 staff held a webinar with PROFEPA inspectors on a copper mine in Sonora.",
                  slug="mexico-2020-03-mine-inspections-webinar", title="Webinar with PROFEPA on mine inspections",
                  date="2020-03", display="paragraph")
    make_activity(page, "The Environmental Appeals Board taught a course on adjudicating environmental cases. The "
                        "workshop touched on evidence and remedies.", slug="mexico-2019-08-adjudication-course",
                  title="Course on adjudicating environmental cases", date="2019-08", display="paragraph")
    make_heading(page, "Environmental Governance")
    make_activity(page, "A public participation workshop for the staff of state agencies.",
                  slug="mexico-public-participation-workshop", title="Public participation workshop")
    make_activity(page, "A workshop for adjudicators on environmental cases.", slug="mexico-adjudication-workshop",
                  title="Workshop for adjudicators on environmental cases")
    make_heading(page, "Megacities Partnership for the Valley of Mexico", anchor="megacities-partnership")
    make_text(page, "EPA and the city joined the Megacities Partnership to measure the emissions of transport.")
    make_heading(page, "Past Activities")
    make_activity(page, "A workshop on promoting environmental compliance.",
                  slug="mexico-2019-06-compliance-promotion-workshop",
                  title="Workshop on promoting environmental compliance", date="2019-06")
    make_activity(page, "A workshop for PROFEPA on water quality models.",
                  slug="mexico-2018-08-water-quality-models-workshop", title="Workshop on water quality models",
                  date="2018-08")
    plans = make_activity(page, "A stakeholder workshop in Mexico on mercury action plans: mercury trade, and "
                                "mercury in small-scale gold mining.",
                          slug="mexico-2017-12-mercury-action-plans-workshop",
                          title="Stakeholder workshop on mercury action plans", date="2017-12")
    make_activity(page, "A capacity-building workshop on adjudication.", slug="mexico-2017-12-adjudication-workshop",
                  title="Capacity-building workshop on adjudication", date="2017-12", printed_in=plans)
    make_activity(page, "Mexico’s Ministry of Environment ran a Trash Free Waters pilot against marine litter.",
                  slug="mexico-2016-09-marine-litter-pilot", title="Trash Free Waters pilot", date="2016-09")
    if snapshot:
        make_snapshot(page, "2021-01-19")
    return page


def add_activity(slug, text, *, title="", page=None, **fields):
    page = page or Page.objects.get(slug="epa-collaboration-mexico", archived_on=None)
    return make_activity(page, text, slug=slug, title=title, **fields)


class SearchTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        # The page's live version and its snapshot: only the live one, the
        # page's current version, is searched.
        cls.page = make_country_page()

    def search(self, query, **params):
        return self.client.get("/search/", {"q": query, **params})

    def assert_summary(self, response, summary):
        self.assertContains(response, f'<p class="result-summary" role="status">{summary}</p>', count=1, html=True)

    def test_workshops_finds_the_workshop_activities_of_the_page_once_each(self):
        response = self.search("workshops")
        self.assertEqual(set(found(self, response)), WORKSHOPS)
        self.assertEqual(len(found(self, response)), len(WORKSHOPS), "the snapshot's copies are not found too")
        self.assert_summary(response, "<strong>7 results</strong> for “workshops”.")
        self.assertContains(response, '<p class="search-result__meta">Activity · December 2017 · EPA Collaboration '
                                      "with Mexico</p>", count=2, html=True)

    def test_accents_do_not_count_either_way(self):
        add_activity("city-air-forum", "A forum on clean air in Ciudad de México.")
        for query in ("Mexico", "México", "MEXICO", "méxico"):
            results = found(self, self.search(query))
            self.assertEqual(results[0], PAGE, query)
            self.assertIn("/activities/city-air-forum/", results, query)
            self.assertIn("/activities/mexico-2016-09-marine-litter-pilot/", results, query)  # "Mexico’s Ministry"
            self.assertIn("/partners/profepa/", results, query)  # a partner in Mexico
            self.assertIn("/agreements/#us-mexico-eca", results, query)

    def test_mercury_finds_the_mercury_workshop_with_the_word_marked(self):
        response = self.search("mercury")
        self.assertEqual(found(self, response), [MERCURY])
        (snippet,) = snippets(response)
        self.assertEqual([mark.children for mark in elements(snippet, "mark")], [["mercury"]] * 3, snippet)

    def test_a_page_is_found_by_the_words_of_its_headings_and_texts(self):
        response = self.search("megacities partnership")
        self.assertEqual(found(self, response), [PAGE])
        (snippet,) = snippets(response)
        self.assertHTMLEqual(snippet, '<p class="search-result__snippet"><mark>Megacities</mark> '
                                      "<mark>Partnership</mark> for the Valley of Mexico</p>")
        response = self.search("transport emissions")
        self.assertEqual(found(self, response), [PAGE])
        # The words of its text, the matched ones marked (how many before them depends on the database).
        (snippet,) = elements(response.content.decode(), "p", class_="search-result__snippet")
        before, *rest = snippet.children
        self.assertTrue(before.endswith("EPA and the city joined the Megacities Partnership to measure the"), before)
        self.assertEqual([part if isinstance(part, str) else part.children for part in rest],
                         [["emissions"], "of", ["transport"], "."])
        self.assertNotIn("<p>", before, "the text's markup is not shown")

    def test_better_matches_come_first(self):
        add_activity("mercury-once", "A long report on rivers, soils, air, fish, birds, and people, with a closing "
                     "line on mercury among many other subjects of the study.", date=datetime.date(2020, 1, 1))
        add_activity("mercury-often", "Mercury in rivers: mercury sampling, mercury maps.",
                     date=datetime.date(2010, 1, 1))
        add_activity("mercury-titled", "Sampling of rivers.", title="Mercury monitoring",
                     date=datetime.date(2000, 1, 1))
        results = found(self, self.search("mercury"))
        self.assertEqual(results[0], "/activities/mercury-titled/", "the title holds the word")
        self.assertLess(results.index("/activities/mercury-often/"), results.index("/activities/mercury-once/"))
        self.assertEqual(found(self, self.search("mexico"))[0], PAGE, "the page's title names Mexico")

    def test_every_word_must_match(self):
        self.assertEqual(found(self, self.search("mexico mercury")), [MERCURY])
        self.assertEqual(found(self, self.search("mercury webinar")), [])

    def test_snippets_are_escaped_and_carry_no_stored_markup(self):
        add_activity("odd-text", '<p>A &lt;b&gt;bold&lt;/b&gt; <strong>claim</strong> &amp; a '
                     '<a href="https://www.example.org/treaty">mercury treaty</a> link;</p><p>an odd \ue001 '
                     "character.</p>")
        response = self.search("mercury treaty")
        self.assertEqual(found(self, response), ["/activities/odd-text/"])
        (snippet,) = snippets(response)
        self.assertHTMLEqual(snippet, '<p class="search-result__snippet">A &lt;b&gt;bold&lt;/b&gt; claim &amp; a '
                                      "<mark>mercury</mark> <mark>treaty</mark> link; an odd  character.</p>")

    def test_an_activity_is_found_by_its_words_never_by_its_markup(self):
        add_activity("marked-up", '<p>Talks with <a href="https://www.gob.mx/semarnat">the <span lang="es">Secretaría '
                     'de Medio Ambiente</span></a> on <em>quetzal</em> habitats.</p><p>A second paragraph.</p>')
        for query in ("span", "href", "gob", "lang", "https", "semarnat", "em", "p"):
            self.assertNotIn("/activities/marked-up/", found(self, self.search(query)), query)
            self.assertNotIn("/activities/marked-up/", self.client.get("/activities/", {"q": query}, follow=True)
                             .content.decode(), query)
        response = self.search("secretaria quetzal")
        self.assertEqual(found(self, response), ["/activities/marked-up/"])
        (snippet,) = snippets(response)
        self.assertHTMLEqual(snippet, '<p class="search-result__snippet">Talks with the <mark>Secretaría</mark> de '
                                      "Medio Ambiente on <mark>quetzal</mark> habitats. A second paragraph.</p>")

    def test_long_texts_give_a_passage_around_the_match(self):
        add_activity("long-text", " ".join(["filler"] * 100) + " the quetzal appears here " + " ".join(["more"] * 100))
        (snippet,) = elements(self.search("quetzal").content.decode(), "p", class_="search-result__snippet")
        before, mark, after = snippet.children
        self.assertTrue(before.startswith("… filler"), snippet)
        self.assertEqual(mark.children, ["quetzal"])
        self.assertTrue(after.endswith("more …"), snippet)
        self.assertLess(len(before.split()) + 1 + len(after.split()), 40)

    def test_drafts_and_what_is_not_public_are_never_found(self):
        draft_page = make_page("A draft page", slug="draft-page", status="draft")
        make_heading(draft_page, "An ocelot", anchor="ocelot")
        make_text(draft_page, "A pangolin.")
        add_activity("draft-one", "A zanzibar visit.", status="draft")
        add_activity("on-a-draft-page", "A zanzibar visit.", page=draft_page)
        add_activity("scheduled", "A zanzibar visit.", publish_at=timezone.now() + datetime.timedelta(days=1))
        Partner.objects.create(slug="zanzibar-agency", name="Zanzibar Agency", status="draft")
        Agreement.objects.create(slug="zanzibar-accord", title="Zanzibar Accord", status="draft")
        for query in ("zanzibar", "ocelot", "pangolin"):
            response = self.search(query)
            self.assertEqual(found(self, response), [], query)
            self.assert_summary(response, f"Nothing holds every word of “{query}”. Try fewer words or other ones, or "
                                          'browse <a class="usa-link" href="/activities/">all activities</a>.')
        self.assertEqual(listed(self.client.get("/activities/", {"q": "zanzibar"}).content.decode()), [])
        Activity.objects.filter(page=self.page, ordering__gt=Heading.objects.get(
            page=self.page, anchor="past-activities").ordering).update(status="draft")
        self.assertEqual(set(found(self, self.search("workshops"))), {
            "/activities/mexico-2019-08-adjudication-course/", "/activities/mexico-public-participation-workshop/",
            "/activities/mexico-adjudication-workshop/",
        }, "the others, printed in Past Activities, are now drafts")

    def test_results_ask_search_engines_not_to_index_them(self):
        for params in ({"q": "mexico"}, {"q": "nothing-like-it"}, {"q": ""}, {}, {"q": "*"}):
            response = self.client.get("/search/", params)
            self.assertEqual(response["X-Robots-Tag"], "noindex", params)
            self.assertContains(response, '<meta name="robots" content="noindex">', count=1, html=True)

    def test_results_come_20_to_a_page(self):
        make_activities(self.page, 45, slug="added", text="Workshop number {n}.", date="2000-01")
        first = self.search("workshop")
        self.assert_summary(first, "<strong>52 results</strong> for “workshop”, page 1 of 3.")
        self.assertEqual(len(found(self, first)), 20)
        self.assertContains(first, '<a class="usa-pagination__link usa-pagination__next-page" '
                                   'href="?q=workshop&amp;page=2"><span class="usa-pagination__link-text">Next</span>'
                                   "</a>", html=True)
        second, third = self.search("workshop", page=2), self.search("workshop", page=3)
        self.assertEqual(len(found(self, second)), 20)
        self.assertEqual(len(found(self, third)), 12)
        everything = found(self, first) + found(self, second) + found(self, third)
        self.assertEqual(len(set(everything)), 52, "no result twice, none left out")
        titled = {activity.get_absolute_url().split("#")[0]
                  for activity in Activity.objects.current().filter(title__icontains="workshop")}
        self.assertGreater(len(titled), 1)
        self.assertEqual(set(everything[: len(titled)]), titled, "those whose title holds the word first")
        self.assertContains(second, "<title>Search results for “workshop”, page 2 | US EPA</title>", html=True)
        for page in ("4", "0", "abc"):
            self.assertEqual(self.search("workshop", page=page).status_code, 404, page)

    def test_bad_input_is_explained_on_an_empty_page_never_a_server_error(self):
        response = self.client.get("/search/")
        self.assert_summary(response, "Type words to look for: the pages, activities, partners and agreements that "
                                      "hold every one of them are listed, best match first.")
        explained = {
            "/search/?q=": "Type the words to look for.",
            "/search/?q=+++": "Type the words to look for.",
            "/search/?q=" + "x" * 1000: "Search for at most 200 characters (this has 1000).",
            "/search/?q=mexico%00": "Null characters are not allowed.",
            "/search/?q=%ED%A0%80": "holds no word to look for",  # a lone surrogate, read as U+FFFD
            "/search/?q=%22": "“\"” holds no word to look for",
            "/search/?q=*": "holds no word to look for",
            "/search/?q=-+%3A+(": "holds no word to look for",
        }
        for address, explanation in explained.items():
            response = self.client.get(address)
            self.assertEqual(response.status_code, 200, address)
            (error,) = elements(response.content.decode(), "span", id="search-q-error")
            self.assertIn(explanation, error.children[0], address[:40])
            self.assert_summary(response, "The search could not be made: see above.")
            self.assertEqual(found(self, response), [], address[:40])
        self.assertIn("private", self.client.get("/search/?q=*")["Cache-Control"], "made-up values fill no cache")
        for query in ('mexico"', "mexico*", "NEAR(mexico mercury)", "-mexico", "title:mexico", "mexico:*", "(mexico",
                      "mexico AND NOT mercury OR", "'; DROP TABLE activities_activity; --", "mexico\\", "50%"):
            response = self.search(query)
            self.assertEqual(response.status_code, 200, query)
        self.assertEqual(found(self, self.search('"mercury*"')), [MERCURY], "the words, without the syntax")
        self.assertEqual(found(self, self.search("NEAR")), [], "an operator's name is a word like any other")

    def test_the_selector_takes_any_text(self):
        for query in ("\ud800 mercury\x00", "mercury " + "\udfff" * 500, "mercury " * 500):
            results = selectors.search(query)
            self.assertEqual([result.url for result in results[0:20]], [MERCURY], repr(query[:20]))
        self.assertEqual(selectors.search("\x00 \ud800 *").count(), 0)

    def test_the_page_reads_only_its_words_and_page_number(self):
        response = self.client.get("/search/", {"q": "mexico", "utm_source": "mail"})
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], "/search/?q=mexico")

    def test_every_way_of_writing_an_activity_reaches_the_index(self):
        activity = add_activity("written", "A visit.")
        Activity.objects.filter(pk=activity.pk).update(text="A quetzal visit.")
        self.assertEqual(found(self, self.search("quetzal")), ["/activities/written/"], "QuerySet.update()")
        with connection.cursor() as cursor:
            cursor.execute("UPDATE activities_activity SET title = 'Kestrel count' WHERE id = %s", [activity.pk])
        self.assertEqual(found(self, self.search("kestrels")), ["/activities/written/"], "plain SQL")
        self.assertEqual(found(self, self.search("quetzal")), ["/activities/written/"], "the text is still indexed")
        Activity.objects.filter(pk=activity.pk).delete()
        self.assertEqual(found(self, self.search("kestrel")), [])


class HeaderSearchFormTests(TestCase):
    """Every public page the browser tests visit (tests.browser.pages, of the Peru page's archive)."""

    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
        load_peru_as_live_version()

    def test_the_header_of_every_public_page_has_the_search_form(self):
        pages = {name: address for name, address in PUBLIC_PAGES.items() if not address.startswith("/admin/")}
        self.assertIn("/search/?q=workshops", pages.values())
        for name, address in pages.items():
            response = self.client.get(address, follow=True)
            (form,) = elements(response.content.decode(), "form", class_="site-search")
            self.assertEqual({name: value for name, value in form.attributes if name != "class"},
                             {"role": "search", "aria-label": "Site search", "action": "/search/", "method": "get"},
                             name)
            self.assertInHTML('<label class="usa-sr-only" for="site-search-q">Search this site</label>', str(form),
                              count=1)
            (box,) = elements(str(form), "input", id="site-search-q")
            self.assertEqual((dict(box.attributes)["type"], dict(box.attributes)["name"]), ("search", "q"), name)
            self.assertEqual(len(elements(str(form), "img", alt="Search")), 1, name)
        (box,) = elements(self.client.get("/search/?q=workshops").content.decode(), "input", id="site-search-q")
        self.assertEqual(dict(box.attributes)["value"], "workshops", "the header's box holds the words searched for")


class ListingWordsTests(TestCase):
    """The listing's "Words in the text" is the site search's, for activities."""

    @classmethod
    def setUpTestData(cls):
        make_country_page()

    def listed(self, query):
        response = self.client.get("/activities/", {"q": query}, follow=True)
        self.assertEqual(response.status_code, 200)
        return set(listed(response.content.decode()))

    def test_other_forms_of_a_word_and_accents_count(self):
        self.assertEqual(self.listed("workshops"), WORKSHOPS)
        self.assertEqual(self.listed("WORKSHOP"), WORKSHOPS)
        add_activity("city-air-forum", "A forum on clean air in Ciudad de México.")
        self.assertIn("/activities/city-air-forum/", self.listed("mexico"))
        self.assertIn("/activities/mexico-2016-09-marine-litter-pilot/", self.listed("México"))
        self.assertEqual(self.listed("mexico mercury"), {MERCURY})
        self.assertEqual(self.listed('"*'), set(), "no words: nothing")


class QueryBudgetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.page = make_country_page(snapshot=False)

    def queries(self, address):
        self.client.get(address)  # warm the per-process caches (content types)
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(address)
        self.assertEqual(response.status_code, 200)
        return len(captured)

    def test_a_search_costs_the_same_with_1_and_200_matching_activities(self):
        Activity.objects.exclude(slug="mexico-2017-12-mercury-action-plans-workshop").delete()  # a workshop in Mexico
        addresses = ["/search/?q=workshop", "/search/?q=mexico", "/activities/?q=workshop"]
        with_one = [self.queries(address) for address in addresses]
        make_activities(self.page, 199, slug="added", text="A workshop in Mexico, {n}.")
        self.assertEqual(len(found(self, self.client.get("/search/?q=workshop"))), 20)
        with_200 = [self.queries(address) for address in addresses]
        self.assertEqual(with_one, with_200)
        self.assertLessEqual(max(with_200), 12)


class IndexTests(TestCase):
    def test_the_index_is_the_databases_own(self):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'activities_activity'")
                self.assertIn("activity_search_document", {name for (name,) in cursor.fetchall()})
                cursor.execute("SELECT to_tsvector('english_unaccent', 'Perú workshops')::text")
                self.assertEqual(cursor.fetchone()[0], "'peru':1 'workshop':2")
            else:
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'activities_activity'"
                )
                self.assertLessEqual(set(search.TRIGGERS), {name for (name,) in cursor.fetchall()})

    def test_lost_triggers_are_put_back_and_the_index_rebuilt(self):
        if connection.vendor != "sqlite":
            self.skipTest("PostgreSQL keeps the document in a generated column: no trigger to lose")
        make_country_page()
        # What a migration that rebuilds the table does: triggers gone, rows written meanwhile.
        with connection.cursor() as cursor:
            for name in search.TRIGGERS:
                cursor.execute(f"DROP TRIGGER {name}")
            cursor.execute(
                "UPDATE activities_activity SET text = 'A quetzal visit.', title = '' "
                "WHERE slug = 'mexico-adjudication-workshop' AND page_id IN "
                "(SELECT id FROM activities_page WHERE archived_on IS NULL)"
            )
        search.keep_index_in_step()
        self.assertEqual([result.url for result in selectors.search("quetzal")[0:20]],
                         ["/activities/mexico-adjudication-workshop/"])
        self.assertEqual(selectors.search("workshops").count(), len(WORKSHOPS) - 1)
