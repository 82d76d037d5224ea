"""Reads shared by the public views (and later feeds, sitemaps and exports)."""

import hashlib
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from coop_site import page_cache
from coop_site.publishing import public_condition
from coop_site.text import partner_slugs
from partners.models import Partner

from .comparison import compare_pages
from .filters import ActivityFilterSet
from .models import Activity, Program, Section, Theme
from .search import SearchResults


def current_programs():
    """One published version per page: the live one, else the newest snapshot."""
    return list(Program.objects.current().with_last_change().order_by("title"))


def page_versions(*, slug, drafts=False):
    """The versions of a page: live first, then the snapshots newest first.
    The first is the current one: what the page's address shows. With
    ``drafts`` (a preview), unpublished versions count too."""
    programs = Program.objects.all() if drafts else Program.objects.published()
    return list(
        programs.filter(slug=slug).select_related("contact").with_last_change()
        .order_by(F("archived_on").desc(nulls_first=True))
    )


def all_page_versions():
    """Every published version of every page, as [(title, slug, [versions as page_versions orders them])]."""
    pages = {}
    for program in Program.objects.published().order_by("title", "slug", F("archived_on").desc(nulls_first=True)):
        pages.setdefault(program.slug, (program.title, program.slug, []))[2].append(program)
    for _, _, versions in pages.values():
        for newer, older in zip(versions, [*versions[1:], None]):
            newer.previous_version = older
    return list(pages.values())


def page_slugs_named(name, programs):
    """The slugs of the pages among ``programs`` that ``name`` names: by slug
    ("epa-collaboration-peru"), by the slug's last word ("peru") or by
    country ("Peru"); the first rule that matches anything wins."""
    name = (name or "").strip()
    rules = (
        lambda program: program.slug == name,
        lambda program: program.slug.endswith(f"-{name}"),
        lambda program: program.country.lower() == name.lower(),
    )
    for rule in rules:
        slugs = sorted({program.slug for program in programs if rule(program)})
        if slugs:
            return slugs
    return []


def compare_versions(older, newer, *, drafts=False):
    """What changed from ``older`` to ``newer`` (two versions of a page), as
    the public sees them, or with ``drafts`` as staff do."""
    return compare_pages(program_page(older, drafts=drafts), program_page(newer, drafts=drafts))


@dataclass
class ProgramPage:
    program: Program
    sections: list = field(default_factory=list)  # top-level, each with .subsections and .items
    partners_by_slug: dict = field(default_factory=dict)
    not_public: bool = False  # a preview that shows something the public does not see
    years: list = field(default_factory=list)  # of the printed activities, newest first
    themes: list = field(default_factory=list)  # of the printed activities, by name


def program_page(program, *, drafts=False):
    """Everything the page prints, in a fixed number of queries (4); with
    ``drafts`` (a preview), unpublished sections and activities too."""
    sections = list(
        (Section.objects.all() if drafts else Section.objects.published())
        .filter(program=program)
        .order_by("order", "pk")
    )
    by_id = {section.pk: section for section in sections}
    # The sections are the page's published ones (or all, in a preview), so an
    # activity's own state is the only one left to check. One plain query and
    # a dictionary cost a third of a nested prefetch on this, the busiest page.
    printed_activities = Activity.objects.filter(section__in=list(by_id), printed_in__isnull=True)
    if not drafts:
        printed_activities = printed_activities.filter(public_condition())
    top_level = []
    for section in sections:
        section.subsections, section.items = [], []
    for activity in printed_activities.order_by("order", "pk"):
        by_id[activity.section_id].items.append(activity)
    for section in sections:
        if section.parent_id is None:
            top_level.append(section)
        elif section.parent_id in by_id:  # a child of an unpublished section is not shown
            by_id[section.parent_id].subsections.append(section)

    texts = [program.intro]
    for section in sections:
        texts.append(section.intro)
        texts.extend(activity.text for activity in section.items)
    items = [activity for section in sections for activity in section.items]
    return ProgramPage(
        program=program,
        sections=top_level,
        partners_by_slug=linked_partners(*texts),
        not_public=not all(item.is_published for item in [program, *sections, *items]),
        years=sorted({activity.date.year for activity in items if activity.date}, reverse=True),
        themes=list(Theme.objects.filter(activities__in=items).distinct()) if items else [],
    )


def linked_partners(*texts):
    """The published partners that the link markup of ``texts`` names, by slug."""
    partners = Partner.objects.published().filter(slug__in=partner_slugs(*texts))
    return {partner.slug: partner for partner in partners}


def partner_activities(partner):
    """The published activities that name ``partner``, as the listing orders them."""
    return list(Activity.objects.current().filter(partners=partner).select_related("program").in_listing_order())


def neighbours_on_page(activity):
    """The published activities printed just before and just after ``activity``
    on its page (sections in order, then items in order)."""
    siblings = Activity.objects.published().filter(program=activity.program_id)
    key = (activity.section.order, activity.order, activity.pk)
    before = Q(section__order__lt=key[0]) | Q(section__order=key[0], order__lt=key[1]) | Q(
        section__order=key[0], order=key[1], pk__lt=key[2]
    )
    after = Q(section__order__gt=key[0]) | Q(section__order=key[0], order__gt=key[1]) | Q(
        section__order=key[0], order=key[1], pk__gt=key[2]
    )
    previous = siblings.filter(before).order_by("-section__order", "-order", "-pk").first()
    following = siblings.filter(after).order_by("section__order", "order", "pk").first()
    return previous, following


def search(query):
    """The public pages, activities, partners and agreements that hold every
    word of ``query``, best match first, each with a snippet: a sequence for
    Django's Paginator, which costs a fixed number of queries per page."""
    return SearchResults(query)


def activity_list(*, filters):
    """Published activities matching ``filters`` (a QueryDict or dict), newest
    first, undated last. Returns the bound FilterSet: its ``qs``, ``form`` and
    ``errors``; an invalid value is a form error, never an exception."""
    activities = (
        Activity.objects.current()
        .select_related("program")
        .prefetch_related("themes")
        .in_listing_order()
    )
    return ActivityFilterSet(data=filters, queryset=activities)


def listing_rows(filterset):
    """Every activity of a listing (a valid FilterSet), in its order, with
    its page and when its record last changed (``last_changed``), as values:
    model instances took a third of an export's time."""
    return filterset.qs.prefetch_related(None).with_last_change().values(
        "pk", "slug", "title", "date", "text", "last_changed", "program__slug", "program__title"
    )


def theme_links(activity_ids):
    """(activity id, theme id) for each theme of these activities. An
    export looks its themes and partners up by id, a chunk of rows at a
    time: prefetch_related's objects and managers (six a row) took half of
    its time."""
    return Activity.themes.through.objects.filter(activity_id__in=activity_ids).values_list("activity_id", "theme_id")


def partner_links(activity_ids):
    """(activity id, partner id) for each partner of these activities, published or not."""
    return Activity.partners.through.objects.filter(activity_id__in=activity_ids).values_list(
        "activity_id", "partner_id"
    )


@dataclass
class ActivitiesDataSet:
    """What the data catalog says of the activities as a whole."""

    themes: list  # the names of their themes
    countries: list  # of their pages
    first: object  # the earliest and the latest activity date (None: none dated)
    last: object
    modified: object  # when the data set last changed: a datetime or a date


def activities_data_set():
    """The facts of the published activities for /data.json, or None when
    none is published. Its last change is the newest change recorded in
    their history or the newest publication time that has come; without
    either (records loaded with plain loaddata), their pages' dates."""
    activities = Activity.objects.current().values("pk")
    pages = list(
        Program.objects.filter(activities__in=activities).distinct().order_by("country")
        .values_list("country", "last_updated", "archived_on")
    )
    if not pages:
        return None
    facts = Activity.objects.filter(pk__in=activities).aggregate(
        first=Min("date"), last=Max("date"), published=Max("publish_at")
    )
    changed = Activity.history.filter(id__in=activities).aggregate(at=Max("history_date"))["at"]
    changes = [when for when in (changed, facts["published"]) if when]
    page_dates = [day for _, *dates in pages for day in dates if day]
    return ActivitiesDataSet(
        themes=list(Theme.objects.filter(activities__in=activities).distinct().values_list("name", flat=True)),
        countries=list(dict.fromkeys(country for country, _, _ in pages)),
        first=facts["first"],
        last=facts["last"],
        # Nothing recorded at all (a live page loaded with plain loaddata): today, when the catalog is made.
        modified=max(changes or page_dates or [timezone.localdate()]),
    )


@dataclass
class FacetCounts:
    """How many results each choice would give, counted against the other filters."""

    year: dict  # {"2019": 6, ...}
    theme: dict  # {"water-quality": 3, ...}
    total: int  # the number of results with every filter


def facet_counts(*, filterset):
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
