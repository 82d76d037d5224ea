"""What frames every page: the admin's names and the site's icon."""

from django.contrib.auth.models import User
from django.test import TestCase

from tests.factories import make_page
from tests.html import elements


def icon(html):
    """The address of the icon a page names."""
    (link,) = elements(html, "link", rel="icon")
    return dict(link.attributes)["href"]


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
            self.assertRegex(icon(html), r"^/static/uswds/img/favicons/favicon[.\w]*\.ico$")

    def test_the_admin_home_says_what_it_holds(self):
        self.client.force_login(self.staff)
        self.assertContains(self.client.get("/admin/"), "Pages, activities, partners and messages")


class FaviconTests(TestCase):
    def test_pages_name_their_icon_and_favicon_ico_leads_to_it(self):
        page = make_page()
        response = self.client.get("/favicon.ico")
        for address in (page.get_absolute_url(), "/activities/", "/"):
            self.assertEqual((response.status_code, response["Location"]),
                             (301, icon(self.client.get(address).content.decode())), address)
