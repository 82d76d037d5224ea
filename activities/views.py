import re

from django.db.models import F
from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.views.generic import DetailView, ListView, TemplateView

from core.publishing import PreviewMixin
from core.text import summary, words_of_html

from . import open_data, selectors
from .forms import SearchForm, VersionCompareForm
from .listing import Listing, without_empty_fields
from .models import Activity, Page


class PageIndexView(TemplateView):
    """The web area's pages, by kind: the home page and the International Cooperation index."""

    template_name = "activities/area_index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(pages_by_kind=selectors.pages_by_kind(), **kwargs)


class PageDetailView(PreviewMixin, TemplateView):
    template_name = "activities/page_detail.html"
    preview_model = Page

    at_archive_address = False

    def get_page(self, versions):
        return versions[0] if versions else None

    def get_context_data(self, **kwargs):
        versions = selectors.page_versions(slug=self.kwargs["slug"], drafts=self.preview)
        page = self.get_page(versions)
        if page is None:
            raise Http404("No published page at this address.")
        # A snapshot at its /archive/ address is printed as it was: its dates link nowhere.
        printed = selectors.printed_page(
            page, drafts=self.preview,
            activity_list_url=None if self.at_archive_address else reverse("activities:activity_list"),
        )
        return super().get_context_data(
            at_archive_address=self.at_archive_address,
            # A snapshot at its archive address links to the current version,
            # unless it is the current version itself.
            current_version_url=page.page_url if self.at_archive_address and page != versions[0] else "",
            versions=versions,
            page=page,
            body=printed.body,
            not_public=printed.not_public,
            years=printed.years,
            themes=printed.themes,
            meta_description=page.meta_description or printed.opening,
            **kwargs,
        )


class ArchivedPageView(PageDetailView):
    """One dated snapshot of a page at its own address, whatever version the
    page's address shows now."""

    at_archive_address = True

    def get_page(self, versions):
        return next((version for version in versions if version.archived_on == self.kwargs["date"]), None)


class ArchiveIndexView(TemplateView):
    """Every dated version of every page, with the way to compare them."""

    template_name = "activities/archive_index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(pages=selectors.all_page_versions(), **kwargs)


# The compare view's page parameter before pages were called pages.
OLD_PAGE_PARAMETER = "program"


class CompareView(TemplateView):
    """/archive/compare/?page=peru&from=2021-01-19&to=live: what changed
    between two published versions of a page."""

    template_name = "activities/compare.html"

    def get(self, request, *args, **kwargs):
        # ?program= named the page before pages were called pages: old links move to ?page=.
        if OLD_PAGE_PARAMETER in request.GET:
            query = [
                ("page" if name == OLD_PAGE_PARAMETER else name, value)
                for name, values in request.GET.lists() for value in values
            ]
            return HttpResponsePermanentRedirect(f"{request.path}?{urlencode(query)}")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        form = VersionCompareForm(self.request.GET or None, pages=Page.objects.published())
        comparison = None
        if form.is_valid():
            comparison = selectors.compare_versions(form.cleaned_data["older"], form.cleaned_data["newer"])
        return super().get_context_data(form=form, comparison=comparison, noindex=True, **kwargs)

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response.headers["X-Robots-Tag"] = "noindex"  # a view of other pages, not a page of its own
        return response


def page_links(paginator, page, url):
    """What templates/includes/pagination.html prints: the page numbers around
    ``page`` with their addresses (None for an ellipsis), and the previous and
    next pages' addresses; ``url(number)`` is a page's address."""
    return {
        "page_range": [
            (number, url(number) if isinstance(number, int) else None)
            for number in paginator.get_elided_page_range(page, on_each_side=2, on_ends=1)
        ],
        "previous_page_url": url(page - 1),
        "next_page_url": url(page + 1),
    }


class ActivityListView(ListView):
    """All published activities; the path may fix the year or a theme."""

    paginate_by = 20

    def get(self, request, *args, **kwargs):
        # One address per listing page, so one cache entry. The form's empty
        # fields ("&partner=&q=") go first; then the query string's year or
        # single theme becomes the path, page 1 is dropped, the rest is sorted.
        if moved := without_empty_fields(request):
            return moved
        if "format" in request.GET:
            problem = open_data.format_problem(request.GET.getlist("format"))
            if problem:
                return open_data.bad_request(problem)
        self.listing = Listing.from_request(request, **kwargs)
        if "format" in request.GET:
            return self.data(request.GET["format"])
        page = request.GET.get("page", "1")
        if self.listing.is_valid() and page.isdigit() and int(page) >= 1:  # else a 404, from the paginator
            if moved := self.listing.redirect_to_url(request, page=int(page)):
                return moved
        response = super().get(request, *args, **kwargs)
        if not self.listing.is_valid():
            # An explained empty listing for values that name nothing: answered
            # afresh each time, so that made-up values fill no cache.
            patch_cache_control(response, private=True)
        return response

    def data(self, data_format):
        """Every row of the listing, not a page of it: its data address has no page number."""
        if not self.listing.is_valid():
            return open_data.bad_filters(self.listing)
        if moved := self.listing.redirect_to_url(self.request, data_format=data_format):
            return moved
        return open_data.listing_response(self.request, self.listing, data_format)

    def get_queryset(self):
        return self.listing.activities

    def paginate_queryset(self, queryset, page_size):
        # The facet counts already hold the number of results.
        counts = self.listing.count_facets()
        self.result_count = counts.total if self.listing.is_valid() else 0
        return super().paginate_queryset(queryset, page_size)

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        paginator.count = self.result_count
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(listing=self.listing, **kwargs)
        page = context["page_obj"].number
        chosen = sum(len(value) if isinstance(value, list) else 1 for value in self.listing.active.values())
        context.update(
            canonical_url=self.request.build_absolute_uri(self.listing.url(page=page)),
            meta_description=self.listing.meta_description,
            feed_url=self.listing.url(feed=True),
            # The same rows as data, all pages at once; none for filters that name nothing.
            data_urls={
                data_format: self.listing.url(data_format=data_format) for data_format in open_data.MEDIA_TYPES
            } if self.listing.is_valid() else {},
            # Each page's canonical address, so that following them needs no redirect.
            **page_links(context["paginator"], page, lambda number: self.listing.url(page=number)),
            # Combinations and empty results are not worth a search engine's index.
            noindex=chosen > 1 or not context["paginator"].count,
        )
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if context["noindex"]:
            response.headers["X-Robots-Tag"] = "noindex"
        if context["data_urls"]:
            response.headers["Link"] = ", ".join(
                f'<{url}>; rel="alternate"; type="{open_data.MEDIA_TYPES[data_format]}"'
                for data_format, url in context["data_urls"].items()
            )
        return response


class SearchView(ListView):
    """/search/?q=: the public pages, activities, partners and agreements
    that hold every word, best match first. Never indexed by search engines;
    a query that cannot be searched is explained on an empty page."""

    template_name = "activities/search.html"
    context_object_name = "results"
    paginate_by = 20

    def get(self, request, *args, **kwargs):
        self.form = SearchForm(request.GET if "q" in request.GET else None)
        response = super().get(request, *args, **kwargs)
        if self.form.errors:
            patch_cache_control(response, private=True)  # as a listing's: made-up values fill no cache
        response.headers["X-Robots-Tag"] = "noindex"
        return response

    def get_queryset(self):
        return selectors.search(self.form.cleaned_data["q"]) if self.form.is_valid() else []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(form=self.form, **kwargs)
        query = self.form.cleaned_data["q"] if self.form.is_valid() else ""
        page = context["page_obj"].number

        def page_url(number):
            return "?" + urlencode([("q", query), *([("page", number)] if number > 1 else [])])

        context.update(
            query=query,
            # Back in the search boxes (the header's too), control characters aside.
            search_query=re.sub(r"[\x00-\x1f\x7f]", "", self.request.GET.get("q", "")),
            **page_links(context["paginator"], page, page_url),
        )
        return context


class ActivityDetailView(PreviewMixin, DetailView):
    preview_model = Activity

    def get_queryset(self):
        # Versions of a page share their activities' slugs: a preview shows the
        # live version's, else the newest snapshot's.
        activities = (
            Activity.objects.order_by(F("page__archived_on").desc(nulls_first=True))
            if self.preview else Activity.objects.current()
        )
        return activities.select_related("page", "printed_in").prefetch_related("themes", "partners")

    def get_object(self, queryset=None):
        activity = self.get_queryset().filter(slug=self.kwargs["slug"]).first()
        if activity is None:
            raise Http404("No published activity at this address.")
        return activity

    def get_context_data(self, **kwargs):
        previous_activity, next_activity = selectors.neighbours_on_page(self.object)
        if self.preview:
            kwargs["not_public"] = not Activity.objects.published().filter(pk=self.object.pk).exists()
        return super().get_context_data(
            meta_description=summary(words_of_html(self.object.text)),
            partners_by_slug=selectors.linked_partners(self.object.text),
            previous_activity=previous_activity,
            next_activity=next_activity,
            heading=selectors.heading_above(self.object),
            # Where the page prints it: in its own item, or inside the one it is printed in.
            printed_at=self.object.printed_in.slug if self.object.printed_in_id else self.object.slug,
            **kwargs,
        )
