"""The partners app's section of sitemap.xml."""

from django.contrib.sitemaps import Sitemap

from .models import Partner


class PartnerSitemap(Sitemap):
    def items(self):
        return Partner.objects.published().order_by("slug")


# By section: /sitemap-<section>.xml.
SITEMAPS = {"partners": PartnerSitemap}
