"""The activities app's sections of sitemap.xml, each read through ``published()``."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from . import selectors
from .listing import published_years
from .models import Activity, Page, Theme


class PageSitemap(Sitemap):
    """Each page's address, which shows its current version."""

    def items(self):
        return selectors.current_pages()

    def location(self, page):
        return page.page_url

    def lastmod(self, page):
        # A live version: when it last changed; a snapshot: the archive's date.
        if not page.is_snapshot:
            return page.last_changed
        return page.last_updated or page.archived_on


class SnapshotSitemap(Sitemap):
    """Every dated snapshot at its own /archive/ address."""

    def items(self):
        return Page.objects.published().filter(archived_on__isnull=False).order_by("slug", "archived_on")

    def lastmod(self, page):
        return page.last_updated or page.archived_on


class ActivitySitemap(Sitemap):
    def items(self):
        return Activity.objects.current().only("slug").order_by("pk")


class ListingSitemap(Sitemap):
    """The path forms of the listings: one per year and per theme in use."""

    def items(self):
        years = [reverse("activities:activity_year", kwargs={"year": year}) for year in published_years()]
        themes = Theme.objects.filter(activities__in=Activity.objects.current()).distinct().order_by("slug")
        return years + [reverse("activities:activity_theme", kwargs={"theme": theme.slug}) for theme in themes]

    def location(self, path):
        return path


# By section: /sitemap-<section>.xml.
SITEMAPS = {
    "current-pages": PageSitemap,
    "snapshots": SnapshotSitemap,
    "activities": ActivitySitemap,
    "listings": ListingSitemap,
}
