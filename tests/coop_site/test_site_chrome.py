"""What frames every page: the admin's names and the site's icon."""

import io

from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import TestCase

from tests.html import PERU_PAGE, SNAPSHOT


class AdminBrandingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.staff = User.objects.create_superuser("chief", "chief@example.gov", "pw-long-enough-1")

    def test_the_admin_names_the_site_not_django(self):
        for signed_in in (False, True):
            if signed_in:
                self.client.force_login(self.staff)
            html = self.client.get("/admin/" if signed_in else "/admin/login/").content.decode()
            self.assertIn("U.S. EPA International Cooperation: site administration", html)
            self.assertIn("| EPA International Cooperation admin</title>", html)
            self.assertNotIn("Django administration", html)
            self.assertRegex(html, r'<link rel="icon" href="/static/uswds/img/favicons/favicon[.\w]*\.ico">')

    def test_the_admin_home_says_what_it_holds(self):
        self.client.force_login(self.staff)
        self.assertContains(self.client.get("/admin/"), "Pages, activities, partners and messages")


class FaviconTests(TestCase):
    def test_pages_name_their_icon_and_favicon_ico_leads_to_it(self):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
        html = self.client.get(PERU_PAGE).content.decode()
        icon = html.split('<link rel="icon" href="')[1].split('"')[0]
        response = self.client.get("/favicon.ico")
        self.assertEqual((response.status_code, response["Location"]), (301, icon))
