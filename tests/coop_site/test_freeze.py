import datetime
import functools
import io
import re
import tempfile
import threading
import urllib.request
from html import unescape
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from activities import services
from activities.models import Activity, Page, RichText
from coop_site.freezing import FreezeError, check_links
from core.services import publish
from tests.content import past_activities, staff_user
from tests.html import PERU_PAGE, SNAPSHOT

NOTICE = "This is not the current EPA website."
META_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def policy(text):
    """A Content-Security-Policy as {directive: set of sources}."""
    directives = (part.split() for part in text.split(";") if part.strip())
    return {name: set(sources) for name, *sources in directives}


def site_pages(out):
    """The frozen copy's HTML pages (not the static files')."""
    return [page for page in out.rglob("*.html") if page.relative_to(out).parts[0] != "static"]


def serve(test, folder):
    """A plain file server (Python's) for ``folder``, for the test; its base URL."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    test.addCleanup(server.server_close)
    test.addCleanup(server.shutdown)
    return f"http://127.0.0.1:{server.server_port}"


def fetch(url):
    with urllib.request.urlopen(url) as response:
        return response.read().decode()


class FreezeTests(TestCase):
    """The 2021 snapshot, and a live version frozen in the test as a second
    snapshot; frozen once, with DEBUG on in the settings as in development."""

    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
        publisher = staff_user("publisher", "Publishers")
        live = services.start_live_version(Page.objects.get(), user=publisher)
        RichText.objects.filter(page=live, ordering=10).update(text="Our work with Peru, frozen in 2026.")
        publish(live, user=publisher)
        # Enough activities for the listing to have a second page.
        for activity in past_activities(live, 25, date=datetime.date(2015, 1, 1)):
            activity.save()
        services.freeze_snapshot(live, archived_on=datetime.date(2026, 11, 25), user=publisher)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        folder = tempfile.TemporaryDirectory()
        cls.addClassCleanup(folder.cleanup)
        cls.out = Path(folder.name) / "site"
        output = io.StringIO()
        try:
            with override_settings(DEBUG=True):
                call_command("freeze", str(cls.out), "--base-url", "https://archive.example.gov/", stdout=output)
        except Exception:
            # unittest skips tearDownClass when setUpClass fails: roll the
            # class's data back here, or it would be in every later test.
            super().tearDownClass()
            raise
        cls.output = output.getvalue()

    def read(self, name):
        return (self.out / name).read_text(encoding="utf-8")

    def test_every_version_listing_detail_feed_and_sitemap_is_written(self):
        for name in (
            "index.html",
            "international-cooperation/epa-collaboration-peru/index.html",
            "archive/2021-01-19/international-cooperation/epa-collaboration-peru/index.html",
            "archive/2026-11-25/international-cooperation/epa-collaboration-peru/index.html",
            "archive/index.html",
            "archive/compare/epa-collaboration-peru/2026-11-25--live/index.html",
            "activities/index.html",
            "activities/2019/index.html",
            "activities/theme/adjudication/index.html",
            "activities/feed/index.xml",
            "activities/2019/feed/index.xml",
            "activities/theme/adjudication/feed/index.xml",
            "activities/peru-2020-03-raura-mine-inspections-webinar/index.html",
            "partners/oefa/index.html",
            "sitemap.xml",
            "sitemap-snapshots.xml",
            "robots.txt",
            "404.html",
        ):
            with self.subTest(name=name):
                self.assertTrue((self.out / name).is_file())
        self.assertIn("Our work with Peru, frozen in 2026.", self.read("international-cooperation/epa-collaboration-peru/index.html"))
        archived = self.read("archive/2021-01-19/international-cooperation/epa-collaboration-peru/index.html")
        self.assertIn("as it existed on January 19, 2021", archived)
        self.assertNotIn("frozen in 2026", archived)
        self.assertIn("https://archive.example.gov/archive/2026-11-25" + PERU_PAGE, self.read("sitemap-snapshots.xml"))
        self.assertRegex(self.output, r"Froze \d+ pages and \d+ static files")
        self.assertRegex(self.output, r"Checked \d+ internal links: none is broken.")

    def test_listing_pages_are_frozen_by_number(self):
        self.assertIn('href="page/2/index.html"', self.read("activities/index.html"))
        self.assertIn("Extra activity", self.read("activities/page/2/index.html"))
        self.assertRegex(self.read("activities/page/2/index.html"), r'href="\.\./\.\./extra-\d+/index\.html"')

    def test_links_are_relative_and_lead_to_files(self):
        page = self.read("archive/2021-01-19/international-cooperation/epa-collaboration-peru/index.html")
        self.assertIn('href="../../../../international-cooperation/epa-collaboration-peru/index.html"', page)
        self.assertIn('href="../../../../static/css/site.css"', page)
        for html in self.out.rglob("*.html"):
            self.assertNotRegex(html.read_text(encoding="utf-8"), r'(href|src|action)="/', html)
        self.assertGreater(check_links(self.out), 500)

    def test_what_needs_the_running_site_is_explained_not_broken(self):
        listing = self.read("activities/index.html")
        self.assertNotIn("<form", listing)
        self.assertIn("its forms do not work here", listing)
        self.assertIn('href="../contact/index.html">Contact Us</a>', listing)
        partner = self.read("partners/oefa/index.html")
        self.assertIn('href="../../unavailable/index.html">Filter these activities', partner)  # a filter combination
        for name in ("contact/index.html", "archive/compare/index.html", "unavailable/index.html"):
            with self.subTest(name=name):
                page = self.read(name)
                self.assertIn("<h1>Not in this frozen copy</h1>", page)
                # The site's own page: banner, header and footer around it.
                self.assertIn('<section class="usa-banner"', page)
                self.assertIn('<header class="usa-header', page)
                self.assertIn("About this archive</a>", page)
                self.assertIn("site.css", page)

    def test_the_404_page_is_the_sites_own_though_debug_is_on(self):
        page = self.read("404.html")
        self.assertIn("<h1>Page not found</h1>", page)
        self.assertIn('<section class="usa-banner"', page)
        self.assertNotIn("URLconf", page)
        self.assertNotIn("admin/", page)
        self.assertIn('href="static/css/site.css"', page)

    def test_every_page_carries_the_live_policy_but_frame_ancestors(self):
        live = policy(self.client.get("/")["Content-Security-Policy"])
        self.assertEqual(live.pop("frame-ancestors"), {"'none'"})
        pages = site_pages(self.out)
        self.assertGreater(len(pages), 60)
        for page in pages:
            with self.subTest(page=str(page.relative_to(self.out))):
                html = page.read_text(encoding="utf-8")
                meta = META_CSP.search(html)
                self.assertIsNotNone(meta)
                self.assertEqual(policy(unescape(meta[1])), live)
                # Before anything it governs is loaded.
                self.assertLess(meta.start(), html.index("<link"))

    def test_a_plain_file_server_serves_it(self):
        base = serve(self, self.out)
        page = fetch(base + "/archive/2021-01-19" + PERU_PAGE)
        self.assertIn(NOTICE, page)
        stylesheet = re.search(r'href="([^"]*uswds\.min[^"]*\.css)"', page)[1]
        with urllib.request.urlopen(f"{base}/archive/2021-01-19{PERU_PAGE}{stylesheet}") as response:
            self.assertEqual(response.status, 200)
            css = response.read().decode()
        font = re.search(r'url\("?([^")]+\.woff2)', css)[1]
        with urllib.request.urlopen(urllib.request.urljoin(response.url, font)) as response:
            self.assertEqual(response.status, 200)

    def test_no_folder_is_a_directory_listing(self):
        base = serve(self, self.out)
        self.assertIn("Not in this frozen copy", fetch(base + "/archive/compare/"))
        self.assertIn("Not in this frozen copy", fetch(base + "/contact/"))
        # Addresses the site has no page at are its 404 page, as on the site.
        self.assertIn("Page not found", fetch(base + "/archive/2021-01-19/"))
        self.assertIn("Page not found", fetch(base + "/activities/page/"))
        for folder in self.out.rglob("*"):
            if folder.is_dir() and folder.relative_to(self.out).parts[0] != "static":
                with self.subTest(folder=str(folder.relative_to(self.out))):
                    self.assertTrue((folder / "index.html").is_file() or (folder / "index.xml").is_file())

    def test_a_broken_link_is_found_and_named(self):
        page = self.out / "partners/oefa/index.html"
        original = page.read_text()
        self.addCleanup(page.write_text, original)
        page.write_text(original.replace("</main>", '<a href="../gone/index.html">gone</a></main>'))
        with self.assertRaisesMessage(FreezeError, "partners/oefa/index.html: ../gone/index.html"):
            check_links(self.out)

    def test_a_folder_with_files_is_refused(self):
        with self.assertRaisesMessage(CommandError, "is not empty: freeze into a new folder"):
            call_command("freeze", str(self.out), stdout=io.StringIO())


class BrokenLinkTests(TestCase):
    """A page of the site links to an address the site has no page at."""

    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
        publisher = staff_user("publisher", "Publishers")
        live = services.start_live_version(Page.objects.get(), user=publisher)
        publish(live, user=publisher)
        activity = live.activities.order_by("date").first()
        Activity.objects.filter(pk=activity.pk).update(
            text=activity.text + '<p>See <a href="/no-such-page/">the report</a>.</p>'
        )

    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.parent = Path(folder.name)

    def test_the_freeze_names_the_page_and_link_and_leaves_nothing(self):
        out = self.parent / "site"
        with self.assertRaises(CommandError) as raised:
            call_command("freeze", str(out), stdout=io.StringIO())
        message = str(raised.exception)
        found = re.match(r"(/\S*) links to /no-such-page/, which the site answers with 404 Not Found\.", message)
        self.assertIsNotNone(found, message)
        self.assertContains(self.client.get(found[1]), 'href="/no-such-page/"')
        self.assertIn(f"Nothing was written to {out}", message)
        self.assertEqual(list(self.parent.iterdir()), [])  # no output folder, no partial one beside it

    def test_an_empty_folder_given_stays_empty(self):
        out = self.parent / "site"
        out.mkdir()
        with self.assertRaisesMessage(CommandError, "links to /no-such-page/"):
            call_command("freeze", str(out), stdout=io.StringIO())
        self.assertEqual(list(self.parent.iterdir()), [out])
        self.assertEqual(list(out.iterdir()), [])
