"""The filters of the activity listings, their form and the facet widgets."""

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Layout
from django import forms
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode

from coop_site import page_cache
from coop_site.forms import SubmitButton
from partners.models import Partner

from .models import Activity, Program, Theme
from .search import activities_matching


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
        helper.form_action = reverse("activity:list")
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
                HTML('<a class="usa-button usa-button--outline" href="{% url \'activity:list\' %}">Clear filters</a>'),
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
    program = django_filters.ChoiceFilter(
        field_name="program__slug", label="Country page", empty_label="Any country page",
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
            Program.objects.current().order_by("title").values_list("slug", "title")
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
        """Print the facet counts (a ``selectors.FacetCounts``) beside the choices."""
        self.form.fields["year"].widget.counts = counts.year
        self.form.fields["theme"].widget.counts = counts.theme

    @property
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

    def canonical_url(self, *, page=1, feed=False, data_format=None):
        """One address per listing (or its feed, or its data as ``data_format``,
        every row at once): the year path if a year is chosen, else the theme
        path if exactly one theme is, and the rest as a sorted query string."""
        active = dict(self.active)
        themes = sorted(active.pop("theme", []))
        if "year" in active:
            path = reverse("activity:year", kwargs={"year": active.pop("year")})
        elif len(themes) == 1:
            path = reverse("activity:theme", kwargs={"theme": themes.pop()})
        else:
            path = reverse("activity:list")
        if feed:
            path += "feed/"
        query = [(name, value) for name, value in sorted(active.items())]
        query += [("theme", theme) for theme in themes]
        if data_format:
            query.append(("format", data_format))
        elif page > 1 and not feed:
            query.append(("page", page))
        return path + (f"?{urlencode(sorted(query))}" if query else "")


def published_years():
    """The years of the published activities, newest first; kept in the cache
    until the content changes (a scan of every activity otherwise)."""
    return page_cache.fragment("published-years", lambda: Activity.objects.current().years(), timeout=3600)
