"""The form that picks two versions of a page to compare, and the site search's."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms

from core.forms import SubmitButton

from . import selectors
from .models import LIVE
from .search import search_terms

# The version the page's address shows: the live one, else the newest snapshot.
CURRENT = "current"


def version_order(name):
    """Oldest snapshot first, the live version last."""
    return (name == LIVE, name)


class VersionCompareForm(forms.Form):
    """?page=peru&from=2021-01-19&to=live. The page may be named by its slug,
    the slug's last word or its country; a version by its date, "live" or
    "current" (what the page's address shows)."""

    page = forms.CharField(label="Page", widget=forms.Select)
    older = forms.CharField(label="From version", widget=forms.Select)
    newer = forms.CharField(label="To version", widget=forms.Select)

    # The address says from= and to=; "from" is a Python keyword, so the
    # fields are named older and newer and given those names in the form.
    def add_prefix(self, field_name):
        return {"older": "from", "newer": "to"}.get(field_name, field_name)

    def __init__(self, *args, pages, **kwargs):
        super().__init__(*args, **kwargs)
        self.pages = list(pages.order_by("title", "slug", "archived_on"))
        titles = {page.slug: page.title for page in self.pages}
        self.fields["page"].widget.choices = list(titles.items())
        versions = sorted({page.version_name for page in self.pages}, key=version_order)
        labels = {page.version_name: page.version_label for page in self.pages}
        for name in ("older", "newer"):
            self.fields[name].widget.choices = [(version, labels[version]) for version in versions]
        self.helper = FormHelper(self)
        self.helper.form_method = "get"
        self.helper.form_class = "usa-form compare-form"
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout("page", "older", "newer")
        self.helper.add_input(SubmitButton("", "Compare", css_id="compare-versions"))

    def clean_page(self):
        name = self.cleaned_data["page"]
        slugs = selectors.page_slugs_named(name, self.pages)
        if not slugs:
            raise forms.ValidationError(f"There is no page “{name}”: choose one from the list.")
        if len(slugs) > 1:
            raise forms.ValidationError(f"“{name}” names several pages: choose one from the list.")
        return slugs[0]

    def clean(self):
        cleaned_data = super().clean()
        slug = cleaned_data.get("page")
        if slug is None:
            return cleaned_data
        versions = {page.version_name: page for page in self.pages if page.slug == slug}
        known = ", ".join(sorted(versions, key=version_order))
        versions[CURRENT] = versions[max(versions, key=version_order)]
        for name in ("older", "newer"):
            wanted = cleaned_data.get(name)
            if wanted is not None and wanted not in versions:
                self.add_error(name, f"This page has no version “{wanted}”; its versions are: {known}.")
            elif wanted is not None:
                cleaned_data[name] = versions[wanted]
        return cleaned_data


class SearchForm(forms.Form):
    """/search/?q=: the words to look for."""

    q = forms.CharField(
        label="Search this site", max_length=200,
        error_messages={
            "required": "Type the words to look for.",
            "max_length": "Search for at most %(limit_value)d characters (this has %(show_value)d).",
        },
    )

    def clean_q(self):
        query = self.cleaned_data["q"]
        if not search_terms(query):
            raise forms.ValidationError(
                "“%(query)s” holds no word to look for: search for words of letters or digits.",
                params={"query": query},
            )
        return query
