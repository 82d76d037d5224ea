"""The site search (/search/?q=) and the listing's words, as a visitor meets them.

Run on SQLite and on PostgreSQL (DATABASE_URL): the same examples hold on both."""

import datetime
import io
import re
from html import unescape

from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities import search, selectors
from activities.models import Activity, Heading, Page, RichText
from partners.models import Agreement, Partner
from tests.browser.pages import PUBLIC_PAGES
from tests.content import load_peru_as_live_version, past_activities, past_activities_place
from tests.html import PERU_PAGE, SNAPSHOT, words

WORKSHOPS = {
    "/activities/peru-2017-12-adjudication-workshop/",
    "/activities/peru-public-participation-workshop/",
    "/activities/peru-adjudication-workshop/",
    "/activities/peru-2017-12-mercury-action-plans-workshop/",
    "/activities/peru-2019-06-compliance-promotion-workshop/",
    "/activities/peru-2018-08-water-quality-models-workshop/",
    "/activities/peru-2019-08-eab-adjudication-course/",  # "The workshop touched on …"
}
MERCURY = "/activities/peru-2017-12-mercury-action-plans-workshop/"
RESULT = re.compile(r'<h2 class="search-result__title"><a class="usa-link" href="([^"]+)">')
SNIPPET = re.compile(r'<p class="search-result__snippet">(.*?)</p>', re.S)


def found(testcase, response):
    """The addresses of the results, in order."""
    testcase.assertEqual(response.status_code, 200)
    return RESULT.findall(response.content.decode())


def summary(response):
    html = response.content.decode()
    start = html.index('class="result-summary"')
    return words(re.sub(r"<[^>]+>", "", html[html.index(">", start) + 1 : html.index("</p>", start)]))


def live_page():
    return Page.objects.get(slug="epa-collaboration-peru", archived_on=None)


def add_activity(slug, text, *, title="", page=None, **fields):
    page = page or live_page()
    fields.setdefault("status", "published")
    if "ordering" not in fields:
        fields["ordering"] = past_activities_place(page)
    return Activity.objects.create(page=page, slug=slug, title=title, text=text, **fields)


class SearchTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        # The 2021 snapshot and the live version started from it: only the
        # live one, the page's current version, is searched.
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
        load_peru_as_live_version()

    def search(self, query, **params):
        return self.client.get("/search/", {"q": query, **params})

    def test_workshops_finds_the_workshop_activities_of_the_peru_page_once_each(self):
        response = self.search("workshops")
        self.assertEqual(set(found(self, response)), WORKSHOPS)
        self.assertEqual(len(found(self, response)), len(WORKSHOPS), "the snapshot's copies are not found too")
        self.assertEqual(summary(response), "7 results for “workshops”.")
        self.assertContains(response, "Activity · December 2017 · EPA Collaboration with Peru")

    def test_accents_do_not_count_either_way(self):
        add_activity("lima-air-forum", "A forum on clean air in Lima, Perú.")
        for query in ("Peru", "Perú", "PERU", "perú"):
            results = found(self, self.search(query))
            self.assertEqual(results[0], PERU_PAGE, query)
            self.assertIn("/activities/lima-air-forum/", results, query)
            self.assertIn("/activities/peru-2016-09-marine-litter-pilot/", results, query)  # "Peru’s Ministry"
            self.assertIn("/partners/oefa/", results, query)  # a partner in Peru
            self.assertIn("/agreements/#us-peru-tpa", results, query)

    def test_mercury_finds_the_mercury_workshop_with_the_word_marked(self):
        response = self.search("mercury")
        self.assertEqual(found(self, response), [MERCURY])
        snippet = SNIPPET.findall(response.content.decode())[0]
        self.assertEqual(snippet.count("<mark>mercury</mark>"), 3, snippet)

    def test_a_page_is_found_by_the_words_of_its_headings_and_texts(self):
        self.assertEqual(found(self, self.search("megacities partnership")), [PERU_PAGE])
        snippet = SNIPPET.findall(self.search("megacities").content.decode())[0]
        self.assertIn("the <mark>Megacities</mark> Partnership", snippet)
        self.assertNotIn("&lt;", snippet, "the text's markup is not shown")

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
        self.assertEqual(found(self, self.search("peru"))[0], PERU_PAGE, "the page's title names Peru")

    def test_every_word_must_match(self):
        self.assertEqual(found(self, self.search("peru mercury")), [MERCURY])
        self.assertEqual(found(self, self.search("mercury webinar")), [])

    def test_snippets_are_escaped_and_carry_no_stored_markup(self):
        add_activity("odd-text", '<p>A &lt;b&gt;bold&lt;/b&gt; <strong>claim</strong> &amp; a '
                     '<a href="https://www.example.org/treaty">mercury treaty</a> link;</p><p>an odd \ue001 '
                     "character.</p>")
        response = self.search("mercury treaty")
        self.assertEqual(found(self, response), ["/activities/odd-text/"])
        snippet = SNIPPET.findall(response.content.decode())[0]
        self.assertEqual(
            snippet, "A &lt;b&gt;bold&lt;/b&gt; claim &amp; a <mark>mercury</mark> <mark>treaty</mark> link; "
            "an odd  character.",
        )

    def test_an_activity_is_found_by_its_words_never_by_its_markup(self):
        add_activity("marked-up", '<p>Talks with <a href="https://www.gob.pe/minam">the <span lang="es">Ministerio '
                     'del Ambiente</span></a> on <em>quetzal</em> habitats.</p><p>A second paragraph.</p>')
        for query in ("span", "href", "gob", "lang", "https", "minam", "em", "p"):
            self.assertNotIn("/activities/marked-up/", found(self, self.search(query)), query)
            self.assertNotIn("/activities/marked-up/", self.client.get("/activities/", {"q": query}, follow=True)
                             .content.decode(), query)
        response = self.search("ministerio quetzal")
        self.assertEqual(found(self, response), ["/activities/marked-up/"])
        self.assertEqual(SNIPPET.findall(response.content.decode())[0],
                         "Talks with the <mark>Ministerio</mark> del Ambiente on <mark>quetzal</mark> habitats. "
                         "A second paragraph.")

    def test_long_texts_give_a_passage_around_the_match(self):
        add_activity("long-text", " ".join(["filler"] * 100) + " the quetzal appears here " + " ".join(["more"] * 100))
        snippet = SNIPPET.findall(self.search("quetzal").content.decode())[0]
        self.assertTrue(snippet.startswith("… filler"), snippet)
        self.assertIn("<mark>quetzal</mark>", snippet)
        self.assertTrue(snippet.endswith("more …"), snippet)
        self.assertLess(len(snippet.split()), 40)

    def test_drafts_and_what_is_not_public_are_never_found(self):
        draft_page = Page.objects.create(slug="draft-page", title="A draft page", status="draft")
        Heading.objects.create(page=draft_page, ordering=10, text="An ocelot", anchor="ocelot")
        RichText.objects.create(page=draft_page, ordering=20, text="A pangolin.")
        add_activity("draft-one", "A zanzibar visit.", status="draft")
        add_activity("on-a-draft-page", "A zanzibar visit.", page=draft_page, ordering=30)
        add_activity("scheduled", "A zanzibar visit.", publish_at=timezone.now() + datetime.timedelta(days=1))
        Partner.objects.create(slug="zanzibar-agency", name="Zanzibar Agency", status="draft")
        Agreement.objects.create(slug="zanzibar-accord", title="Zanzibar Accord", status="draft")
        for query in ("zanzibar", "ocelot", "pangolin"):
            response = self.search(query)
            self.assertEqual(found(self, response), [], query)
            self.assertEqual(summary(response), f"Nothing holds every word of “{query}”. Try fewer words or other "
                             "ones, or browse all activities.")
        self.assertEqual(len(found(self, self.client.get("/activities/", {"q": "zanzibar"}))), 0)
        Activity.objects.filter(page=live_page(), ordering__gt=Heading.objects.get(
            page=live_page(), anchor="past-activities").ordering).update(status="draft")
        self.assertEqual(set(found(self, self.search("workshops"))), {
            "/activities/peru-2019-08-eab-adjudication-course/", "/activities/peru-public-participation-workshop/",
            "/activities/peru-adjudication-workshop/",
        }, "the others, printed in Past Activities, are now drafts")

    def test_the_header_of_every_public_page_has_the_search_form(self):
        pages = {name: address for name, address in PUBLIC_PAGES.items() if not address.startswith("/admin/")}
        self.assertIn("/search/?q=workshops", pages.values())
        for name, address in pages.items():
            html = self.client.get(address, follow=True).content.decode()
            form = re.search(r'<form class="usa-search usa-search--small site-search"[^>]*>(.*?)</form>', html, re.S)
            self.assertIsNotNone(form, name)
            self.assertIn('role="search" aria-label="Site search" action="/search/" method="get"', form.group(0), name)
            self.assertIn('<label class="usa-sr-only" for="site-search-q">Search this site</label>', form.group(1))
            self.assertIn('id="site-search-q" type="search" name="q"', form.group(1))
            self.assertIn('alt="Search"', form.group(1))
        header = self.client.get("/search/?q=workshops").content.decode().split("</header>")[-2]
        self.assertIn('name="q" value="workshops"', header, "the header's box holds the words searched for")

    def test_results_ask_search_engines_not_to_index_them(self):
        for params in ({"q": "peru"}, {"q": "nothing-like-it"}, {"q": ""}, {}, {"q": "*"}):
            response = self.client.get("/search/", params)
            self.assertEqual(response["X-Robots-Tag"], "noindex", params)
            self.assertContains(response, '<meta name="robots" content="noindex">')

    def test_results_come_20_to_a_page(self):
        Activity.objects.bulk_create(past_activities(
            live_page(), 45, slug="added", text="Workshop number {n}.", date=datetime.date(2000, 1, 1)
        ))
        first = self.search("workshop")
        self.assertEqual(summary(first), "52 results for “workshop”, page 1 of 3.")
        self.assertEqual(len(found(self, first)), 20)
        self.assertIn('href="?q=workshop&amp;page=2"', first.content.decode())
        second, third = self.search("workshop", page=2), self.search("workshop", page=3)
        self.assertEqual(len(found(self, second)), 20)
        self.assertEqual(len(found(self, third)), 12)
        everything = found(self, first) + found(self, second) + found(self, third)
        self.assertEqual(len(set(everything)), 52, "no result twice, none left out")
        titled = {activity.get_absolute_url().split("#")[0]
                  for activity in Activity.objects.current().filter(title__icontains="workshop")}
        self.assertGreater(len(titled), 1)
        self.assertEqual(set(everything[: len(titled)]), titled, "those whose title holds the word first")
        self.assertIn("Search results for “workshop”, page 2", second.content.decode())
        for page in ("4", "0", "abc"):
            self.assertEqual(self.search("workshop", page=page).status_code, 404, page)

    def test_bad_input_is_explained_on_an_empty_page_never_a_server_error(self):
        explained = {
            "/search/": "Type words to look for",
            "/search/?q=": "Type the words to look for.",
            "/search/?q=+++": "Type the words to look for.",
            "/search/?q=" + "x" * 1000: "Search for at most 200 characters (this has 1000).",
            "/search/?q=peru%00": "Null characters are not allowed.",
            "/search/?q=%ED%A0%80": "holds no word to look for",  # a lone surrogate, read as U+FFFD
            "/search/?q=%22": "“\"” holds no word to look for",
            "/search/?q=*": "holds no word to look for",
            "/search/?q=-+%3A+(": "holds no word to look for",
        }
        for address, explanation in explained.items():
            response = self.client.get(address)
            self.assertEqual(response.status_code, 200, address)
            text = words(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))
            self.assertIn(explanation, text, address[:40])
            self.assertEqual(found(self, response), [], address[:40])
        self.assertIn("private", self.client.get("/search/?q=*")["Cache-Control"], "made-up values fill no cache")
        for query in ('peru"', "peru*", "NEAR(peru mercury)", "-peru", "title:peru", "peru:*", "(peru",
                      "peru AND NOT mercury OR", "'; DROP TABLE activities_activity; --", "peru\\", "50%"):
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
        response = self.client.get("/search/", {"q": "peru", "utm_source": "mail"})
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], "/search/?q=peru")

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


class ListingWordsTests(TestCase):
    """The listing's "Words in the text" is the site search's, for activities."""

    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()

    def listed(self, query):
        response = self.client.get("/activities/", {"q": query}, follow=True)
        self.assertEqual(response.status_code, 200)
        return set(re.findall(r'<p class="activity-list__title">.*?<a class="usa-link" href="([^"]+)"',
                              response.content.decode()))

    def test_other_forms_of_a_word_and_accents_count(self):
        self.assertEqual(self.listed("workshops"), WORKSHOPS)
        self.assertEqual(self.listed("WORKSHOP"), WORKSHOPS)
        add_activity("lima-air-forum", "A forum on clean air in Lima, Perú.")
        self.assertIn("/activities/lima-air-forum/", self.listed("peru"))
        self.assertIn("/activities/peru-2016-09-marine-litter-pilot/", self.listed("Perú"))
        self.assertEqual(self.listed("peru mercury"), {MERCURY})
        self.assertEqual(self.listed('"*'), set(), "no words: nothing")


class QueryBudgetTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()

    def queries(self, address):
        self.client.get(address)  # warm the per-process caches (content types)
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(address)
        self.assertEqual(response.status_code, 200)
        return len(captured)

    def test_a_search_costs_the_same_with_1_and_200_matching_activities(self):
        Activity.objects.exclude(slug="peru-2017-12-mercury-action-plans-workshop").delete()  # a workshop in Peru
        addresses = ["/search/?q=workshop", "/search/?q=peru", "/activities/?q=workshop"]
        with_one = [self.queries(address) for address in addresses]
        Activity.objects.bulk_create(past_activities(live_page(), 199, slug="added", text="A workshop in Peru, {n}."))
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
        load_peru_as_live_version()
        # What a migration that rebuilds the table does: triggers gone, rows written meanwhile.
        with connection.cursor() as cursor:
            for name in search.TRIGGERS:
                cursor.execute(f"DROP TRIGGER {name}")
            cursor.execute(
                "UPDATE activities_activity SET text = 'A quetzal visit.', title = '' "
                "WHERE slug = 'peru-adjudication-workshop'"
            )
        search.keep_index_in_step()
        self.assertEqual([result.url for result in selectors.search("quetzal")[0:20]],
                         ["/activities/peru-adjudication-workshop/"])
        self.assertEqual(selectors.search("workshops").count(), len(WORKSHOPS) - 1)
