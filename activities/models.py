import re
from datetime import UTC, datetime

from content_editor.models import PluginBase, Region
from django.core.exceptions import ValidationError
from django.db import models, router
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, NullIf
from django.urls import reverse
from django.utils.formats import date_format
from simple_history.models import HistoricalRecords

from core.publishing import (
    Provenanced,
    Publishable,
    PublishableQuerySet,
    Revised,
    SlugQuerySet,
    Status,
    public_condition,
)
from core.text import RichTextField, clean_html, words_of_html

from . import snapshot_rules


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


# The live version of a page, where a snapshot's date would be: in addresses (?to=live) and names.
LIVE = "live"

# Stands for "no change recorded" where SQL's GREATEST would otherwise take a NULL
# for the answer (SQLite does).
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


class PageQuerySet(SnapshotReadOnlyQuerySet):
    def get_by_natural_key(self, slug, archived_on):
        return self.get(slug=slug, archived_on=archived_on)

    def current(self):
        """The version each page's address shows: the published live version,
        else the newest published snapshot."""
        newer = Page.objects.published().filter(slug=OuterRef("slug")).exclude(pk=OuterRef("pk")).filter(
            Q(archived_on__isnull=True) | Q(archived_on__gt=OuterRef("archived_on"))
        )
        return self.published().filter(~Exists(newer))

    def with_last_change(self):
        """Each page with ``last_changed``: the latest time the page (whose
        form holds its blocks) or an activity printed on it was saved while published,
        as their history records it; None for a page no one has changed."""
        def latest(history, owner):
            rows = history.filter(**{owner: OuterRef("pk")}, status=Status.PUBLISHED).order_by("-history_date")
            return Coalesce(Subquery(rows.values("history_date")[:1]), Value(NEVER))

        changed = Greatest(
            latest(Page.history, "id"), latest(Activity.history, "page_id"),
        )
        return self.annotate(last_changed=NullIf(changed, Value(NEVER)))


class Page(Revised, Publishable, Provenanced):
    """A page of the area, e.g. "EPA Collaboration with Peru": its body is its blocks, in order.

    A page is identified by its slug and the date it was archived on, so dated
    versions of the same page can live side by side.
    """

    class Kind(models.TextChoices):
        COUNTRY = "country", "Country"
        REGION = "region", "Region"
        PROGRAM = "program", "Program"
        AGREEMENT = "agreement", "Agreement"

        @property
        def plural(self):
            return {"country": "Countries", "region": "Regions", "program": "Programs",
                    "agreement": "Agreements"}[self.value]

    slug = models.SlugField(help_text="The last part of the page's address, e.g. epa-collaboration-peru.")
    archived_on = models.DateField(
        null=True, blank=True, help_text="The date of the archived snapshot; empty for the live version."
    )
    kind = models.CharField(
        max_length=20, choices=Kind, default=Kind.COUNTRY,
        help_text="What the page is about; the index of pages groups them by it.",
    )
    country = models.CharField(max_length=100, blank=True, help_text="For a country page: the country.")
    title = models.CharField(max_length=200, help_text="The page's only h1.")
    meta_description = models.CharField(
        max_length=300, blank=True,
        help_text="What search engines and shared links show under the title, in a sentence or two; "
                  "empty: the start of the page's first text.",
    )
    agreements = models.ManyToManyField(
        "partners.Agreement", blank=True, related_name="pages",
        help_text="The agreements an “Agreements” block of the page lists.",
    )
    partners = models.ManyToManyField(
        "partners.Partner", blank=True, related_name="pages",
        help_text="The partners a “Partners” block of the page lists.",
    )
    last_updated = models.DateField(
        null=True, blank=True, help_text='The page footer\'s "Last updated on" date; empty when not known.'
    )

    objects = PageQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=["agreements", "partners"])
    # django-content-editor's: where blocks go. A page's body is one region.
    regions = [Region(key="main", title="Page body")]
    # Which page and which dated version this is: a revert restores content, not these.
    not_reverted = ("slug", "archived_on")

    class Meta:
        ordering = ["title", "-archived_on"]
        permissions = [("publish_page", "Can publish, unpublish and schedule pages")]
        constraints = [
            models.UniqueConstraint(
                fields=["slug", "archived_on"], name="page_unique_slug_per_date",
                violation_error_message="This page already has a snapshot of that date.",
            ),
            models.UniqueConstraint(
                fields=["slug"], condition=Q(archived_on__isnull=True), name="page_one_live_version",
                violation_error_message="This page already has a live version: edit that one.",
            ),
        ]

    def __str__(self):
        when = f"archived {self.version_name}" if self.is_snapshot else self.version_name
        return f"{self.title} ({when})"

    @property
    def is_snapshot(self):
        """A dated, read-only version of the page; else its live version."""
        return self.archived_on is not None

    def change_refusal(self, what):
        # An archive's content and publication are part of what it records.
        if self.is_snapshot:
            return snapshot_rules.refusal(what, snapshot_rules.Snapshot.of(self))
        return super().change_refusal(what)

    @property
    def version_name(self):
        """Which version this is, in addresses and short names: its date, "2021-01-19", or "live"."""
        return self.archived_on.isoformat() if self.is_snapshot else LIVE

    @property
    def version_date(self):
        """A snapshot's date in words, "January 19, 2021"; "" for the live version."""
        return date_format(self.archived_on, "F j, Y") if self.is_snapshot else ""

    @property
    def version_label(self):
        """Which version this is, in words: "January 19, 2021" or "Live version"."""
        return self.version_date or "Live version"

    def natural_key(self):
        return (self.slug, self.archived_on.isoformat() if self.is_snapshot else None)

    def validate_constraints(self, exclude=None):
        # The date is read-only on most forms (so left out of their checks), yet
        # always known: a second live version is refused in words, not by the database.
        super().validate_constraints(exclude=exclude and set(exclude) - {"archived_on"})

    def get_absolute_url(self):
        """The version's own address: the page's address for the live version,
        an /archive/<date>/ address for a snapshot."""
        if self.is_snapshot:
            return reverse("activities:archived_page", kwargs={"date": self.archived_on, "slug": self.slug})
        return self.page_url

    @property
    def page_url(self):
        """The page's address, which shows its current version."""
        return reverse("activities:page_detail", kwargs={"slug": self.slug})


class BlockQuerySet(SnapshotReadOnlyQuerySet):
    def get_by_natural_key(self, ordering, page_slug, page_archived_on):
        return self.get(ordering=ordering, page__slug=page_slug, page__archived_on=page_archived_on)


class Block(Revised, Provenanced, PluginBase):
    """One piece of a page's body. A page's blocks of every type share one
    ``ordering``: the body is all of them, in that order. ``region`` is
    django-content-editor's (a page has one, "main")."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="%(class)s_blocks")
    region = models.CharField(max_length=20, default="main")
    ordering = models.IntegerField(default=0)

    objects = BlockQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["ordering", "pk"]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.ordering}"

    def natural_key(self):
        return (self.ordering, *self.page.natural_key())

    natural_key.dependencies = ["activities.page"]

    def get_absolute_url(self):
        return self.page.get_absolute_url()

    @property
    def shown_within(self):
        """What must be public too for this block to be seen, and what it is to it."""
        return [("page", self.page)]

    def change_refusal(self, what):
        return self.page.change_refusal(what)


class Heading(Block):
    """An h2, h3 or h4, with the in-page address (#anchor) of the part it heads."""

    class Level(models.IntegerChoices):
        H2 = 2, "h2: a part of the page"
        H3 = 3, "h3: within an h2"
        H4 = 4, "h4: within an h3"

    level = models.PositiveSmallIntegerField(choices=Level, default=Level.H2)
    text = models.CharField(max_length=200)
    anchor = models.SlugField(help_text="The in-page address, #anchor, of the part this heading heads.")
    history = HistoricalRecords()

    class Meta(Block.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["page", "anchor"], name="heading_unique_anchor_per_page",
                violation_error_message="Another heading of this page has this anchor: choose another.",
            ),
            models.CheckConstraint(
                condition=Q(level__gte=2, level__lte=4), name="heading_level_h2_to_h4",
                violation_error_message="A heading is an h2, h3 or h4.",
            ),
        ]

    def __str__(self):
        return f"h{self.level} {self.text}"

    def validate_constraints(self, exclude=None):
        # The page is not on its inline form, yet known: a taken anchor is refused in words.
        super().validate_constraints(exclude=exclude and set(exclude) - {"page"})


class RichText(Block):
    """Paragraphs of text, with links."""

    text = RichTextField(blank=True)
    exit_notice = models.BooleanField(
        default=False,
        help_text='End with the Exit disclaimer link, as after "The following links exit the site".',
    )
    history = HistoricalRecords()

    class Meta(Block.Meta):
        verbose_name = "text"
        verbose_name_plural = "texts"

    def __str__(self):
        return listing_title("", words_of_html(self.text))


class ItemList(Block):
    """A bulleted or numbered list of rich text, one level of nesting; for
    activities, use activity blocks (they are listed and found on their own)."""

    items = RichTextField(lists=True, help_text="A bulleted or numbered list. " + RichTextField.LINK_FORMS)
    history = HistoricalRecords()

    class Meta(Block.Meta):
        verbose_name = "list"
        verbose_name_plural = "lists"

    def __str__(self):
        return listing_title("", words_of_html(self.items))

    def clean(self):
        if clean_html(self.items) and not re.match(r"<(ul|ol)>", clean_html(self.items)):
            raise ValidationError({"items": "A list block holds a list: make the text a bulleted or numbered list."})


class LinkList(Block):
    """A label and links: written by hand, or made from the page's h2 and h3 headings."""

    label = models.CharField(max_length=200, help_text='E.g. "Explore our work with Peru:" or "On other pages:".')
    from_headings = models.BooleanField(
        default=False, help_text="Link to the page's own h2 and h3 headings, in order (the links below are then unused).",
    )
    links = RichTextField(
        lists=True, blank=True,
        help_text="A bulleted list of links: to other pages (/path/ or https://…) or to #anchors of this one. "
        "Words without a link, for a link whose target was lost, are printed as words.",
    )
    history = HistoricalRecords()

    class Meta(Block.Meta):
        verbose_name = "link list"

    def __str__(self):
        return self.label


class AgreementList(Block):
    """The page's agreements (its "agreements" field), each with its address."""

    history = HistoricalRecords()

    class Meta(Block.Meta):
        verbose_name = "agreements"
        verbose_name_plural = "agreements blocks"


class PartnerList(Block):
    """The page's partners (its "partners" field), each with its address."""

    history = HistoricalRecords()

    class Meta(Block.Meta):
        verbose_name = "partners"
        verbose_name_plural = "partners blocks"


class PageContact(Block):
    """Whom to contact, with a lead-in line."""

    lead = models.CharField(
        max_length=300, blank=True,
        help_text="Printed above the contact, e.g. \"For additional information on EPA's work with Peru, contact:\".",
    )
    contact = models.ForeignKey("partners.Contact", on_delete=models.PROTECT, related_name="page_contacts")
    history = HistoricalRecords()

    class Meta(Block.Meta):
        verbose_name = "contact"
        verbose_name_plural = "contacts"

    def __str__(self):
        return str(self.contact)


class TopOfPage(Block):
    """A "Top of Page" link."""

    history = HistoricalRecords()

    class Meta(Block.Meta):
        verbose_name = "“Top of Page” link"
        verbose_name_plural = "“Top of Page” links"

    def __str__(self):
        return "Top of Page"


class ActivityQuerySet(SnapshotReadOnlyQuerySet):
    def get_by_natural_key(self, slug, page_slug, page_archived_on):
        return self.get(slug=slug, page__slug=page_slug, page__archived_on=page_archived_on)

    def published(self):
        """Published activities of a published page."""
        return self.filter(public_condition(), public_condition("page__"))

    def current(self):
        """Published activities of the version each page's address shows:
        what the listings, feeds and /activities/<slug>/ offer."""
        return self.published().filter(page__in=Page.objects.current())

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


class Activity(Publishable, Block):
    """A dated (to the month) or undated record, printed where it stands on
    its page as a list item or a paragraph, and listed, filtered and fed on
    its own. Consecutive activities printed as items of the same kind of list
    form one list."""

    class Display(models.TextChoices):
        BULLETED = "bulleted", "Item of a bulleted list"
        NUMBERED = "numbered", "Item of a numbered list"
        PARAGRAPH = "paragraph", "Paragraph"

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="activities")
    slug = models.SlugField(
        max_length=100, help_text="The activity's address, /activities/<slug>/; unique to its page."
    )
    title = models.CharField(max_length=200, blank=True, help_text="A short title for listings; not printed on the page.")
    display = models.CharField(max_length=10, choices=Display, default=Display.BULLETED)
    date = models.DateField(
        null=True, blank=True,
        help_text="The month it took place (any day of it is stored as the 1st).",
    )
    date_prefix = models.BooleanField(
        default=True,
        help_text='Print the date before the text, as "March 2020:". Untick for a text that says its date '
        'itself ("In May 2019, …"): the date is then only used to find the activity by year.',
    )
    text = RichTextField(
        help_text="Paragraphs, bold, italic and links, no lists: the first paragraph is printed after the date "
        "(“March 2020: …”), the others below it. " + RichTextField.LINK_FORMS,
    )
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
        ordering = ["page", "ordering", "pk"]
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
                fields=["page", "slug"], name="activity_unique_slug_per_page_version",
                violation_error_message="Another activity of this page has this slug: choose another.",
            ),
        ]

    def __str__(self):
        return listing_title(self.title, words_of_html(self.text))

    def natural_key(self):
        return (self.slug, *self.page.natural_key())

    natural_key.dependencies = ["activities.page"]

    def get_absolute_url(self):
        return reverse("activities:activity_detail", kwargs={"slug": self.slug})

    @property
    def printed_date(self):
        """The date printed before the text, or None."""
        return self.date if self.date_prefix else None

    def clean(self):
        self.normalize()  # before the constraints are checked: any day of a month is its 1st
        errors = {}
        if self.slug == "feed" or self.slug.isdigit():
            # /activities/feed/ and /activities/<year>/ are listings, not activities.
            errors["slug"] = "This address is taken by a listing: choose another slug."
        elif self.slug and (self.page_id or Activity.page.is_cached(self)):
            # /activities/<slug>/ names one activity of the current versions:
            # versions of the same page share slugs, other pages may not. (A
            # page being added in the same form is not saved yet, but known.)
            slugs = Activity.objects.filter(slug=self.slug).values_list("page__slug", flat=True)
            if any(slug != self.page.slug for slug in slugs):
                errors["slug"] = "Another page has an activity with this slug: choose another."
        if self.printed_in_id and self.printed_in_id == self.pk:
            errors["printed_in"] = "An activity cannot be printed inside itself."
        elif self.printed_in_id and self.page_id and self.printed_in.page_id != self.page_id:
            errors["printed_in"] = "Choose an activity of the same version of the page."
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        # The page is not on its inline form, yet known: a slug taken on the page is refused in words there too.
        super().validate_constraints(exclude=exclude and set(exclude) - {"page"})

    def normalize(self):
        if self.date and self.date.day != 1:
            self.date = self.date.replace(day=1)

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)


def listing_title(title, words):
    """An activity's name in listings: its title, else the opening words of its text (its ``words``)."""
    if title:
        return title
    words = words.split()
    return " ".join(words[:12]) + (" …" if len(words) > 12 else "")


# Every kind of block, in the order the admin offers them.
BLOCK_TYPES = [Heading, RichText, ItemList, Activity, LinkList, AgreementList, PartnerList, PageContact, TopOfPage]
