from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import models, router
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, NullIf
from django.urls import reverse
from simple_history.models import HistoricalRecords

from coop_site.publishing import (
    Provenanced,
    Publishable,
    PublishableQuerySet,
    Revised,
    SlugQuerySet,
    Status,
    public_condition,
)
from coop_site.text import plain_text, validate_links

from . import snapshot_rules

TEXT_HELP = (
    "Printed text. Separate paragraphs with a blank line. Links: "
    "[words](partner:slug) for a partner, [words](https://…) for a web address, "
    "[words](/path/) or [words](#anchor) on this site, [words](mailto:…) for an e-mail address; "
    "links that leave the site get the Exit disclaimer link by themselves."
)


class Theme(Revised):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    objects = SlugQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class SnapshotReadOnlyQuerySet(PublishableQuerySet):
    """update() and bulk_create() leave dated snapshots alone; delete() asks
    each row (snapshot_rules' pre_delete)."""

    def update(self, **kwargs):
        snapshot_rules.check_update(self, kwargs)
        return super().update(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        snapshot_rules.check_new_rows(self.model, objs, self._db or router.db_for_write(self.model))
        return super().bulk_create(objs, *args, **kwargs)


# Stands for "no change recorded" where SQL's GREATEST would otherwise take a NULL
# for the answer (SQLite does).
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


class ProgramQuerySet(SnapshotReadOnlyQuerySet):
    def get_by_natural_key(self, slug, archived_on):
        return self.get(slug=slug, archived_on=archived_on)

    def current(self):
        """The version each page's address shows: the published live version,
        else the newest published snapshot."""
        newer = Program.objects.published().filter(slug=OuterRef("slug")).exclude(pk=OuterRef("pk")).filter(
            Q(archived_on__isnull=True) | Q(archived_on__gt=OuterRef("archived_on"))
        )
        return self.published().filter(~Exists(newer))

    def with_last_change(self):
        """Each page with ``last_changed``: the latest time a record printed
        on it (the page, a section, an activity) was saved while published,
        as their history records it; None for a page no one has changed."""
        def latest(history, owner):
            rows = history.filter(**{owner: OuterRef("pk")}, status=Status.PUBLISHED).order_by("-history_date")
            return Coalesce(Subquery(rows.values("history_date")[:1]), Value(NEVER))

        changed = Greatest(
            latest(Program.history, "id"), latest(Section.history, "program_id"),
            latest(Activity.history, "program_id"),
        )
        return self.annotate(last_changed=NullIf(changed, Value(NEVER)))


class Program(Revised, Publishable, Provenanced):
    """One country collaboration page, e.g. "EPA Collaboration with Peru".

    A page is identified by its slug and the date it was archived on, so dated
    versions of the same page can live side by side.
    """

    slug = models.SlugField(help_text="The last part of the page's address, e.g. epa-collaboration-peru.")
    archived_on = models.DateField(
        null=True, blank=True, help_text="The date of the archived snapshot; empty for the live version."
    )
    country = models.CharField(max_length=100)
    title = models.CharField(max_length=200, help_text="The page's only h1.")
    intro = models.TextField(help_text=TEXT_HELP, validators=[validate_links])
    explore_label = models.CharField(
        max_length=200, blank=True, help_text='Printed above the in-page links, e.g. "Explore our work with Peru:".'
    )
    meta_description = models.CharField(
        max_length=300, blank=True,
        help_text="What search engines and shared links show under the title, in a sentence or two; "
                  "empty: the start of the introduction.",
    )
    contact_lead = models.CharField(
        max_length=300, blank=True,
        help_text="Printed above the contact, e.g. \"For additional information on EPA's work with Peru, contact:\".",
    )
    contact = models.ForeignKey(
        "partners.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="programs"
    )
    agreements = models.ManyToManyField("partners.Agreement", blank=True, related_name="programs")
    last_updated = models.DateField(
        null=True, blank=True, help_text='The page footer\'s "Last updated on" date; empty when not known.'
    )

    objects = ProgramQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=["agreements"])
    # Which page and which dated version this is: a revert restores content, not these.
    not_reverted = ("slug", "archived_on")

    class Meta:
        ordering = ["country", "-archived_on"]
        permissions = [("publish_program", "Can publish, unpublish and schedule pages")]
        constraints = [
            models.UniqueConstraint(
                fields=["slug", "archived_on"], name="program_unique_slug_per_date",
                violation_error_message="This page already has a snapshot of that date.",
            ),
            models.UniqueConstraint(
                fields=["slug"], condition=Q(archived_on__isnull=True), name="program_one_live_version",
                violation_error_message="This page already has a live version: edit that one.",
            ),
        ]

    def __str__(self):
        when = f"archived {self.archived_on:%Y-%m-%d}" if self.archived_on else "live"
        return f"{self.title} ({when})"

    def natural_key(self):
        return (self.slug, self.archived_on.isoformat() if self.archived_on else None)

    def validate_constraints(self, exclude=None):
        # The date is read-only on most forms (so left out of their checks), yet
        # always known: a second live version is refused in words, not by the database.
        super().validate_constraints(exclude=exclude and set(exclude) - {"archived_on"})

    def get_absolute_url(self):
        """The version's own address: the page's address for the live version,
        an /archive/<date>/ address for a snapshot."""
        if self.archived_on:
            return reverse("archive:program_detail", kwargs={"date": self.archived_on, "slug": self.slug})
        return self.page_url

    @property
    def page_url(self):
        """The page's address, which shows its current version."""
        return reverse("activities:program_detail", kwargs={"slug": self.slug})


class SectionQuerySet(SnapshotReadOnlyQuerySet):
    def get_by_natural_key(self, anchor, program_slug, program_archived_on):
        return self.get(anchor=anchor, program__slug=program_slug, program__archived_on=program_archived_on)


class Section(Revised, Publishable, Provenanced):
    """A part of a page. Top-level sections are h2, their children h3."""

    class ListStyle(models.TextChoices):
        NONE = "none", "Paragraphs"
        BULLETED = "bulleted", "Bulleted list"
        NUMBERED = "numbered", "Numbered list"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children",
        help_text="Empty for a top-level (h2) section; a top-level section for a subsection (h3).",
    )
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(
        max_length=200, blank=True, help_text="The heading. Empty for a lead-in without a heading."
    )
    anchor = models.SlugField(help_text="The in-page address (#anchor) of the section.")
    intro = models.TextField(blank=True, help_text=TEXT_HELP, validators=[validate_links])
    list_style = models.CharField(
        max_length=10, choices=ListStyle, default=ListStyle.BULLETED,
        help_text="How the section's activities are printed.",
    )
    exit_notice = models.BooleanField(
        default=False,
        help_text='Follow the intro with the Exit disclaimer link, as for "The following links exit the site".',
    )
    top_of_page = models.BooleanField(default=False, help_text='End the section with a "Top of Page" link.')

    objects = SectionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["program", "order", "pk"]
        permissions = [("publish_section", "Can publish, unpublish and schedule sections")]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "anchor"], name="section_unique_anchor_per_program",
                violation_error_message="Another section of this page has this anchor: choose another.",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="section_not_own_parent",
                violation_error_message="A section cannot be inside itself: choose another parent.",
            ),
        ]

    def __str__(self):
        return self.title or f"(lead-in without heading, #{self.anchor})"

    @property
    def short_name(self):
        """For lists: the heading, or "#highlights" for a lead-in without one."""
        return self.title or f"#{self.anchor}"

    def natural_key(self):
        return (self.anchor, *self.program.natural_key())

    natural_key.dependencies = ["activities.program"]

    def get_absolute_url(self):
        return f"{self.program.get_absolute_url()}#{self.anchor}"

    def validate_constraints(self, exclude=None):
        # A form never holds the row's own key, yet it is known: a section made
        # its own parent is refused in words, not by the database.
        super().validate_constraints(exclude=exclude and set(exclude) - {"id"})

    @property
    def heading_level(self):
        return 3 if self.parent_id else 2

    @property
    def shown_within(self):
        """What must be public too for this section to be seen, and what it is to it."""
        return [("parent section", self.parent), ("page", self.program)]

    def clean(self):
        if self.parent_id:
            if self.parent.parent_id:
                raise ValidationError({"parent": "Sections nest one level deep: choose a top-level section."})
            if self.parent.program_id != self.program_id:
                raise ValidationError({"parent": "The parent section must be on the same page."})


class ActivityQuerySet(SnapshotReadOnlyQuerySet):
    def get_by_natural_key(self, slug, program_slug, program_archived_on):
        return self.get(slug=slug, program__slug=program_slug, program__archived_on=program_archived_on)

    def published(self):
        """Published activities in a published section of a published page."""
        return self.filter(public_condition(), public_condition("section__"), public_condition("program__"))

    def current(self):
        """Published activities of the version each page's address shows:
        what the listings, feeds and /activities/<slug>/ offer."""
        return self.published().filter(program__in=Program.objects.current())

    def years(self):
        """The years these activities took place in, newest first."""
        return [day.year for day in self.filter(date__isnull=False).dates("date", "year", order="DESC")]

    def with_last_change(self):
        """Each activity with ``last_changed``: when its record last changed, as
        its history says (None for a record without history, loaded with plain
        loaddata). An index lookup a row: the history's ``id`` is indexed."""
        last_change = self.model.history.filter(id=OuterRef("pk")).order_by("-history_date").values("history_date")
        return self.annotate(last_changed=Subquery(last_change[:1]))

    def in_listing_order(self):
        """Newest first, undated last; on PostgreSQL an index serves this order
        (migration 0004)."""
        return self.order_by(models.F("date").desc(nulls_last=True), "pk")


class Activity(Revised, Publishable, Provenanced):
    """A dated (to the month) or undated item printed in a section."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="activities")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="activities")
    order = models.PositiveIntegerField(default=0)
    slug = models.SlugField(
        max_length=100, help_text="The activity's address, /activities/<slug>/; unique to its page."
    )
    title = models.CharField(max_length=200, blank=True, help_text="A short title for listings; not printed on the page.")
    date = models.DateField(
        null=True, blank=True,
        help_text='The month it took place (any day of it is stored as the 1st); printed as "March 2020:".',
    )
    text = models.TextField(help_text=TEXT_HELP, validators=[validate_links])
    themes = models.ManyToManyField(Theme, blank=True, related_name="activities")
    partners = models.ManyToManyField("partners.Partner", blank=True, related_name="activities")
    printed_in = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="also_printed",
        help_text="For an activity that the page prints inside another one's text: "
        "it is findable on its own but not printed twice.",
    )

    objects = ActivityQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=["themes", "partners"])

    class Meta:
        ordering = ["program", "section__order", "order", "pk"]
        permissions = [("publish_activity", "Can publish, unpublish and schedule activities")]
        verbose_name_plural = "activities"
        constraints = [
            # clean() stores any day as the 1st; this says so to any other way in.
            models.CheckConstraint(
                condition=Q(date__isnull=True) | Q(date__day=1), name="activity_date_is_month",
                violation_error_message="An activity's date is a month: give its first day, e.g. 2019-11-01.",
            ),
            # Each dated version of a page holds its own copy of an activity.
            models.UniqueConstraint(
                fields=["program", "slug"], name="activity_unique_slug_per_page_version",
                violation_error_message="Another activity of this page has this slug: choose another.",
            ),
        ]

    def __str__(self):
        return listing_title(self.title, self.text)

    def natural_key(self):
        return (self.slug, *self.program.natural_key())

    natural_key.dependencies = ["activities.program"]

    def get_absolute_url(self):
        return reverse("activity:detail", kwargs={"slug": self.slug})

    @property
    def shown_within(self):
        """What must be public too for this activity to be seen, and what it is to it."""
        return [("section", self.section), ("page", self.program)]

    def clean(self):
        self.normalize()  # before the constraints are checked: any day of a month is its 1st
        errors = {}
        if self.slug == "feed" or self.slug.isdigit():
            # /activities/feed/ and /activities/<year>/ are listings, not activities.
            errors["slug"] = "This address is taken by a listing: choose another slug."
        elif self.program_id and self.slug:
            # /activities/<slug>/ names one activity of the current versions:
            # versions of the same page share slugs, other pages may not.
            pages = Activity.objects.filter(slug=self.slug).values_list("program__slug", flat=True)
            if any(page != self.program.slug for page in pages):
                errors["slug"] = "Another page has an activity with this slug: choose another."
        if self.section_id and self.program_id and self.section.program_id != self.program_id:
            errors["section"] = "Choose a section of the same page."
        if self.printed_in_id and self.printed_in_id == self.pk:
            errors["printed_in"] = "An activity cannot be printed inside itself."
        elif self.printed_in_id and self.program_id and self.printed_in.program_id != self.program_id:
            errors["printed_in"] = "Choose an activity of the same version of the page."
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        # The page is not on a section's inline form but comes from the section
        # (normalize): a slug taken on the page is refused in words there too.
        super().validate_constraints(exclude=exclude and set(exclude) - {"program"})

    def normalize(self):
        if self.program_id is None and self.section_id:  # added from its section's admin page
            self.program_id = self.section.program_id
        if self.date and self.date.day != 1:
            self.date = self.date.replace(day=1)

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)


def listing_title(title, text):
    """An activity's name in listings: its title, else the opening words of its text."""
    if title:
        return title
    words = plain_text(text).split()
    return " ".join(words[:12]) + (" …" if len(words) > 12 else "")
