import html
import xml.etree.ElementTree as ET
from datetime import datetime

from django.test import TestCase

from activities.models import Activity
from tests.factories import make_activities, make_activity, make_page, make_partner, make_theme
from tests.html import listed

ATOM = "{http://www.w3.org/2005/Atom}"


def make_webinar(page, **fields):
    """A dated activity with a title, a theme and a partner linked in its text."""
    sma = make_partner("Superintendency of the Environment", acronym="SMA", url="https://portal.sma.gob.cl/")
    return make_activity(
        page, '<p>EPA staff held a webinar with Chile’s <a href="partner:sma">Superintendency of the Environment '
              "(Superintendencia del Medio Ambiente)</a> on inspections of the Escondida Mine.</p>",
        slug="chile-2020-03-mine-inspections-webinar", title="Webinar with SMA on inspections of the Escondida Mine",
        date="2020-03", partners=[sma], **fields,
    )


class ActivityFeedTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        adjudication, air, enforcement, litter, mercury = (
            make_theme(name) for name in ("Adjudication", "Air quality", "Enforcement and compliance", "Marine litter",
                                          "Mercury")
        )
        mma = make_partner("Ministry of the Environment", acronym="MMA")
        page = make_page("EPA Collaboration with Chile", slug="epa-collaboration-chile")
        cls.webinar = make_webinar(page, themes=[enforcement])
        make_activity(page, "A course on adjudicating environmental cases.", date="2019-08", themes=[adjudication])
        make_activity(page, "A workshop on promoting environmental compliance.", date="2019-06",
                      themes=[enforcement, adjudication])
        make_activity(page, "A stakeholder workshop on mercury action plans.", date="2017-12", themes=[mercury],
                      partners=[mma])
        make_activity(page, "A Trash Free Waters pilot against marine litter.", date="2016-09", themes=[litter],
                      partners=[mma])
        for place in ("Santiago", "Valparaíso", "Concepción"):
            make_activity(page, f"Measuring motor vehicle emissions in {place}.", themes=[air], partners=[mma])
        make_activity(page, "A workshop not yet published.", date="2019-10", themes=[adjudication], status="draft")

    def entries(self, address, params=None):
        response = self.client.get(address, params or {}, follow=True)
        self.assertEqual(response.status_code, 200, address)
        self.assertEqual(response["Content-Type"], "application/atom+xml; charset=utf-8")
        feed = ET.fromstring(response.content)
        return feed, feed.findall(f"{ATOM}entry")

    def links(self, entries):
        return [entry.find(f"{ATOM}link").get("href").removeprefix("http://testserver") for entry in entries]

    def test_the_feed_lists_what_the_listing_lists_newest_first(self):
        for listing, feed, params, count in (
            ("/activities/", "/activities/feed/", {}, 8),
            ("/activities/", "/activities/feed/", {"year": "2019"}, 2),
            ("/activities/2019/", "/activities/2019/feed/", {}, 2),
            ("/activities/theme/adjudication/", "/activities/theme/adjudication/feed/", {}, 2),
            ("/activities/", "/activities/feed/", {"theme": ["mercury", "marine-litter"], "partner": "mma"}, 2),
        ):
            _, entries = self.entries(feed, params)
            rows = listed(self.client.get(listing, params, follow=True).content.decode())
            self.assertEqual(self.links(entries), rows, (feed, params))
            self.assertEqual(len(entries), count, (feed, params))

    def test_entries_carry_title_date_text_and_themes(self):
        feed, entries = self.entries("/activities/feed/", {"year": "2020"})
        self.assertEqual(feed.find(f"{ATOM}title").text, "EPA international cooperation activities in 2020")
        self.assertEqual(feed.find(f"{ATOM}link[@rel='self']").get("href"), "http://testserver/activities/2020/feed/")
        self.assertEqual(feed.find(f"{ATOM}link[@rel='alternate']").get("href"), "http://testserver/activities/2020/")
        (entry,) = entries
        self.assertEqual(entry.find(f"{ATOM}title").text,
                         "March 2020: Webinar with SMA on inspections of the Escondida Mine")
        self.assertEqual(entry.find(f"{ATOM}published").text, "2020-03-01T00:00:00-05:00")
        # Plain words: the text's tags and links are not in it.
        self.assertEqual(entry.find(f"{ATOM}summary").text,
                         "EPA staff held a webinar with Chile’s Superintendency of the Environment (Superintendencia "
                         "del Medio Ambiente) on inspections of the Escondida Mine.")
        self.assertEqual([c.get("term") for c in entry.findall(f"{ATOM}category")], ["Enforcement and compliance"])

    def test_every_entry_has_an_updated_date_even_undated_ones(self):
        _, entries = self.entries("/activities/feed/", {"theme": "air-quality"})
        self.assertEqual(len(entries), 3)
        for entry in entries:
            self.assertIsNotNone(entry.find(f"{ATOM}updated"))
            self.assertIsNone(entry.find(f"{ATOM}published"))

    def test_each_listing_names_its_feed(self):
        response = self.client.get("/activities/2019/", {"theme": "adjudication"}, follow=True)
        self.assertContains(response, '<link rel="alternate" type="application/atom+xml" title="Activities in 2019 on '
                                      'Adjudication" href="/activities/2019/feed/?theme=adjudication">', html=True)

    def test_filters_that_name_nothing_are_a_404(self):
        for address, params in (("/activities/feed/", {"year": "abc"}), ("/activities/feed/", {"theme": "astrology"}),
                                ("/activities/1800/feed/", {}), ("/activities/theme/astrology/feed/", {}),
                                ("/activities/feed/", {"q": "\x00"})):
            self.assertEqual(self.client.get(address, params, follow=True).status_code, 404, (address, params))

    def test_drafts_are_not_in_the_feed(self):
        _, entries = self.entries("/activities/feed/")
        self.assertIn(self.webinar.get_absolute_url(), self.links(entries))
        Activity.objects.filter(pk=self.webinar.pk).update(status="draft")
        _, entries = self.entries("/activities/feed/")
        self.assertNotIn(self.webinar.get_absolute_url(), self.links(entries))
        self.assertEqual(len(entries), 7)


class FeedValidityTests(TestCase):
    """What the W3C Feed Validation Service checks (RFC 4287): an author, and
    on each entry an id, an updated date, a title and a link; ids and
    updated dates distinct; and summaries a reader shows as text."""

    @classmethod
    def setUpTestData(cls):
        page = make_page("EPA Collaboration with Chile", slug="epa-collaboration-chile")
        cls.webinar = make_webinar(page)
        make_activity(page, "A course on adjudicating environmental cases.", date="2019-08")
        make_activity(page, "Measuring motor vehicle emissions in Santiago.")
        # Saved together with no history, as a snapshot's load saves them: one date for all.
        make_activities(page, 10, date="2018-05", title="Workshop {n} on water quality")

    def feed(self, address="/activities/feed/", host="testserver"):
        response = self.client.get(address, HTTP_HOST=host)
        self.assertEqual(response.status_code, 200)
        return ET.fromstring(response.content)

    def test_the_feed_has_an_author_an_id_and_a_self_link(self):
        feed = self.feed()
        self.assertEqual(feed.find(f"{ATOM}author/{ATOM}name").text, "U.S. Environmental Protection Agency")
        self.assertEqual(feed.find(f"{ATOM}id").text, "tag:epa.gov,2021:/activities/feed/")
        self.assertEqual(feed.find(f"{ATOM}link[@rel='self']").get("href"), "http://testserver/activities/feed/")

    def test_every_entry_has_what_atom_requires_and_ids_and_dates_are_distinct(self):
        entries = self.feed().findall(f"{ATOM}entry")
        self.assertEqual(len(entries), 13)
        for entry in entries:
            for element in ("id", "updated", "title", "link", "summary"):
                self.assertIsNotNone(entry.find(f"{ATOM}{element}"), element)
        ids = [entry.find(f"{ATOM}id").text for entry in entries]
        updated = [entry.find(f"{ATOM}updated").text for entry in entries]
        self.assertEqual(len(set(ids)), len(ids))
        self.assertEqual(len(set(updated)), len(updated), updated)
        self.assertTrue(all(id.startswith("tag:epa.gov,2021:/activities/") for id in ids), ids)

    def test_ids_are_the_same_whatever_host_the_feed_is_read_from(self):
        def ids(feed):
            return [feed.find(f"{ATOM}id").text] + [entry.find(f"{ATOM}id").text for entry in feed.iter(f"{ATOM}entry")]

        with self.settings(ALLOWED_HOSTS=["testserver", "mirror.example.gov"]):
            self.assertEqual(ids(self.feed()), ids(self.feed(host="mirror.example.gov")))

    def test_an_edit_is_the_entrys_updated_date(self):
        activity = Activity.objects.get(pk=self.webinar.pk)
        activity.text += " More."
        activity.save()
        entries = self.feed("/activities/2020/feed/").findall(f"{ATOM}entry")
        (entry,) = entries
        self.assertEqual(
            datetime.fromisoformat(entry.find(f"{ATOM}updated").text),
            activity.history.latest("history_date").history_date,
        )

    def test_markup_in_a_text_reaches_readers_as_text(self):
        # Words that look like markup, and markup no text may hold, as SQL or plain loaddata could store it.
        Activity.objects.filter(pk=self.webinar.pk).update(
            text='<p>Escondida &lt;img src=x onerror=alert(1)&gt; <img src=x onerror=alert(3)><script>alert(2)</script>'
                 ' &amp; "more"</p>')
        (entry,) = self.feed("/activities/2020/feed/").findall(f"{ATOM}entry")
        summary = entry.find(f"{ATOM}summary")
        self.assertEqual(summary.get("type"), "html")
        # The summary is HTML; as HTML it holds no element, only the words.
        self.assertEqual(summary.text, "Escondida &lt;img src=x onerror=alert(1)&gt; &amp; &quot;more&quot;")
        self.assertEqual(html.unescape(summary.text), 'Escondida <img src=x onerror=alert(1)> & "more"')
