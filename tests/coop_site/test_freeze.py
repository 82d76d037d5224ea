import datetime
import functools
import io
import re
import tempfile
import threading
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import TestCase

from activities import services
from activities.models import Activity, Program
from coop_site.freezing import FreezeError, check_links
from tests.activities.test_publishing import staff_user
from tests.html import PERU_PAGE, SNAPSHOT

NOTICE = "This is not the current EPA website."


class FreezeTests(TestCase):
    """The 2021 snapshot, and a live version frozen in the test as a second snapshot."""

    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
        publisher = staff_user("publisher", "Publishers")
        live = services.start_live_version(Program.objects.get(), user=publisher)
        Program.objects.filter(pk=live.pk).update(intro="Our work with Peru, frozen in 2026.")
        services.publish(live, user=publisher)
        # Enough activities for the listing to have a second page.
        section = live.sections.get(anchor="past-activities")
        for n in range(25):
            Activity.objects.create(program=live, section=section, slug=f"extra-{n}", text=f"Extra activity {n}.",
                                    date=datetime.date(2015, 1, 1), status="published", order=100 + n)
        services.freeze_snapshot(live, archived_on=datetime.date(2026, 11, 25), user=publisher)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        folder = tempfile.TemporaryDirectory()
        cls.addClassCleanup(folder.cleanup)
        cls.out = Path(folder.name) / "site"
        output = io.StringIO()
        call_command("freeze", str(cls.out), "--base-url", "https://archive.example.gov/", stdout=output)
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
        self.assertIn('href="../unavailable/index.html">Contact Us</a>', listing)
        self.assertIn("Not in this frozen copy", self.read("unavailable/index.html"))

    def test_a_plain_file_server_serves_it(self):
        handler = functools.partial(SimpleHTTPRequestHandler, directory=str(self.out))
        handler.log_message = lambda *args: None
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        base = f"http://127.0.0.1:{server.server_port}"
        with urllib.request.urlopen(base + "/archive/2021-01-19" + PERU_PAGE) as response:
            page = response.read().decode()
        self.assertIn(NOTICE, page)
        stylesheet = re.search(r'href="([^"]*uswds\.min[^"]*\.css)"', page)[1]
        with urllib.request.urlopen(f"{base}/archive/2021-01-19{PERU_PAGE}{stylesheet}") as response:
            self.assertEqual(response.status, 200)
            css = response.read().decode()
        font = re.search(r'url\("?([^")]+\.woff2)', css)[1]
        with urllib.request.urlopen(urllib.request.urljoin(response.url, font)) as response:
            self.assertEqual(response.status, 200)

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
