"""A Publisher loads a snapshot fixture by uploading it in the pages' admin."""

import json

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import reverse

from activities.models import Page
from tests.content import staff_user

MEXICO = settings.BASE_DIR / "fixtures" / "mexico-2021-01-19.json"
UPLOAD = reverse("admin:activities_page_load_snapshot")
CHANGELIST = reverse("admin:activities_page_changelist")


def upload(name, content, **fields):
    return {"fixture": SimpleUploadedFile(name, content, content_type="application/json"), **fields}


class SnapshotUploadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.publisher = staff_user("publisher", "Publishers")
        cls.editor = staff_user("editor", "Editors")

    def setUp(self):
        self.client.force_login(self.publisher)

    def test_a_publisher_loads_a_fixture_and_is_told_what_it_held(self):
        self.assertContains(self.client.get(CHANGELIST), f'href="{UPLOAD}"')
        response = self.client.post(UPLOAD, upload("mexico-2021-01-19.json", MEXICO.read_bytes()), follow=True)
        self.assertRedirects(response, CHANGELIST)
        said = [str(message) for message in get_messages(response.wsgi_request)]
        self.assertEqual(said[0], "Loaded 6 records from mexico-2021-01-19.json:")
        self.assertIn("  activities.itemlist: 2 created, 0 updated, 0 unchanged", said)
        page = Page.objects.get(slug="epa-collaboration-mexico")
        self.assertEqual(page.history.earliest().history_user, self.publisher)
        self.assertEqual(self.client.get(page.get_absolute_url()).status_code, 200)
        again = self.client.post(UPLOAD, upload("mexico-2021-01-19.json", MEXICO.read_bytes()), follow=True)
        self.assertIn("  activities.itemlist: 0 created, 0 updated, 2 unchanged",
                      [str(message) for message in get_messages(again.wsgi_request)])

    def test_a_broken_file_is_refused_whole_naming_the_record_and_field(self):
        records = json.loads(MEXICO.read_text(encoding="utf-8"))
        records[-1]["fields"]["items"] = '<ul><li><a href="partner:nobody">Someone</a></li></ul>'
        response = self.client.post(UPLOAD, upload("mexico.json", json.dumps(records).encode()))
        self.assertEqual(response.status_code, 200)
        error = response.context["form"].errors["fixture"][0]
        self.assertIn("mexico.json: record 6", error)
        self.assertIn("field 'items'", error)
        self.assertIn("Nothing was loaded; the database is as it was.", error)
        self.assertNotIn("/tmp", error, "the file is named as uploaded")
        self.assertFalse(Page.objects.exists())
        for content, problem in ((b"{not json", "mexico.json"), (b"", "The submitted file is empty.")):
            response = self.client.post(UPLOAD, upload("mexico.json", content))
            self.assertIn(problem, " ".join(response.context["form"].errors["fixture"]))
        self.assertFalse(Page.objects.exists())

    def test_a_stored_snapshot_changes_only_when_replaced_on_purpose(self):
        self.client.post(UPLOAD, upload("mexico.json", MEXICO.read_bytes()))
        records = json.loads(MEXICO.read_text(encoding="utf-8"))
        records[2]["fields"]["items"] = "<ul><li>Goal 1: Reduce Air Pollution</li></ul>"
        changed = json.dumps(records).encode()
        refused = self.client.post(UPLOAD, upload("mexico.json", changed))
        self.assertIn("A snapshot does not change", refused.context["form"].errors["fixture"][0])
        self.assertContains(self.client.get(Page.objects.get().get_absolute_url()), "Goal 5")
        self.client.post(UPLOAD, upload("mexico.json", changed, replace="on"))
        self.assertNotContains(self.client.get(Page.objects.get().get_absolute_url()), "Goal 5")

    @override_settings(SNAPSHOT_MAX_BYTES=100)
    def test_a_file_too_large_is_refused_before_it_is_read(self):
        response = self.client.post(UPLOAD, upload("mexico.json", MEXICO.read_bytes()))
        self.assertIn("a snapshot file may be at most 100", response.context["form"].errors["fixture"][0])

    def test_only_publishers_may(self):
        self.client.force_login(self.editor)
        self.assertNotContains(self.client.get(CHANGELIST), f'href="{UPLOAD}"')
        self.assertEqual(self.client.get(UPLOAD).status_code, 403)
        self.assertEqual(self.client.post(UPLOAD, upload("mexico.json", MEXICO.read_bytes())).status_code, 403)
        self.assertFalse(Page.objects.exists())
