"""An activity listing: /activities/, /activities/<year>/ and
/activities/theme/<slug>/, each with its query filters.

A Listing holds what the listing page, its Atom feed and its data (open_data)
share: the filters and their facet counts, the listing's one address (and the
redirect to it) and the words that say what it shows.
"""

import hashlib
from dataclasses import dataclass

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Layout
from django import forms
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.text import slugify

from core import page_cache
from core.forms import SubmitButton
from partners.models import Partner

from .models import Activity, Page, Theme
from .search import activities_matching

# The listing's title where the site is not around it: a feed's, a data file's.
SITE_TITLE = "EPA international cooperation activities"


class FacetOptionsMixin:
    """Adds the number of results beside each choice and disables the choices
    that would give none (a selected one stays enabled so it can be removed)."""

    counts = None  # {value as str: number of results}, set from the facet counts

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if self.counts is not None and value not in ("", None):
            count = self.counts.get(str(value), 0)
            option["count"] = count
            option["facet_label"] = label
            option["label"] = f"{label} ({count})"
            if count == 0 and not selected:
                option["attrs"]["disabled"] = True
        return option


class FacetSelect(FacetOptionsMixin, forms.Select):
    pass


class FacetCheckboxSelectMultiple(FacetOptionsMixin, forms.CheckboxSelectMultiple):
    pass


class ActivityFilterForm(forms.Form):
    @cached_property
    def helper(self):
        helper = FormHelper(self)
        helper.form_method = "get"
        helper.form_action = reverse("activities:activity_list")
        helper.form_class = "usa-form usa-form--large activity-filters"
        helper.attrs = {"role": "search", "aria-label": "Filter activities"}
        helper.layout = Layout(
            "year",
            "theme",
            "partner",
            "program",
            "q",
            Div(
                SubmitButton("", "Apply filters", css_id="apply-filters"),
                HTML('<a class="usa-button usa-button--outline" href="{% url \'activities:activity_list\' %}">Clear filters</a>'),
                css_class="form-buttons",
            ),
        )
        return helper


class ActivityFilterSet(django_filters.FilterSet):
    """Year, themes (any of them), partner, country page and words.

    Every choice list comes from the published content, so a value that names
    nothing is a form error ("Select a valid choice") and never reaches SQL.
    """

    year = django_filters.ChoiceFilter(
        field_name="date__year", label="Year", empty_label="Any year", widget=FacetSelect,
        error_messages={"invalid_choice": "No published activity is from “%(value)s”: choose a year from the list."},
    )
    theme = django_filters.MultipleChoiceFilter(
        field_name="themes__slug", method="with_themes", label="Themes", widget=FacetCheckboxSelectMultiple,
        help_text="Activities on any of the chosen themes.",
        error_messages={"invalid_choice": "There is no theme “%(value)s”: choose themes from the list."},
    )
    partner = django_filters.ChoiceFilter(
        field_name="partners__slug", method="with_partner", label="Partner", empty_label="Any partner",
        error_messages={"invalid_choice": "There is no partner “%(value)s”: choose one from the list."},
    )
    # Its query parameter keeps the name it always had, "program" (public
    # addresses, feeds, data links): "page" numbers the listing's pages.
    program = django_filters.ChoiceFilter(
        field_name="page__slug", label="Country page", empty_label="Any country page",
        error_messages={"invalid_choice": "There is no country page “%(value)s”: choose one from the list."},
    )
    q = django_filters.CharFilter(method="search", label="Words in the text", max_length=200)

    class Meta:
        model = Activity
        fields = []
        form = ActivityFilterForm

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["year"].extra["choices"] = [(str(year), str(year)) for year in published_years()]
        themes = list(Theme.objects.values_list("pk", "slug", "name"))
        self.theme_ids = {slug: pk for pk, slug, _ in themes}
        self.filters["theme"].extra["choices"] = [(slug, name) for _, slug, name in themes]
        self.filters["partner"].extra["choices"] = [
            (partner.slug, str(partner)) for partner in Partner.objects.published().only("slug", "name", "acronym")
        ]
        self.filters["program"].extra["choices"] = list(
            Page.objects.current().order_by("title").values_list("slug", "title")
        )

    # Themes and partners filter through a subquery on the link table, not a
    # join: no row is repeated, so no DISTINCT over the whole result is needed.
    def with_themes(self, queryset, name, slugs):
        # By the themes' ids: a plain list the database can hash, no join.
        links = Activity.themes.through.objects.filter(theme_id__in=[self.theme_ids[slug] for slug in slugs])
        return queryset.filter(pk__in=links.values("activity_id"))

    def with_partner(self, queryset, name, slug):
        links = Activity.partners.through.objects.filter(partner__slug=slug)
        return queryset.filter(pk__in=links.values("activity_id"))

    def search(self, queryset, name, value):
        # The site search's: every word, in any of its forms, accents aside.
        return activities_matching(queryset, value)

    @property
    def active(self):
        """The valid filter values in use, as {name: value}; themes as a list."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.form.cleaned_data.items() if value not in ("", None, [])}

    def queryset_without(self, name):
        """The results with every valid filter but ``name``: what a facet counts against."""
        self.is_valid()
        queryset = self.queryset.all()
        for other, value in self.form.cleaned_data.items():
            if other != name:
                queryset = self.filters[other].filter(queryset, value)
        return queryset

    def show_counts(self, counts):
        """Print the facet counts (FacetCounts) beside the choices."""
        self.form.fields["year"].widget.counts = counts.year
        self.form.fields["theme"].widget.counts = counts.theme


def published_years():
    """The years of the published activities, newest first; kept in the cache
    until the content changes (a scan of every activity otherwise)."""
    return page_cache.fragment("published-years", lambda: Activity.objects.current().years(), timeout=3600)


@dataclass
class FacetCounts:
    """How many results each choice would give, counted against the other filters."""

    year: dict  # {"2019": 6, ...}
    theme: dict  # {"water-quality": 3, ...}
    total: int  # the number of results with every filter


def facet_counts(filterset):
    """How many results each year and theme would give, and the number of
    results: two queries, whatever the number of activities, then kept in the
    cache until the content changes (they scan every activity that matches).

    An activity with several themes counts once per year and once per theme,
    never twice in one count. The year counts also give the number of results
    (the undated ones are counted under the year None), so the listing needs
    no separate COUNT."""
    name = "facets." + hashlib.sha256(repr(sorted(filterset.active.items())).encode()).hexdigest()
    return page_cache.fragment(name, lambda: _count_facets(filterset), timeout=600)


def _count_facets(filterset):
    years = (
        filterset.queryset_without("year")
        .order_by()
        .values("date__year")
        .annotate(results=Count("pk"))
    )
    in_other_filters = filterset.queryset_without("theme").order_by().values("pk")
    themes = (
        Activity.themes.through.objects.filter(activity__in=in_other_filters)
        .order_by()
        .values("theme__slug")
        .annotate(results=Count("activity_id"))
    )
    year_counts = {row["date__year"]: row["results"] for row in years}
    chosen_year = filterset.active.get("year")
    return FacetCounts(
        year={str(year): count for year, count in year_counts.items() if year is not None},
        theme={row["theme__slug"]: row["results"] for row in themes},
        total=year_counts.get(int(chosen_year), 0) if chosen_year else sum(year_counts.values()),
    )


def without_empty_fields(request):
    """A redirect to the same address without the query's empty fields (the
    form's "&partner=&q="), or None if it has none."""
    chosen = [(name, value) for name, values in request.GET.lists() for value in values if value != ""]
    if len(chosen) < sum(len(values) for _, values in request.GET.lists()):
        return redirect(request.path + (f"?{urlencode(chosen)}" if chosen else ""), permanent=True)
    return None


class Listing:
    """The published activities a listing shows, newest first, undated last:
    those its filters (``filterset``, bound) choose."""

    def __init__(self, filterset):
        self.filterset = filterset

    @classmethod
    def of(cls, filters):
        """The listing of ``filters`` (a QueryDict or dict); an invalid value
        is a form error, never an exception."""
        activities = (
            Activity.objects.current()
            .select_related("page")
            .prefetch_related("themes")
            .in_listing_order()
        )
        return cls(ActivityFilterSet(data=filters, queryset=activities))

    @classmethod
    def from_request(cls, request, *, year=None, theme=None):
        """The listing a request asks for: its query string, with the year or
        theme that a path form fixes. A path value that names nothing is a 404."""
        filters = request.GET.copy()
        if year is not None:
            filters.setlist("year", [str(year)])
        if theme is not None:
            filters.setlist("theme", sorted({theme, *filters.getlist("theme")}))
        listing = cls.of(filters)
        form = listing.form
        if year is not None and str(year) not in dict(form.fields["year"].choices):
            raise Http404("No published activity in that year.")
        if theme is not None and theme not in dict(form.fields["theme"].choices):
            raise Http404("No such theme.")
        return listing

    # Its filters and activities.

    def is_valid(self):
        return self.filterset.is_valid()

    @property
    def form(self):
        """The filters' form, with their errors and, once counted, their facet counts."""
        return self.filterset.form

    @property
    def errors(self):
        """{filter name: [its errors]} for the values that name nothing."""
        return self.filterset.form.errors

    @property
    def active(self):
        return self.filterset.active

    @property
    def activities(self):
        """What the listing shows: none for filters that name nothing."""
        return self.filterset.qs if self.is_valid() else self.filterset.queryset.none()

    def count_facets(self):
        """The facet counts (FacetCounts), printed beside the filters' choices."""
        counts = facet_counts(self.filterset)
        self.filterset.show_counts(counts)
        return counts

    # Its address.

    def url(self, *, page=1, feed=False, data_format=None):
        """The one address of the listing (or its feed, or its data as
        ``data_format``, every row at once): the year path if a year is chosen,
        else the theme path if exactly one theme is, and the rest as a sorted
        query string."""
        active = dict(self.active)
        themes = sorted(active.pop("theme", []))
        if "year" in active:
            path = reverse("activities:activity_year", kwargs={"year": active.pop("year")})
        elif len(themes) == 1:
            path = reverse("activities:activity_theme", kwargs={"theme": themes.pop()})
        else:
            path = reverse("activities:activity_list")
        if feed:
            path += "feed/"
        query = [(name, value) for name, value in sorted(active.items())]
        query += [("theme", theme) for theme in themes]
        if data_format:
            query.append(("format", data_format))
        elif page > 1 and not feed:
            query.append(("page", page))
        return path + (f"?{urlencode(sorted(query))}" if query else "")

    def redirect_to_url(self, request, **address):
        """A permanent redirect to the listing's one address (``address`` as
        url() takes it) if ``request`` asked for it by another, else None: one
        address, one cache entry."""
        url = self.url(**address)
        return redirect(url, permanent=True) if url != request.get_full_path() else None

    # What it shows, in words.

    @cached_property
    def description(self):
        """The active filters in words: 'in 2019 on Mercury or Water quality'."""
        active = self.active
        names = {name: dict(self.form.fields[name].choices) for name in ("theme", "partner", "program")}
        words = []
        if "year" in active:
            words.append(f"in {active['year']}")
        if "theme" in active:
            words.append("on " + " or ".join(names["theme"][slug] for slug in active["theme"]))
        if "partner" in active:
            words.append(f"with {names['partner'][active['partner']]}")
        if "program" in active:
            words.append(f"on the page “{names['program'][active['program']]}”")
        if "q" in active:
            words.append(f"containing “{active['q']}”")
        return " ".join(words)

    def _with_description(self, words):
        return f"{words} {self.description}" if self.description else words

    @property
    def title(self):
        """'Activities in 2019 on Mercury': the listing page's title."""
        return self._with_description("Activities")

    @property
    def site_title(self):
        """'EPA international cooperation activities in 2019': the title of its feed and its data."""
        return self._with_description(SITE_TITLE)

    @property
    def meta_description(self):
        """What search engines and shared links show under the title."""
        return (f"Activities of the U.S. EPA's international cooperation "
                f"{self.description or 'with other countries'}, newest first.")

    def file_name(self, extension):
        """The listing in a file's name: activities.csv, activities-in-2019-on-mercury.csv."""
        return "-".join(filter(None, ["activities", slugify(self.description)[:100].strip("-")])) + f".{extension}"
