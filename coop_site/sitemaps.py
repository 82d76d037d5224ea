"""sitemap.xml's section of the site-wide addresses; each app provides its
own sections (its sitemaps module), and urls.py puts them together."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse


class PageSitemap(Sitemap):
    """Pages with no model behind them."""

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
