import contextlib
import datetime
import gzip
import http.client
import io
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import redis
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.cache import cache, caches
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import InterfaceError, OperationalError, connection, transaction
from django.template.loader import render_to_string
from django.test import RequestFactory, SimpleTestCase, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from activities.models import Activity, Theme
from contact.models import Message
from coop_site.logging import JsonFormatter
from core import cache_versions, page_cache
from core.models import ContentVersion
from core.page_cache import pages_in_memory
from core.services import publish, unpublish
from partners.models import Partner
from tests.contact.test_contact import VALID
from tests.content import LITTER, RAURA, later, load_peru_as_live_version, staff_user
from tests.forms import admin_form_data
from tests.html import ARCHIVED_PERU_PAGE, PERU_PAGE, SNAPSHOT


def production_environment(**extra):
    """The variables .env.example documents, with a real-looking secret key."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    for line in (settings.BASE_DIR / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            environment[name] = value
    environment.update(DJANGO_SECRET_KEY="k3y-" + "x9Q" * 20, DATABASE_URL="sqlite:///:memory:", REDIS_URL="", **extra)
    return environment


@contextlib.contextmanager
def gunicorn_serving(log=subprocess.DEVNULL, **extra):
    """gunicorn with the production settings on a free port, its output to ``log``;
    yields fetch(path, **headers) -> (status, headers)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    process = subprocess.Popen(
        [gunicorn, "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=settings.BASE_DIR, env=production_environment(CACHE_PAGE_SECONDS="0", **extra),
        stdout=log, stderr=log,
    )

    def fetch(path, **headers):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("GET", path, headers={"Host": "coop.example.gov", **headers})
            response = connection.getresponse()
            return response.status, dict(response.getheaders())
        finally:
            connection.close()

    try:
        for _ in range(100):
            try:
                fetch("/healthz/live")
                break
            except OSError:
                time.sleep(0.1)
        yield fetch
    finally:
        process.terminate()
        process.wait(timeout=20)


class HeaderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())

    def assert_security_headers(self, response, what):
        csp = response.headers.get("Content-Security-Policy", "")
        self.assertIn("default-src 'self'", csp, what)
        self.assertIn("frame-ancestors 'none'", csp, what)
        self.assertNotIn("unsafe-inline", csp, what)
        self.assertNotIn("unsafe-eval", csp, what)
        self.assertEqual(response.headers.get("X-Content-Type-Options"), "nosniff", what)
        self.assertEqual(response.headers.get("Referrer-Policy"), "strict-origin-when-cross-origin", what)
        self.assertIn("camera=()", response.headers.get("Permissions-Policy", ""), what)
        self.assertIn("geolocation=()", response.headers.get("Permissions-Policy", ""), what)
        self.assertEqual(response.headers.get("Cross-Origin-Opener-Policy"), "same-origin", what)
        self.assertEqual(response.headers.get("X-Frame-Options"), "DENY", what)

    def test_every_kind_of_response_carries_the_headers(self):
        for address in (PERU_PAGE, "/activities/?year=2019", "/activities/feed/", "/no-such-page/", "/contact/",
                        "/admin/login/", "/healthz", "/static/css/site.css"):
            response = self.client.get(address)
            self.assert_security_headers(response, address)

    @override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^healthz(/live)?$"])
    def test_redirects_carry_the_headers_too(self):
        for address, secure, status in (("/about-this-archive/", False, 301), ("/activities", True, 301),
                                        ("/activities/?q=&year=2019", True, 301)):
            response = self.client.get(address, secure=secure)
            self.assertEqual(response.status_code, status, address)
            self.assert_security_headers(response, address)

    def test_error_pages_carry_the_headers_too(self):
        self.client.raise_request_exception = False
        for error in (ValueError("a bug"), OperationalError("connection refused")):
            with mock.patch("activities.views.selectors.page_versions", side_effect=error), \
                    self.assertLogs("django.request", "ERROR"):
                response = self.client.get(PERU_PAGE)
            self.assert_security_headers(response, repr(error))

    def test_no_page_has_inline_script_or_style(self):
        for address in (PERU_PAGE, "/activities/", "/contact/", "/admin/login/"):
            html = self.client.get(address).content.decode()
            self.assertNotRegex(html, r"<script(?![^>]*\bsrc=)[^>]*>", address)
            self.assertNotRegex(html, r"<style|\sstyle=", address)

    @override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True)
    def test_hsts_over_https(self):
        response = self.client.get(PERU_PAGE, secure=True)
        self.assertEqual(response.headers["Strict-Transport-Security"], "max-age=31536000; includeSubDomains; preload")


class DeploySettingsTests(SimpleTestCase):
    def run_manage(self, *arguments, **extra):
        return subprocess.run([sys.executable, "manage.py", *arguments], cwd=settings.BASE_DIR,
                              env=production_environment(**extra), capture_output=True, text=True)

    def test_check_deploy_reports_nothing_with_the_documented_variables(self):
        result = self.run_manage("check", "--deploy", "--fail-level", "WARNING")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("System check identified no issues", result.stdout)

    def test_https_is_what_a_trusted_balancer_says_and_health_checks_are_not_redirected(self):
        page = "/about-this-archive/"
        with gunicorn_serving(FORWARDED_ALLOW_IPS="127.0.0.1") as fetch:
            status, headers = fetch(page)
            self.assertEqual((status, headers["Location"]), (301, f"https://coop.example.gov{page}"))
            status, headers = fetch(page, **{"X-Forwarded-Proto": "https"})
            self.assertEqual(status, 200)
            self.assertEqual(headers["Strict-Transport-Security"], "max-age=31536000; includeSubDomains; preload")
            self.assertEqual([fetch("/healthz")[0], fetch("/healthz/live")[0]], [200, 200])
        with gunicorn_serving(FORWARDED_ALLOW_IPS="10.0.0.0/8") as fetch:  # this test is not the balancer
            self.assertEqual(fetch(page, **{"X-Forwarded-Proto": "https"})[0], 301)

    def test_gunicorn_logs_one_json_object_a_line_with_the_visitors_address(self):
        with tempfile.TemporaryFile("w+") as log:
            with gunicorn_serving(log=log, FORWARDED_ALLOW_IPS="127.0.0.1") as fetch:
                fetch("/healthz/live", **{"X-Forwarded-For": "203.0.113.9"})
            log.seek(0)
            lines = [json.loads(line) for line in log if line.strip()]
        server_messages = " ".join(line["message"] for line in lines if line["logger"] == "gunicorn.error")
        self.assertIn("Booting worker", server_messages)
        access = [line for line in lines if line["logger"] == "gunicorn.access"][-1]
        self.assertEqual((access["method"], access["path"], access["status"]), ("GET", "/healthz/live", 200))
        self.assertEqual((access["remote"], access["forwarded_for"]), ("203.0.113.9", "203.0.113.9"))

    def test_gunicorn_accepts_its_configuration(self):
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        result = subprocess.run([gunicorn, "--config", "gunicorn.conf.py", "--check-config"], cwd=settings.BASE_DIR,
                                env=production_environment(WEB_CONCURRENCY="3"), capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)


@override_settings(
    STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}},
    WHITENOISE_AUTOREFRESH=False,
)
class StaticFileTests(SimpleTestCase):
    """Served by WhiteNoise from the collected files (`make static`), as in production."""

    def setUp(self):
        if not (settings.STATIC_ROOT / "staticfiles.json").exists():
            self.fail("No collected static files: run `make static` (make test does) first.")

    def test_hashed_names_are_cached_for_ever_and_compressed(self):
        url = ManifestStaticFilesStorage().url("css/site.css")
        self.assertRegex(url, r"^/static/css/site\.[0-9a-f]{12}\.css$")
        response = self.client.get(url, headers={"Accept-Encoding": "gzip, br"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("max-age=315360000", response["Cache-Control"])
        self.assertIn("immutable", response["Cache-Control"])
        self.assertIn(response["Content-Encoding"], ("br", "gzip"))

    def test_pages_link_the_hashed_names(self):
        page = render_to_string("404.html")
        self.assertRegex(page, r'href="/static/uswds/css/uswds\.min\.[0-9a-f]{12}\.css"')
        self.assertRegex(page, r'src="/static/uswds/js/uswds\.min\.[0-9a-f]{12}\.js"')


@override_settings(CACHE_MIDDLEWARE_SECONDS=600)
class PageCacheTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()  # the version editors change (a snapshot does not change)
        cls.publisher = staff_user("publisher", "Publishers")

    def setUp(self):
        cache.clear()

    def visit(self, address=PERU_PAGE):
        return self.client.get(address)

    def assert_only_the_content_version_is_read(self):
        """A page from the cache costs one query, the content version's (on
        PostgreSQL in a test's transaction, with the two statements that run
        the transaction's own triggers first)."""
        return self.assertNumQueries(3 if connection.vendor == "postgresql" else 1)

    def test_an_anonymous_page_is_served_from_the_cache(self):
        first = self.visit()
        with self.assert_only_the_content_version_is_read():
            second = self.visit()
        self.assertEqual(first.content, second.content)
        self.assertIn("no-cache", second["Cache-Control"])

    def test_a_listing_from_the_cache_reads_the_content_version_once(self):
        self.visit("/activities/2019/")
        with self.assert_only_the_content_version_is_read():
            self.assertContains(self.visit("/activities/2019/"), "2019")

    def test_an_etag_is_answered_with_304(self):
        etag = self.visit()["ETag"]
        response = self.client.get(PERU_PAGE, headers={"If-None-Match": etag})
        self.assertEqual(response.status_code, 304)
        self.assertEqual(response.content, b"")

    def test_an_admin_edit_shows_on_the_next_request(self):
        self.visit()
        self.client.force_login(self.publisher)
        activity = Activity.objects.get(slug=LITTER)
        url = reverse("admin:activities_activity_change", args=[activity.pk])
        data = admin_form_data(self.client.get(url).content.decode(), "activity_form")
        data["text"] = "Corrected in the admin."
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.client.logout()
        self.assertContains(self.visit(), "Corrected in the admin.")

    def test_publishing_and_unpublishing_show_on_the_next_request(self):
        self.assertContains(self.visit(f"/activities/{RAURA}/"), "Raura")
        raura = Activity.objects.get(slug=RAURA)
        unpublish(raura, user=self.publisher)
        self.assertEqual(self.visit(f"/activities/{RAURA}/").status_code, 404)
        self.assertNotContains(self.visit(), "Raura Mine")
        publish(raura, user=self.publisher)
        self.assertContains(self.visit(), "Raura Mine")

    def test_a_snapshot_loaded_or_replaced_by_command_shows_on_the_next_request(self):
        self.assertEqual(self.visit(ARCHIVED_PERU_PAGE).status_code, 404)
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
        self.assertContains(self.visit(ARCHIVED_PERU_PAGE), "Raura Mine")
        fixture = json.loads(SNAPSHOT.read_text())
        opening = next(record for record in fixture if record["model"] == "activities.richtext")
        opening["fields"]["text"] = "<p>An introduction from a replaced snapshot.</p>"
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "changed-snapshot.json"
            path.write_text(json.dumps(fixture))
            call_command("load_snapshot", str(path), "--replace", "--user", self.publisher.username,
                         stdout=io.StringIO())
        self.assertContains(self.visit(ARCHIVED_PERU_PAGE), "An introduction from a replaced snapshot.")

    def test_a_change_in_plain_sql_shows_on_the_next_request(self):
        # The database moves the version on, whatever wrote: here no Django model at all.
        self.visit()
        table = Activity._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET text = %s WHERE slug = %s", ["Changed by a script.", RAURA])
        self.assertContains(self.visit(), "Changed by a script.")

    def test_a_bulk_insert_by_a_script_shows_on_the_next_request(self):
        name = "National Superintendency of Sanitation Services"
        self.assertNotContains(self.visit("/partners/"), name)
        Partner.objects.bulk_create([Partner(slug="sunass", name=name, status="published")])
        self.assertContains(self.visit("/partners/"), name)

    def test_links_written_in_bulk_show_on_the_next_request(self):
        # A many-to-many table written directly: no model of ours, no signal.
        self.assertNotContains(self.visit("/activities/theme/water-quality/"), RAURA)
        raura, water = Activity.objects.get(slug=RAURA), Theme.objects.get(slug="water-quality")
        Activity.themes.through.objects.bulk_create([Activity.themes.through(activity=raura, theme=water)])
        self.assertContains(self.visit("/activities/theme/water-quality/"), RAURA)

    def test_a_queryset_delete_shows_on_the_next_request(self):
        self.assertContains(self.visit(f"/activities/{RAURA}/"), "Raura")
        Activity.objects.filter(slug=RAURA).delete()
        self.assertEqual(self.visit(f"/activities/{RAURA}/").status_code, 404)

    def test_every_content_table_moves_the_version_on(self):
        tables = set(cache_versions.content_tables())
        self.assertIn(Activity.themes.through._meta.db_table, tables)
        self.assertNotIn(Activity.history.model._meta.db_table, tables, "the history is not shown on pages")
        self.assertEqual(cache_versions.tables_with_triggers() & tables, tables)

    def test_an_update_that_matches_nothing_leaves_the_cached_pages_in_use(self):
        self.visit()
        before = cache_versions.current()
        Activity.objects.filter(slug="no-such-activity").update(text="Nothing.")
        self.assertEqual(cache_versions.current(), before)
        with self.assert_only_the_content_version_is_read():
            self.visit()

    def test_a_rolled_back_change_leaves_the_cached_pages_in_use(self):
        self.visit()
        before = cache_versions.current()
        with self.assertRaises(RuntimeError):
            with transaction.atomic():
                Activity.objects.filter(slug=RAURA).update(text="Never committed.")
                raise RuntimeError("rolled back")
        self.assertEqual(cache_versions.current(), before)
        with self.assert_only_the_content_version_is_read():
            self.assertContains(self.visit(), "Raura Mine")

    def test_a_scheduled_item_appears_at_its_time_despite_the_cache(self):
        activity = Activity.objects.get(slug=RAURA)
        activity.publish_at = timezone.now() + datetime.timedelta(hours=1)
        activity.save()
        addresses = (PERU_PAGE, "/activities/", "/activities/feed/", "/sitemap-activities.xml")
        for address in addresses:
            self.assertNotContains(self.visit(address), RAURA)
        for address in addresses:
            self.assertNotContains(self.visit(address), RAURA)  # now from the cache
        with later(hours=1, seconds=1):
            for address in addresses:
                self.assertContains(self.visit(address), RAURA)

    def test_a_reader_asking_what_changed_since_is_told_of_a_scheduled_item(self):
        # The feed's newest entry is dated March 2020 whatever appears later:
        # only the ETag says whether the feed changed.
        Activity.objects.filter(slug=RAURA).update(publish_at=timezone.now() + datetime.timedelta(hours=1))
        since = {"If-Modified-Since": http_date(time.time())}
        for address in ("/activities/feed/", "/sitemap.xml", "/sitemap-activities.xml"):
            self.assertNotContains(self.client.get(address, headers=since), RAURA)
        with later(hours=1, seconds=1):
            for address in ("/activities/feed/", "/sitemap-activities.xml"):
                self.assertContains(self.client.get(address, headers=since), RAURA)
            self.assertEqual(self.client.get("/sitemap.xml", headers=since).status_code, 200)

    def test_the_next_scheduled_time_is_looked_up_once_per_change(self):
        Activity.objects.filter(slug=RAURA).update(publish_at=timezone.now() + datetime.timedelta(hours=1))
        self.visit("/activities/2019/")  # looks up the next publication time and writes it down
        with self.assert_only_the_content_version_is_read():
            self.visit("/activities/2019/")

    def test_staff_are_never_served_or_stored(self):
        Activity.objects.filter(slug=LITTER).update(status="draft")
        self.client.force_login(self.publisher)
        preview = self.visit()
        self.assertContains(preview, "Draft, not public.")
        self.assertIn("no-store", preview["Cache-Control"])
        self.client.logout()
        self.assertNotContains(self.visit(), "Draft, not public.")
        self.client.force_login(self.publisher)
        self.assertContains(self.visit(), "Draft, not public.", msg_prefix="not the visitors' cached copy")

    def test_the_contact_form_is_never_cached(self):
        response = self.visit("/contact/")
        self.assertIn("no-store", response["Cache-Control"])


class ContentVersionTests(TestCase):
    def test_a_flushed_database_starts_a_version_no_old_page_can_meet(self):
        first = cache_versions.current()
        ContentVersion.objects.all().delete()
        self.assertIsNone(cache_versions.current(), "the first request after it is served uncached")
        second = cache_versions.current()
        self.assertIsNotNone(second)
        self.assertNotIn(second, range(first - 1000, first + 1000))

    def test_migrate_moves_the_version_on(self):
        before = cache_versions.current()
        call_command("migrate", verbosity=0)
        self.assertEqual(cache_versions.current(), before + 1)


class HealthTests(TestCase):
    def test_healthz_answers_ok_with_a_database_round_trip(self):
        with self.assertNumQueries(1):
            response = self.client.get("/healthz")
        self.assertEqual((response.status_code, response.content), (200, b"ok"))
        self.assertIn("no-cache", response["Cache-Control"])

    def test_healthz_is_503_when_the_database_is_down(self):
        with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
            with self.assertLogs("coop_site.views", "ERROR"):
                response = self.client.get("/healthz")
        self.assertEqual((response.status_code, response.content), (503, b"database unavailable"))

    @override_settings(CACHE_MIDDLEWARE_SECONDS=600)
    def test_with_the_page_cache_on_a_database_outage_is_a_503_and_the_process_still_lives(self):
        # The page cache asks the database for the content version first.
        with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
            with self.assertLogs("coop_site", "WARNING"):
                statuses = (self.client.get("/healthz").status_code, self.client.get("/healthz/live").status_code)
        self.assertEqual(statuses, (503, 200))

    def test_health_checks_answer_whatever_the_host_and_nothing_else_does(self):
        for host in ("10.0.3.7", "10.0.3.7:8000", "[fd00::7]", "balancer.internal"):
            self.assertEqual(self.client.get("/healthz/live", HTTP_HOST=host).status_code, 200, host)
            self.assertEqual(self.client.get("/healthz", HTTP_HOST=host).status_code, 200, host)
            with self.assertLogs("django.security.DisallowedHost", "ERROR"):
                self.assertEqual(self.client.get("/about-this-archive/", HTTP_HOST=host).status_code, 400, host)
            with self.assertLogs("django.security.DisallowedHost", "ERROR"):
                self.assertEqual(self.client.get("/healthz/live/", HTTP_HOST=host).status_code, 400, host)

    def test_liveness_needs_no_database(self):
        with self.assertNumQueries(0):
            response = self.client.get("/healthz/live")
        self.assertEqual((response.status_code, response.content), (200, b"ok"))


class ErrorPageTests(TestCase):
    """What a visitor sees when the site fails: the site's own pages, never a
    stack trace or Django's bare "Server Error (500)"."""

    def setUp(self):
        self.client.raise_request_exception = False

    def get_failing(self, error):
        with mock.patch("activities.views.selectors.current_pages", side_effect=error), \
                self.assertLogs("django.request", "ERROR") as logged:
            response = self.client.get("/")
        self.assertIn(type(error).__name__, "\n".join(logged.output))  # the error is in the log
        return response

    def test_an_error_is_a_500_in_the_sites_look(self):
        response = self.get_failing(ValueError("a bug"))
        self.assertEqual(response.status_code, 500)
        html = response.content.decode()
        self.assertIn("<h1>Something went wrong</h1>", html)
        self.assertIn("An official website of the United States government", html)  # the banner
        self.assertIn("Contact Us", html)  # the footer
        self.assertNotIn("a bug", html)
        self.assertNotIn("Traceback", html)
        self.assertEqual(response["Cache-Control"], "no-store")

    def test_a_database_that_cannot_be_reached_is_a_503_to_try_again(self):
        for error in (OperationalError("connection refused"), InterfaceError("connection already closed")):
            response = self.get_failing(error)
            self.assertEqual(response.status_code, 503, error)
            self.assertEqual(response["Retry-After"], "30")
            html = response.content.decode()
            self.assertIn("<h1>This page is temporarily unavailable</h1>", html)
            self.assertIn("An official website of the United States government", html)
            self.assertNotIn("connection", html.split("<main")[1].split("database")[0])

    @override_settings(CACHE_MIDDLEWARE_SECONDS=600)
    def test_a_database_outage_reaching_every_query_is_a_503(self):
        with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")), \
                self.assertLogs("django.request", "ERROR"), self.assertLogs("core", "WARNING"):
            for address in (PERU_PAGE, "/activities/", "/activities/feed/", "/sitemap.xml", "/partners/"):
                response = self.client.get(address)
                self.assertEqual((response.status_code, response["Retry-After"]), (503, "30"), address)


@override_settings(CACHE_MIDDLEWARE_SECONDS=600)
class CompressionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()

    def setUp(self):
        cache.clear()

    def test_pages_are_gzipped_for_browsers_that_take_it_from_the_cache_too(self):
        plain = self.client.get(PERU_PAGE)
        self.assertNotIn("Content-Encoding", plain)
        for _ in ("made", "from the cache"):
            response = self.client.get(PERU_PAGE, headers={"Accept-Encoding": "gzip, deflate, br"})
            self.assertEqual(response["Content-Encoding"], "gzip")
            self.assertIn("Accept-Encoding", response["Vary"])
            self.assertEqual(gzip.decompress(response.content), plain.content)
            self.assertLess(len(response.content), len(plain.content) / 3)
        self.assertEqual(self.client.get(PERU_PAGE).content, plain.content, "a browser without gzip gets it plain")

    def test_a_compressed_page_is_still_answered_304(self):
        first = self.client.get("/activities/", headers={"Accept-Encoding": "gzip"})
        again = self.client.get("/activities/", headers={"Accept-Encoding": "gzip", "If-None-Match": first["ETag"]})
        self.assertEqual(again.status_code, 304)

    def test_feeds_and_forms_are_compressed_too(self):
        for address in ("/activities/feed/", "/sitemap-activities.xml", "/contact/"):
            response = self.client.get(address, headers={"Accept-Encoding": "gzip"})
            self.assertEqual((response.status_code, response.get("Content-Encoding")), (200, "gzip"), address)


class UnreadParameterTests(TestCase):
    """A parameter that a page's view does not read is redirected away, so
    that each page has one address and one cache entry."""

    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()
        cls.publisher = staff_user("publisher", "Publishers")

    def test_parameters_a_page_does_not_read_are_redirected_away(self):
        for address, target in (
            (f"{PERU_PAGE}?utm_source=mail", PERU_PAGE),
            ("/?a=1&b=2", "/"),
            ("/activities/peru-2019-08-eab-adjudication-course/?x", "/activities/peru-2019-08-eab-adjudication-course/"),
            ("/archive/?fbclid=abc", "/archive/"),
            ("/archive/compare/?page=peru&from=2021-01-19&to=live&x=1",
             "/archive/compare/?page=peru&from=2021-01-19&to=live"),
            ("/contact/?page=/partners/&spam=1", "/contact/?page=%2Fpartners%2F"),
            ("/sitemap.xml?p=1&q=2", "/sitemap.xml?p=1"),
        ):
            response = self.client.get(address)
            self.assertEqual((response.status_code, response.get("Location")), (301, target), address)

    def test_what_a_page_reads_is_kept(self):
        for address in ("/archive/compare/?page=peru&from=2021-01-19&to=2021-01-19", "/contact/?page=/partners/",
                        "/sitemap.xml?p=1"):
            self.assertEqual(self.client.get(address).status_code, 200, address)

    def test_the_admin_and_signed_in_staff_are_left_alone(self):
        self.assertEqual(self.client.get("/admin/login/?next=/admin/").status_code, 200)
        self.client.force_login(self.publisher)
        self.assertEqual(self.client.get(f"{PERU_PAGE}?anything=1").status_code, 200)
        self.assertEqual(self.client.get("/admin/activities/activity/?status__exact=draft").status_code, 200)


class JsonLogTests(SimpleTestCase):
    def test_each_record_is_one_json_line(self):
        try:
            raise ValueError("bad value")
        except ValueError:
            record = logging.LogRecord("coop_site.views", logging.ERROR, __file__, 1, "Failed for %s", ("x",),
                                       sys.exc_info())
        record.request = mock.Mock(method="GET", path="/healthz")
        record.status_code = 503
        line = JsonFormatter().format(record)
        self.assertNotIn("\n", line)
        entry = json.loads(line)
        self.assertEqual(
            {key: entry[key] for key in ("level", "logger", "message", "method", "path", "status")},
            {"level": "ERROR", "logger": "coop_site.views", "message": "Failed for x", "method": "GET",
             "path": "/healthz", "status": 503},
        )
        self.assertIn("ValueError: bad value", entry["exception"])


REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


@override_settings(CACHES={**settings.CACHES, "default": {"BACKEND": REDIS_CACHE, "LOCATION": REDIS_TEST_URL}})
class RedisPageCacheTests(PageCacheTests):
    """The same, on the Redis cache that several hosts share (database 15 of the local Redis)."""

    def setUp(self):
        try:
            redis.Redis.from_url(REDIS_TEST_URL).ping()
        except redis.exceptions.ConnectionError as error:
            self.skipTest(f"no Redis at {REDIS_TEST_URL}: {error}")
        cache.clear()

    def test_parameters_no_page_reads_make_no_cache_entry(self):
        redis_db = redis.Redis.from_url(REDIS_TEST_URL)
        for address in (PERU_PAGE, "/activities/2019/", "/partners/"):
            self.visit(address)
        stored = redis_db.dbsize()
        for n in range(30):
            for address in (PERU_PAGE, "/activities/2019/", "/partners/"):
                response = self.visit(f"{address}?utm_source=mail&n={n}")
                self.assertEqual((response.status_code, response["Location"]), (301, address))
        self.assertEqual(redis_db.dbsize(), stored)

    def test_browsers_accept_encoding_headers_share_the_compressed_copy(self):
        redis_db = redis.Redis.from_url(REDIS_TEST_URL)
        self.client.get(PERU_PAGE, headers={"Accept-Encoding": "gzip, deflate, br"})
        stored = redis_db.dbsize()
        for accepted in ("gzip, deflate, br, zstd", "br, gzip", "gzip", "gzip;q=1.0, identity; q=0.5"):
            response = self.client.get(PERU_PAGE, headers={"Accept-Encoding": accepted})
            self.assertEqual(response["Content-Encoding"], "gzip", accepted)
        self.assertEqual(redis_db.dbsize(), stored)

    def test_a_hit_asks_redis_nothing(self):
        self.visit()
        shared = caches["default"]
        with mock.patch.object(shared, "get", wraps=shared.get) as get:
            with self.assert_only_the_content_version_is_read():
                self.visit()
        self.assertEqual(get.call_count, 0, "this process's copy answers")

    def test_another_process_finds_the_page_in_redis(self):
        first = self.visit()
        pages_in_memory.clear()  # as a process that has not seen it
        shared = caches["default"]
        with mock.patch.object(shared, "get", wraps=shared.get) as get:
            with self.assert_only_the_content_version_is_read():
                second = self.visit()
        self.assertEqual(first.content, second.content)
        self.assertGreater(get.call_count, 0)

    def test_a_change_made_on_another_host_shows_at_once(self):
        self.assertContains(self.visit(), "Raura Mine")  # now kept in this process's memory too
        # Another host changes the content: the database moves the version on.
        Activity.objects.filter(slug=RAURA).update(text="Changed on another host.")
        self.assertContains(self.visit(), "Changed on another host.")


@override_settings(
    # Nothing listens on port 1: every connection is refused, as in an outage.
    CACHES={**settings.CACHES, "default": {"BACKEND": REDIS_CACHE, "LOCATION": "redis://127.0.0.1:1/0",
                        "OPTIONS": {"socket_connect_timeout": 0.5}}},
    CACHE_MIDDLEWARE_SECONDS=600,
)
class RedisOutageTests(TestCase):
    """Without its Redis, the site still answers, uncached, and logs the outage once."""

    @classmethod
    def setUpTestData(cls):
        load_peru_as_live_version()

    def setUp(self):
        page_cache.PageCache.unreachable_until = 0.0  # each test meets the outage afresh

    def test_pages_are_served_uncached_and_changes_show_at_once(self):
        with self.assertLogs("core.page_cache", "ERROR") as logged:
            first = self.client.get(PERU_PAGE)
            Activity.objects.filter(slug=RAURA).update(text="Changed while Redis was away.")
            second = self.client.get(PERU_PAGE)
            listing = self.client.get("/activities/2020/")
        self.assertEqual((first.status_code, second.status_code, listing.status_code), (200, 200, 200))
        self.assertContains(first, "Raura Mine")
        self.assertContains(second, "Changed while Redis was away.")
        self.assertEqual(len(logged.records), 1, "one line for the outage, not one a request")
        self.assertIn("Redis cache failed", logged.output[0])

    @override_settings(CONTACT_RATE_LIMIT=2)
    def test_the_contact_limit_still_holds(self):
        statuses = [self.client.post(reverse("contact:form"), {**VALID, "subject": f"Message {n}"}).status_code
                    for n in range(3)]
        self.assertEqual(statuses, [302, 302, 429])
        self.assertEqual(Message.objects.count(), 2)

    def test_redis_is_asked_again_after_a_pause(self):
        with self.assertLogs("core.page_cache", "ERROR") as logged:
            self.client.get(PERU_PAGE)
            self.client.get(PERU_PAGE)
            with mock.patch("time.monotonic", return_value=time.monotonic() + page_cache.OUTAGE_PAUSE + 1):
                self.client.get("/activities/")
        self.assertEqual(len(logged.records), 2)


@override_settings(
    # A REDIS_URL that names another service (PostgreSQL's port here) fails the same way.
    CACHES={**settings.CACHES, "default": {"BACKEND": REDIS_CACHE, "LOCATION": "redis://127.0.0.1:5432/0",
                        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}},
)
class NotRedisTests(RedisOutageTests):
    pass


@override_settings(CACHE_MIDDLEWARE_SECONDS=600)
class HeadRequestTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())

    def test_head_has_no_body_even_from_the_cache(self):
        # Straight through the WSGI handler, as gunicorn calls it (the test
        # client would drop a HEAD body by itself).
        handler = WSGIHandler()
        environ = RequestFactory().get(PERU_PAGE).environ
        length = len(b"".join(handler(environ, lambda status, headers: None)))
        for _ in range(2):  # the second is answered from the cache
            headers = {}
            body = b"".join(handler({**environ, "REQUEST_METHOD": "HEAD"},
                                    lambda status, response_headers: headers.update(response_headers)))
            self.assertEqual(body, b"")
            self.assertEqual(int(headers["Content-Length"]), length)
