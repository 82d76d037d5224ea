"""Reads shared by the public views (and later feeds, sitemaps and exports)."""

from dataclasses import dataclass, field

from django.db.models import F, Prefetch

from coop_site.text import partner_slugs
from partners.models import Partner

from .filters import ActivityFilterSet
from .models import Activity, Program, Section


def current_programs():
    """One published version per page: the live one, else the newest snapshot."""
    programs = Program.objects.published().order_by("slug", F("archived_on").desc(nulls_first=True))
    seen, current = set(), []
    for program in programs:
        if program.slug not in seen:
            seen.add(program.slug)
            current.append(program)
    return sorted(current, key=lambda program: program.title)


def current_program(*, slug):
    return (
        Program.objects.published()
        .filter(slug=slug)
        .select_related("contact")
        .order_by(F("archived_on").desc(nulls_first=True))
        .first()
    )


@dataclass
class ProgramPage:
    program: Program
    sections: list = field(default_factory=list)  # top-level, each with .subsections and .items
    partners_by_slug: dict = field(default_factory=dict)

    @property
    def all_sections(self):
        for section in self.sections:
            yield section
            yield from section.subsections


def program_page(program):
    """Everything the page prints, in a fixed number of queries."""
    printed_activities = (
        Activity.objects.published()
        .filter(printed_in__isnull=True)
        .order_by("order", "pk")
    )
    sections = list(
        Section.objects.published()
        .filter(program=program)
        .order_by("order", "pk")
        .prefetch_related(Prefetch("activities", queryset=printed_activities, to_attr="items"))
    )
    by_id = {section.pk: section for section in sections}
    top_level = []
    for section in sections:
        section.subsections = []
    for section in sections:
        if section.parent_id is None:
            top_level.append(section)
        elif section.parent_id in by_id:  # a child of an unpublished section is not shown
            by_id[section.parent_id].subsections.append(section)

    texts = [program.intro]
    for section in sections:
        texts.append(section.intro)
        texts.extend(activity.text for activity in section.items)
    return ProgramPage(program=program, sections=top_level, partners_by_slug=linked_partners(*texts))


def linked_partners(*texts):
    """The published partners that the link markup of ``texts`` names, by slug."""
    partners = Partner.objects.published().filter(slug__in=partner_slugs(*texts))
    return {partner.slug: partner for partner in partners}


def activity_list(*, filters):
    """Published activities matching ``filters`` (a QueryDict or dict), newest
    first, undated last. Returns the bound FilterSet: its ``qs`` and ``errors``."""
    activities = (
        Activity.objects.published()
        .select_related("program")
        .prefetch_related("themes")
        .order_by(F("date").desc(nulls_last=True), "program__title", "section__order", "order", "pk")
    )
    return ActivityFilterSet(data=filters, queryset=activities)
