"""sitemap.xml's section of the site-wide addresses; each app provides its
own sections (its sitemaps module), and urls.py puts them together."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse


class SitewideSitemap(Sitemap):
    """The site-wide pages, which no model is behind: home, indexes, listings."""

    def items(self):
        return [
            "home",
            "activities:page_index",
            "activities:activity_list",
            "partners:partner_list",
            "partners:agreement_list",
            "about_archive",
            "activities:archive_index",
            "exit_disclaimer",
        ]

    def location(self, name):
        return reverse(name)
