"""What one worker serves, every worker serves: the site under gunicorn with
two workers (as `make run` serves it), then on two hosts sharing the database
and Redis (as production does). After each kind of change, 40 requests in a
row, spread over every worker and host, must all show the new state.

These start real servers and run manage.py as an operator would, so they take
a while (about a minute a class)."""

import datetime
import json
import os
import threading

from django.conf import settings
from django.test import SimpleTestCase

from tests.contact.test_contact import VALID
from tests.content import LITTER, RAURA, dated
from tests.forms import admin_form_data
from tests.html import PERU_PAGE, SNAPSHOT
from tests.serving import Browser, Site, fixture_file, form_error

REQUESTS = 40
PUBLISHER = ("publisher", "a long passphrase")
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


class MakeRunWorkersTests(SimpleTestCase):
    """`make run`: one gunicorn, two workers, each with its own memory cache."""

    site_options = {"hosts": 1}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.site = Site(CACHE_PAGE_SECONDS="600", **cls.site_options).start()
        cls.addClassCleanup(cls.site.stop)
        cls.visitors = cls.site.browsers()
        # The archived page is read-only: editors work on a published live version of it.
        cls.site.shell(
            "from django.contrib.auth import get_user_model\n"
            "from activities import services\n"
            "from activities.models import Page\n"
            "from core.services import publish\n"
            f"user = get_user_model().objects.create_superuser('{PUBLISHER[0]}', 'p@example.gov', '{PUBLISHER[1]}')\n"
            "peru = Page.objects.get(slug='epa-collaboration-peru')\n"
            "publish(services.start_live_version(peru, user=user), user=user)\n"
        )

    def visit(self, path, n=0):
        return self.visitors[n % len(self.visitors)].get(path)

    def warm(self, *paths):
        """Each worker of each host caches the page as it is now: requests in
        parallel, so that no worker is left out."""

        def visit_all(offset):
            for n in range(12):
                for path in paths:
                    self.visit(path, n + offset)

        threads = [threading.Thread(target=visit_all, args=(offset,)) for offset in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def assert_every_request_shows(self, path, shows, what):
        """REQUESTS requests in a row, over every host: each shows the new state."""
        stale = [n for n in range(REQUESTS) if not shows(self.visit(path, n))]
        self.assertEqual(stale, [], f"after {what}, {len(stale)} of {REQUESTS} requests to {path} showed the old state")

    def assert_every_request_contains(self, path, text, what):
        self.assert_every_request_shows(path, lambda r: r.status == 200 and text in r.text, what)

    def assert_every_request_lacks(self, path, text, what):
        self.assert_every_request_shows(path, lambda r: text not in r.text, what)

    def live_activity(self, slug):
        return int(self.site.shell(
            "from activities.models import Activity\n"
            f"print(Activity.objects.get(slug='{slug}', page__archived_on=None).pk)"
        ))

    def test_an_admin_edit(self):
        self.warm(PERU_PAGE, f"/activities/{LITTER}/")
        editor = Browser(self.site.ports[0])
        editor.sign_in(*PUBLISHER)
        url = f"/admin/activities/activity/{self.live_activity(LITTER)}/change/"
        data = admin_form_data(editor.get(url).text, "activity_form")
        data["text"] = "Edited in the admin, and seen by every worker."
        response = editor.post(url, data)
        self.assertEqual(response.status, 302, form_error(response.text))
        for path in (PERU_PAGE, f"/activities/{LITTER}/"):
            self.assert_every_request_contains(path, "seen by every worker", "an admin edit")

    def test_an_admin_action(self):
        slug = "peru-2019-08-eab-adjudication-course"
        self.warm(PERU_PAGE, f"/activities/{slug}/", "/activities/2019/")
        publisher = Browser(self.site.ports[0])
        publisher.sign_in(*PUBLISHER)
        changelist = "/admin/activities/activity/"
        data = admin_form_data(publisher.get(changelist).text, "changelist-form")
        data.update(action="unpublish_selected", _selected_action=[str(self.live_activity(slug))])
        confirmation = publisher.post(changelist, data)
        self.assertEqual(confirmation.status, 200)
        response = publisher.post(changelist, admin_form_data(confirmation.text))
        self.assertEqual(response.status, 302, form_error(response.text))
        self.assert_every_request_shows(f"/activities/{slug}/", lambda r: r.status == 404, "unpublishing in the admin")
        self.assert_every_request_lacks("/activities/2019/", slug, "unpublishing in the admin")

    def test_a_service_called_from_a_script(self):
        self.warm(f"/activities/{RAURA}/", "/activities/feed/")
        self.site.shell(
            "from django.contrib.auth import get_user_model\n"
            "from activities.models import Activity\n"
            "from core.services import unpublish\n"
            f"unpublish(Activity.objects.get(slug='{RAURA}', page__archived_on=None),"
            f" user=get_user_model().objects.get(username='{PUBLISHER[0]}'))\n"
        )
        self.assert_every_request_shows(f"/activities/{RAURA}/", lambda r: r.status == 404, "a service's unpublish")
        self.assert_every_request_lacks("/activities/feed/", RAURA, "a service's unpublish")

    def test_queryset_writes_from_the_shell(self):
        slug = "peru-2018-04-public-participation-training"
        self.warm(PERU_PAGE, "/partners/")
        self.site.shell(
            "from activities.models import Activity\n"
            f"Activity.objects.filter(slug='{slug}', page__archived_on=None).update(text='Updated by a script.')"
        )
        self.assert_every_request_contains(PERU_PAGE, "Updated by a script.", "QuerySet.update()")
        self.site.shell(
            "from partners.models import Partner\n"
            "Partner.objects.bulk_create([Partner(slug='sunass', name='Sanitation Services Superintendency',"
            " status='published')])"
        )
        self.assert_every_request_contains("/partners/", "Sanitation Services Superintendency", "bulk_create()")
        self.warm("/partners/sunass/")
        self.site.shell("from partners.models import Partner\nPartner.objects.filter(slug='sunass').delete()")
        self.assert_every_request_shows("/partners/sunass/", lambda r: r.status == 404, "QuerySet.delete()")
        self.assert_every_request_lacks("/partners/", "Sanitation Services Superintendency", "QuerySet.delete()")

    def test_load_snapshot_and_snapshot_commands(self):
        self.warm("/archive/")
        records = dated(json.loads(SNAPSHOT.read_text()), "2022-01-19")  # the same page, archived later
        self.site.manage("load_snapshot", str(fixture_file(self.site.folder.name, records)))
        self.assert_every_request_contains("/archive/", "2022-01-19", "load_snapshot")
        self.site.manage("snapshot", "peru", "--date", "2026-11-01", "--user", PUBLISHER[0])
        self.assert_every_request_contains("/archive/", "2026-11-01", "the snapshot command")

    def test_loaddata(self):
        self.warm("/partners/")
        record = {"model": "partners.partner", "fields": {
            "slug": "ana", "name": "National Water Authority", "acronym": "ANA", "status": "published",
        }}
        self.site.manage("loaddata", str(fixture_file(self.site.folder.name, [record])))
        self.assert_every_request_contains("/partners/", "National Water Authority", "loaddata")

    def test_a_scheduled_publication_arrives_everywhere_within_a_second(self):
        slug = "peru-2017-09-inspection-training"
        addresses = (PERU_PAGE, "/activities/", "/activities/feed/", "/sitemap-activities.xml")
        publish_at = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=6)
        self.site.shell(
            "import datetime\n"
            "from activities.models import Activity\n"
            f"Activity.objects.filter(slug='{slug}', page__archived_on=None)"
            f".update(publish_at=datetime.datetime.fromisoformat('{publish_at.isoformat()}'))"
        )
        for address in addresses:  # each worker caches it without the item
            self.warm(address)
            self.assertNotIn(slug, self.visit(address).text, address)
        wait = (publish_at - datetime.datetime.now(datetime.UTC)).total_seconds() + 1
        self.assertGreater(wait, 0, "the set-up took longer than the schedule: make it later")
        threading.Event().wait(wait)
        for address in addresses:
            self.assert_every_request_contains(address, slug, "its publication time")

    def test_the_contact_limit_counts_across_workers(self):
        accepted = refused = 0
        for n in range(2 * settings.CONTACT_RATE_LIMIT):
            visitor = Browser(self.site.ports[n % len(self.site.ports)])
            visitor.get("/contact/")
            status = visitor.post("/contact/", {**VALID, "subject": f"Message {n}"}).status
            accepted, refused = accepted + (status == 302), refused + (status == 429)
        self.assertEqual((accepted, refused), (settings.CONTACT_RATE_LIMIT, settings.CONTACT_RATE_LIMIT))


class SeveralHostsTests(MakeRunWorkersTests):
    """Production: two hosts of two workers each, sharing the database and Redis."""

    site_options = {
        "hosts": 2,
        "DJANGO_SETTINGS_MODULE": "coop_site.settings.production",
        "DJANGO_SECRET_KEY": "k3y-" + "x9Q" * 20,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "REDIS_URL": REDIS_TEST_URL,
    }
