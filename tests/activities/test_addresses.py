from django.test import SimpleTestCase
from django.urls import reverse


class AddressTests(SimpleTestCase):
    """The activities app's addresses, one namespace, at the public paths they always had."""

    def test_each_name_gives_its_public_address(self):
        for name, kwargs, address in (
            ("activities:page_index", {}, "/international-cooperation/"),
            ("activities:page_detail", {"slug": "epa-collaboration-peru"}, "/international-cooperation/epa-collaboration-peru/"),
            ("activities:activity_list", {}, "/activities/"),
            ("activities:activity_feed", {}, "/activities/feed/"),
            ("activities:activity_year", {"year": 2019}, "/activities/2019/"),
            ("activities:activity_year_feed", {"year": 2019}, "/activities/2019/feed/"),
            ("activities:activity_theme", {"theme": "mercury"}, "/activities/theme/mercury/"),
            ("activities:activity_theme_feed", {"theme": "mercury"}, "/activities/theme/mercury/feed/"),
            ("activities:activity_detail", {"slug": "peru-2019-08-eab-adjudication-course"},
             "/activities/peru-2019-08-eab-adjudication-course/"),
            ("activities:archive_index", {}, "/archive/"),
            ("activities:compare", {}, "/archive/compare/"),
            ("activities:archived_page", {"date": "2021-01-19", "slug": "epa-collaboration-peru"},
             "/archive/2021-01-19/international-cooperation/epa-collaboration-peru/"),
        ):
            self.assertEqual(reverse(name, kwargs=kwargs), address, name)
