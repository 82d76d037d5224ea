from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView, TemplateView

from activities import sitemaps as activities_sitemaps
from activities.open_data import catalog
from activities.views import PageIndexView, SearchView
from core.middleware import reads_query
from core.page_cache import etag_only
from partners import sitemaps as partners_sitemaps

from .sitemaps import SitewideSitemap

FAVICON = "uswds/img/favicons/favicon.ico"

# sitemap.xml's sections, by name (/sitemap-<name>.xml), in the index's order.
SITEMAPS = {"pages": SitewideSitemap, **activities_sitemaps.SITEMAPS, **partners_sitemaps.SITEMAPS}

urlpatterns = [
    path("", PageIndexView.as_view(template_name="home.html"), name="home"),
    path("", include("activities.urls")),
    path("", include("partners.urls")),
    path("search/", reads_query("q", "page")(SearchView.as_view()), name="search"),
    path("about-this-archive/", TemplateView.as_view(template_name="about_archive.html"), name="about_archive"),
    path("exit-disclaimer/", TemplateView.as_view(template_name="exit_disclaimer.html"), name="exit_disclaimer"),
    path("contact/", include("contact.urls")),
    path(
        "sitemap.xml", reads_query("p")(etag_only(sitemap_views.index)), {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.index",
    ),
    # The pages' section was "programs" before pages were called pages.
    path(
        "sitemap-programs.xml",
        reads_query("p")(RedirectView.as_view(url="/sitemap-current-pages.xml", permanent=True, query_string=True)),
    ),
    path(
        "sitemap-<section>.xml", reads_query("p")(etag_only(sitemap_views.sitemap)), {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    # Asked for by browsers and crawlers that do not read the pages' <link rel="icon">.
    path("favicon.ico", RedirectView.as_view(permanent=True, get_redirect_url=lambda: static(FAVICON))),
    path("data.json", catalog, name="data_catalog"),
    path("robots.txt", TemplateView.as_view(template_name="robots.txt", content_type="text/plain"), name="robots"),
    # The messages' admin pages of before the contact app, linked to from notification mails sent then.
    re_path(
        r"^admin/coop_site/message/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/contact/message/%(rest)s", permanent=True, query_string=True),
    ),
    # The pages' admin pages of before pages were called pages (bookmarks, links in mails).
    re_path(
        r"^admin/activities/program/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/activities/page/%(rest)s", permanent=True, query_string=True),
    ),
    path("admin/", admin.site.urls),
]

handler500 = "coop_site.views.server_error"
