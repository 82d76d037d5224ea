from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from activities.models import Activity
from tests.factories import (
    make_activities,
    make_activity,
    make_agreement,
    make_agreement_list,
    make_contact,
    make_heading,
    make_page,
    make_page_contact,
    make_partner,
    make_partner_list,
    make_text,
    make_theme,
)
from tests.html import elements
from tests.html import listed as listed_in

PAGE = "/international-cooperation/epa-collaboration-chile/"
EXIT = '<a class="exit-disclaimer" href="/exit-disclaimer/" title="EPA’s External Link Disclaimer">Exit</a>'
# The themes' names, in the order the filter form offers them (by name).
THEMES = ["Adjudication", "Air quality", "Enforcement and compliance", "Marine litter", "Mercury", "Water quality"]


def listed(testcase, response):
    """The addresses of a listing's activities, in its order."""
    testcase.assertEqual(response.status_code, 200)
    return listed_in(response.content.decode())


class CountryPageTestCase(TestCase):
    """A country page whose activities make every kind of listing row: dated
    and undated, in its opening and under headings, one printed inside
    another's text, several on a theme or with a partner, and a draft."""

    @classmethod
    def setUpTestData(cls):
        (cls.adjudication, cls.air, cls.enforcement, cls.litter, cls.mercury,
         cls.water) = (make_theme(name) for name in THEMES)
        cls.sma = make_partner(
            "Superintendency of the Environment", acronym="SMA", local_name="Superintendencia del Medio Ambiente",
            local_name_language="es", url="https://portal.sma.gob.cl/",
        )
        cls.mma = make_partner("Ministry of the Environment", acronym="MMA", url="https://mma.gob.cl/")
        page = cls.page = make_page("EPA Collaboration with Chile", slug="epa-collaboration-chile", country="Chile")
        make_text(page, "EPA and Chile have worked together since the free trade agreement of 2004.")
        cls.webinar = make_activity(
            page, '<p>EPA staff held a webinar with the <a href="partner:sma">Superintendency of the Environment</a> '
                  "on inspections of the Escondida Mine.</p>",
            slug="chile-2020-03-mine-inspections-webinar",
            title="Webinar with SMA on inspections of the Escondida Mine",
            date="2020-03", display="paragraph", themes=[cls.enforcement], partners=[cls.sma],
        )
        cls.course = make_activity(
            page, "The Environmental Appeals Board taught a course on adjudicating environmental cases.",
            slug="chile-2019-08-adjudication-course", title="Course on adjudicating environmental cases",
            date="2019-08", display="paragraph", themes=[cls.adjudication],
        )
        make_heading(page, "Environmental Governance")
        cls.materials = make_activity(page, "Online training materials for SMA inspectors.",
                                      slug="chile-online-training-materials", themes=[cls.enforcement],
                                      partners=[cls.sma])
        cls.adjudicators = make_activity(page, "A workshop for Chilean adjudicators on environmental cases.",
                                         slug="chile-adjudication-workshop", themes=[cls.adjudication])
        cls.emissions = make_activity(page, "Measuring motor vehicle emissions in Santiago.",
                                      slug="chile-vehicle-emissions-measurement", display="numbered",
                                      themes=[cls.air], partners=[cls.mma])
        make_heading(page, "Past Activities")
        cls.compliance = make_activity(page, "A workshop on promoting environmental compliance.",
                                       slug="chile-2019-06-compliance-workshop", date="2019-06",
                                       themes=[cls.enforcement])
        cls.action_plans = make_activity(
            page, "A stakeholder workshop on mercury action plans, then one on adjudicating environmental cases.",
            slug="chile-2017-12-mercury-action-plans-workshop", date="2017-12", themes=[cls.mercury],
        )
        cls.printed_inside = make_activity(
            page, "A workshop on adjudicating environmental cases.", slug="chile-2017-12-adjudication-workshop",
            date="2017-12", themes=[cls.adjudication], printed_in=cls.action_plans,
        )
        cls.pilot = make_activity(page, "A Trash Free Waters pilot against marine litter in Valparaíso.",
                                  slug="chile-2016-09-marine-litter-pilot", date="2016-09", themes=[cls.litter],
                                  partners=[cls.mma])
        cls.draft = make_activity(page, "A workshop on water quality models, not yet published.",
                                  slug="chile-2018-08-water-quality-models", date="2018-08", themes=[cls.water],
                                  partners=[cls.sma], status="draft")


class ActivityListTests(CountryPageTestCase):
    def assert_summary(self, response, summary):
        """The line above the results says ``summary`` (HTML)."""
        self.assertContains(response, f'<p class="result-summary" role="status">{summary}</p>', html=True)

    def assert_year_choice(self, response, year, count, *, selected=False):
        """The year filter offers ``year`` with its count, disabled if it would give nothing."""
        state = (" selected" if selected else "") + (" disabled" if count == 0 and not selected else "")
        self.assertContains(response, f'<option value="{year}"{state}>{year} ({count})</option>', html=True)

    def assert_theme_choice(self, response, theme, count, *, checked=False):
        """The themes' checkboxes offer ``theme`` with its count, read out as "3 results"."""
        index = THEMES.index(theme.name)
        state = (" checked" if checked else "") + (" disabled" if count == 0 and not checked else "")
        self.assertContains(
            response,
            f'<div class="usa-checkbox"><input type="checkbox" class="usa-checkbox__input" name="theme" '
            f'id="id_theme_{index}" value="{theme.slug}"{state}><label class="usa-checkbox__label" '
            f'for="id_theme_{index}">{theme.name} <span class="facet-count">({count}<span class="usa-sr-only"> '
            f'result{"" if count == 1 else "s"}</span>)</span></label></div>',
            html=True,
        )

    def test_all_published_activities_newest_first_undated_last(self):
        self.assertEqual(listed(self, self.client.get("/activities/")), [
            activity.get_absolute_url() for activity in (
                self.webinar, self.course, self.compliance, self.action_plans, self.printed_inside, self.pilot,
                self.materials, self.adjudicators, self.emissions,
            )
        ])

    def test_each_row_shows_the_printed_date_a_title_its_themes_and_its_page(self):
        response = self.client.get("/activities/")
        self.assertContains(response, f"""
            <li class="activity-list__item">
              <p class="activity-list__title"><span class="activity-list__date">March 2020</span>
                <a class="usa-link" href="{self.webinar.get_absolute_url()}">Webinar with SMA on inspections of the
                Escondida Mine</a></p>
              <p class="activity-list__meta">EPA Collaboration with Chile. Themes:
                <a class="usa-link" href="/activities/theme/enforcement-and-compliance/">Enforcement and
                compliance</a></p>
            </li>""", html=True)
        # Undated, untitled: no date, and the opening words of its text.
        self.assertContains(response, f"""
            <li class="activity-list__item">
              <p class="activity-list__title"><a class="usa-link" href="{self.emissions.get_absolute_url()}">Measuring
                motor vehicle emissions in Santiago.</a></p>
              <p class="activity-list__meta">EPA Collaboration with Chile. Themes:
                <a class="usa-link" href="/activities/theme/air-quality/">Air quality</a></p>
            </li>""", html=True)

    def test_year_and_theme_paths_combine_with_the_query(self):
        def addresses(*activities):
            return [activity.get_absolute_url() for activity in activities]

        self.assertEqual(listed(self, self.client.get("/activities/2019/")), addresses(self.course, self.compliance))
        self.assertEqual(listed(self, self.client.get("/activities/theme/adjudication/")),
                         addresses(self.course, self.printed_inside, self.adjudicators))
        combined = listed(self, self.client.get("/activities/2019/", {"theme": "adjudication"}, follow=True))
        self.assertEqual(combined, addresses(self.course))
        either = listed(self, self.client.get("/activities/", {"theme": ["mercury", "marine-litter"]}, follow=True))
        self.assertEqual(either, addresses(self.action_plans, self.pilot))
        also = listed(self, self.client.get("/activities/theme/mercury/", {"theme": "marine-litter"}, follow=True))
        self.assertEqual(also, either)
        self.assertEqual(listed(self, self.client.get("/activities/", {"q": "Escondida mine"}, follow=True)),
                         addresses(self.webinar))
        self.assertEqual(listed(self, self.client.get("/activities/", {"partner": "mma"}, follow=True)),
                         addresses(self.pilot, self.emissions))
        self.assertEqual(
            len(listed(self, self.client.get("/activities/", {"program": "epa-collaboration-chile"}, follow=True))), 9,
        )

    def test_each_form_of_a_listing_names_one_canonical_address(self):
        cases = {
            "/activities/": "/activities/",
            "/activities/?year=2019": "/activities/2019/",
            "/activities/2019/": "/activities/2019/",
            "/activities/2019/?theme=adjudication": "/activities/2019/?theme=adjudication",
            "/activities/?theme=adjudication&year=2019": "/activities/2019/?theme=adjudication",
            "/activities/?theme=adjudication": "/activities/theme/adjudication/",
            "/activities/theme/mercury/?theme=marine-litter": "/activities/?theme=marine-litter&amp;theme=mercury",
        }
        for address, canonical in cases.items():
            response = self.client.get(address, follow=True)
            self.assertContains(response, f'<link rel="canonical" href="http://testserver{canonical}">', count=1,
                                html=True, msg_prefix=address)

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
            "/activities/?q=mine&partner=sma": "/activities/?partner=sma&q=mine",
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
        response = self.client.get("/activities/2019/")
        # The listing's form, not the header's search form.
        (form,) = elements(response.content.decode(), "form", action="/activities/")
        self.assertEqual(dict(form.attributes)["method"], "get")
        form = str(form)
        self.assertNotIn("csrfmiddlewaretoken", form)
        for field, label in (("year", "Year"), ("partner", "Partner"), ("program", "Country page"),
                             ("q", "Words in the text")):
            self.assertInHTML(f'<label class="usa-label" for="id_{field}">{label}</label>', form, count=1)
        (themes,) = elements(form, "fieldset", class_="usa-fieldset")
        self.assertInHTML('<legend class="usa-legend">Themes</legend>', str(themes), count=1)
        self.assertEqual(len(elements(str(themes), "input", type="checkbox", name="theme")), len(THEMES))
        self.assertInHTML('<button type="submit" class="usa-button" id="apply-filters">Apply filters</button>', form)
        self.assertInHTML('<a class="usa-button usa-button--outline" href="/activities/">Clear filters</a>', form)
        self.assert_year_choice(response, 2019, 2, selected=True)  # the path's year is shown as chosen

    def test_each_count_is_the_number_of_results_that_choice_gives(self):
        years = (2020, 2019, 2017, 2016)
        for address, params in (("/activities/", {}), ("/activities/", {"partner": "mma"}),
                                ("/activities/2017/", {}), ("/activities/", {"theme": ["adjudication", "mercury"]})):
            response = self.client.get(address, params, follow=True)
            self.assertNotContains(response, '<option value="2018"', msg_prefix="a year of drafts only")
            base = {**params, "year": "2017"} if address == "/activities/2017/" else dict(params)
            for year in years:
                results = listed(self, self.client.get("/activities/", {**base, "year": year}, follow=True))
                self.assert_year_choice(response, year, len(results), selected=base.get("year") == str(year))
            others = {name: value for name, value in base.items() if name != "theme"}
            for theme in (self.adjudication, self.air, self.enforcement, self.litter, self.mercury, self.water):
                results = listed(self, self.client.get("/activities/", {**others, "theme": theme.slug}, follow=True))
                self.assert_theme_choice(response, theme, len(results), checked=theme.slug in params.get("theme", []))

    def test_choices_with_no_results_are_disabled_unless_chosen(self):
        response = self.client.get("/activities/2019/")
        self.assert_theme_choice(response, self.mercury, 0)
        self.assert_theme_choice(response, self.adjudication, 1)
        response = self.client.get("/activities/2019/", {"theme": "mercury"}, follow=True)
        self.assert_theme_choice(response, self.mercury, 0, checked=True)  # a chosen theme can be unchosen
        response = self.client.get("/activities/", {"theme": "mercury"}, follow=True)
        self.assert_year_choice(response, 2019, 0)
        self.assert_year_choice(response, 2017, 1)

    def test_an_activity_with_several_chosen_themes_is_counted_once(self):
        make_activities(self.page, 3, themes=[self.mercury, self.litter], date="2015-01")
        response = self.client.get("/activities/", {"theme": ["mercury", "marine-litter"]}, follow=True)
        self.assertEqual(len(listed(self, response)), 5)
        self.assert_summary(response, "<strong>5 activities</strong> on Marine litter or Mercury.")
        self.assert_year_choice(response, 2015, 3)
        self.assert_theme_choice(response, self.mercury, 4, checked=True)
        self.assert_theme_choice(response, self.litter, 4, checked=True)

    def test_result_summary_says_what_is_shown(self):
        self.assert_summary(self.client.get("/activities/"), "<strong>9 activities</strong>.")
        self.assert_summary(self.client.get("/activities/2019/", {"theme": "adjudication"}, follow=True),
                            "<strong>1 activity</strong> in 2019 on Adjudication.")
        self.assert_summary(self.client.get("/activities/theme/enforcement-and-compliance/"),
                            "<strong>3 activities</strong> on Enforcement and compliance.")
        self.assert_summary(
            self.client.get("/activities/", {"partner": "sma", "q": "Escondida"}, follow=True),
            "<strong>1 activity</strong> with Superintendency of the Environment (SMA) containing “Escondida”.",
        )

    def test_empty_result_says_so_and_offers_a_way_back(self):
        response = self.client.get("/activities/2019/", {"theme": "mercury"}, follow=True)
        self.assertEqual(response.status_code, 200)
        self.assert_summary(response, "<strong>0 activities</strong> in 2019 on Mercury.")
        self.assertContains(response, '<p class="usa-alert__text">No activity matches these filters. '
                                      '<a class="usa-link" href="/activities/">See all activities</a> or '
                                      '<a class="usa-link" href="/activities/2019/">all of 2019</a>.</p>', html=True)
        self.assertEqual(response.headers["X-Robots-Tag"], "noindex")

    def test_noindex_when_more_than_one_filter_is_active(self):
        for params in ({}, {"year": "2019"}, {"theme": "adjudication"}, {"q": "mine"}):
            response = self.client.get("/activities/", params, follow=True)
            self.assertNotIn("X-Robots-Tag", response.headers, params)
            self.assertNotContains(response, 'name="robots"')
        for params in ({"year": "2019", "theme": "adjudication"}, {"theme": ["adjudication", "air-quality"]},
                       {"partner": "sma", "q": "mine"}):
            response = self.client.get("/activities/", params, follow=True)
            self.assertEqual(response.headers["X-Robots-Tag"], "noindex", params)
            self.assertContains(response, '<meta name="robots" content="noindex">', html=True)
        response = self.client.get("/activities/2019/", {"theme": "adjudication"}, follow=True)
        self.assertEqual(response.headers["X-Robots-Tag"], "noindex")

    def test_pages_keep_the_filters(self):
        make_activities(self.page, 25, themes=[self.water], text="An added activity, number {n}.")
        response = self.client.get("/activities/theme/water-quality/", {"q": "added"}, follow=True)
        self.assertEqual(len(listed(self, response)), 20)
        self.assert_summary(response,
                            "<strong>25 activities</strong> on Water quality containing “added”, page 1 of 2.")
        self.assertContains(
            response, '<a class="usa-pagination__link usa-pagination__next-page" '
                      'href="/activities/theme/water-quality/?page=2&amp;q=added">'
                      '<span class="usa-pagination__link-text">Next</span></a>', html=True,
        )
        second = self.client.get("/activities/theme/water-quality/?page=2&q=added")
        self.assertEqual(len(listed(self, second)), 5)
        self.assertContains(
            second,
            '<link rel="canonical" href="http://testserver/activities/theme/water-quality/?page=2&amp;q=added">',
            html=True,
        )
        self.assertContains(
            second, '<a class="usa-pagination__link usa-pagination__previous-page" '
                    'href="/activities/theme/water-quality/?q=added">'
                    '<span class="usa-pagination__link-text">Previous</span></a>', html=True,
        )

    def test_unknown_year_or_theme_in_the_path_is_a_404_in_the_site_look(self):
        for address in ("/activities/1800/", "/activities/2030/", "/activities/99999999999/",
                        "/activities/theme/astrology/", "/activities/theme/%FF/", "/activities/0/"):
            response = self.client.get(address)
            self.assertEqual(response.status_code, 404, address)
            self.assertContains(response, "usa-banner", status_code=404)

    def test_bad_query_values_give_an_explained_form_error(self):
        # Each is said in the form's list of problems, with a link to the field.
        choose_year, choose_one = "choose a year from the list.", "choose one from the list."
        cases = {
            "year=abc": ("year", f"Year: No published activity is from “abc”: {choose_year}"),
            "year=1800": ("year", f"Year: No published activity is from “1800”: {choose_year}"),
            "year=99999999999": ("year", f"Year: No published activity is from “99999999999”: {choose_year}"),
            "theme=unknown": ("theme_0", "Themes: There is no theme “unknown”: choose themes from the list."),
            "partner=nobody": ("partner", "Partner: There is no partner “nobody”: choose one from the list."),
            "program=atlantis": ("program", f"Country page: There is no country page “atlantis”: {choose_one}"),
            "q=" + "x" * 10_000: ("q", "Words in the text: Ensure this value has at most 200 characters "
                                       "(it has 10000)."),
            "q=%00": ("q", "Words in the text: Null characters are not allowed."),
            "theme=%00": ("theme_0", "Themes: There is no theme “\x00”: choose themes from the list."),
            "year=%FF%FE": ("year", "Year: No published activity is from “\ufffd\ufffd”: choose a year from the list."),
        }
        for query, (field, error) in cases.items():
            response = self.client.get(f"/activities/?{query}")
            self.assertEqual(response.status_code, 200, query)
            self.assertContains(response, f'<li><a class="usa-link" href="#id_{field}">{error}</a></li>', count=1,
                                html=True, msg_prefix=query[:40])
            self.assertContains(response, "usa-error-message")
            self.assert_summary(response, "The filters could not be applied: see the form.")
            self.assertEqual(listed(self, response), [])

    def test_odd_but_harmless_queries_give_a_listing(self):
        cases = {
            "year=2019&year=2019": 2,  # repeated: one year
            "year=2018&year=2019": 2,  # repeated: the last one counts, as in any Django form
            "theme=adjudication&theme=adjudication": 3,
            "q=%C3%28": 0,  # bytes that are not UTF-8 are replaced, then searched for
            "q=Escondida&q=": 1,  # the empty one is dropped
            "unknown=1": 9,
            "page=1": 9,
        }
        for query, count in cases.items():
            response = self.client.get(f"/activities/?{query}", follow=True)
            self.assertEqual(response.status_code, 200, query)
            self.assertEqual(len(listed(self, response)), count, query)
        self.assertEqual(listed(self, self.client.get("/activities/?year=2019&year=2017", follow=True)),
                         [self.action_plans.get_absolute_url(), self.printed_inside.get_absolute_url()])

    def test_bad_page_numbers_are_a_404(self):
        for page in ("0", "abc", "99999", "-1", "1.5"):
            response = self.client.get("/activities/", {"page": page}, follow=True)
            self.assertEqual(response.status_code, 404, page)
            self.assertContains(response, "usa-banner", status_code=404)

    def test_drafts_are_not_listed_and_have_no_page(self):
        self.assertEqual(self.client.get(self.draft.get_absolute_url()).status_code, 404)
        Activity.objects.filter(pk=self.pilot.pk).update(status="draft")
        self.assertNotIn(self.pilot.get_absolute_url(), listed(self, self.client.get("/activities/")))
        self.assertEqual(self.client.get(self.pilot.get_absolute_url()).status_code, 404)
        self.assertEqual(self.client.get("/activities/2016/").status_code, 404, "no published activity left in 2016")


class ActivityDetailTests(CountryPageTestCase):
    def test_shows_text_date_themes_partners_and_where_it_is_printed(self):
        response = self.client.get(self.webinar.get_absolute_url())
        self.assertContains(response, "<h1>March 2020: Webinar with SMA on inspections of the Escondida Mine</h1>",
                            html=True)
        self.assertContains(response, '<p>EPA staff held a webinar with the <a class="usa-link" '
                                      'href="https://portal.sma.gob.cl/">Superintendency of the Environment</a> '
                                      f"{EXIT} on inspections of the Escondida Mine.</p>", html=True)
        self.assertContains(response, f"""
            <dl class="details-list">
              <dt>When</dt><dd><a class="usa-link" href="/activities/2020/">March 2020</a></dd>
              <dt>Themes</dt><dd><a class="usa-link" href="/activities/theme/enforcement-and-compliance/">Enforcement
                and compliance</a></dd>
              <dt>Partners</dt><dd><a class="usa-link" href="/partners/sma/">Superintendency of the Environment
                (SMA)</a></dd>
              <dt>Printed on</dt><dd><a class="usa-link" href="{PAGE}#{self.webinar.slug}">EPA Collaboration with
                Chile</a></dd>
            </dl>""", html=True)
        # Where it is printed: its place on the page has that address.
        self.assertContains(self.client.get(PAGE), f'<p class="activity" id="{self.webinar.slug}"><a '
                                                   'class="activity__date" href="/activities/2020/">March 2020</a>: '
                                                   'EPA staff held a webinar with the <a class="usa-link" '
                                                   'href="https://portal.sma.gob.cl/">Superintendency of the '
                                                   f'Environment</a> {EXIT} on inspections of the Escondida Mine.</p>',
                            html=True)

    def test_prints_each_paragraph_of_its_text_and_describes_itself_in_plain_words(self):
        Activity.objects.filter(pk=self.pilot.pk).update(
            text='<p>A pilot in <a href="partner:mma">Valparaíso</a> &amp; Viña del Mar.</p><p>It went on in 2017.</p>'
        )
        response = self.client.get(self.pilot.get_absolute_url())
        self.assertContains(response, '<p>A pilot in <a class="usa-link" href="https://mma.gob.cl/">Valparaíso</a> '
                                      f"{EXIT} &amp; Viña del Mar.</p><p>It went on in 2017.</p>", html=True)
        self.assertContains(response, '<meta name="description" content="A pilot in Valparaíso &amp; Viña del Mar. '
                                      'It went on in 2017.">', html=True)

    def test_says_the_heading_it_is_printed_under_and_links_to_its_place(self):
        response = self.client.get(self.compliance.get_absolute_url())
        self.assertContains(response, f'<dd><a class="usa-link" href="{PAGE}#{self.compliance.slug}">EPA Collaboration '
                                      "with Chile, Past Activities</a></dd>", html=True)
        # Printed inside another's text: its place is that one's.
        response = self.client.get(self.printed_inside.get_absolute_url())
        self.assertContains(response, f'<dd><a class="usa-link" href="{PAGE}#{self.action_plans.slug}">EPA '
                                      "Collaboration with Chile, Past Activities</a></dd>", html=True)

    def test_previous_and_next_follow_the_order_of_the_page(self):
        order = [self.webinar, self.course, self.materials, self.adjudicators, self.emissions, self.compliance,
                 self.action_plans, self.printed_inside, self.pilot]  # the draft, last on the page, is left out
        for position, activity in enumerate(order):
            previous = order[position - 1] if position else None
            following = order[position + 1] if position < len(order) - 1 else None
            neighbours = "".join([
                f'<p>Previous on the page: <a class="usa-link" href="{previous.get_absolute_url()}" rel="prev">'
                f"{previous}</a></p>" if previous else "",
                f'<p>Next on the page: <a class="usa-link" href="{following.get_absolute_url()}" rel="next">'
                f"{following}</a></p>" if following else "",
            ])
            self.assertContains(
                self.client.get(activity.get_absolute_url()),
                f'<nav class="neighbours" aria-label="Neighbouring activities on the page">{neighbours}</nav>',
                count=1, html=True, msg_prefix=activity.slug,
            )

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
        cls.enforcement, cls.water = make_theme("Enforcement and compliance"), make_theme("Water quality")
        cls.sma = make_partner("Superintendency of the Environment", acronym="SMA", url="https://portal.sma.gob.cl/")
        cls.page = make_page("EPA Collaboration with Chile", slug="epa-collaboration-chile",
                             agreements=[make_agreement()], partners=[cls.sma])
        make_text(cls.page)
        cls.webinar = make_activity(cls.page, "A webinar with SMA on inspections of a copper mine.",
                                    slug="chile-2020-03-mine-inspections-webinar", date="2020-03",
                                    themes=[cls.enforcement], partners=[cls.sma])
        make_heading(cls.page, "Key Partners")
        make_partner_list(cls.page)
        make_heading(cls.page, "Agreements")
        make_agreement_list(cls.page)
        make_page_contact(cls.page, make_contact())

    def queries(self, address, params=None):
        """Queries of a request with an empty cache (facet counts and years computed)."""
        self.client.get(address, params or {})  # warm the per-process caches (content types)
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(address, params or {})
        self.assertEqual(response.status_code, 200, address)
        return len(captured)

    def test_listing_with_filters_and_counts_with_1_and_200_activities(self):
        addresses = [
            ("/activities/", {}),
            ("/activities/2020/", {"partner": "sma", "q": "mine", "theme": "enforcement-and-compliance"}),
            ("/activities/theme/enforcement-and-compliance/", {"program": "epa-collaboration-chile"}),
        ]
        with_one = [self.queries(address, params) for address, params in addresses]
        make_activities(self.page, 199, themes=[self.water, self.enforcement],
                        date=lambda n: f"2020-{1 + n % 12}")
        with_200 = [self.queries(address, params) for address, params in addresses]
        self.assertEqual(with_one, with_200)
        self.assertLessEqual(max(with_200), 12)
        self.assertContains(
            self.client.get("/activities/"),
            '<p class="result-summary" role="status"><strong>200 activities</strong>, page 1 of 10.</p>', html=True,
        )

    def test_detail_pages_with_few_and_many_activities(self):
        addresses = [self.webinar.get_absolute_url(), "/partners/sma/", "/partners/", "/agreements/", PAGE]
        before = [self.queries(address) for address in addresses]
        make_activities(self.page, 200, themes=[self.water], partners=[self.sma], title="Added activity {n}")
        after = [self.queries(address) for address in addresses]
        self.assertEqual(before, after)
        self.assertContains(self.client.get("/partners/sma/"), "Added activity 199")
