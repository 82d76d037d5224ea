"""Reads shared by the public views (and later feeds, sitemaps and exports)."""

from dataclasses import dataclass, field

from django.db.models import F, Max, Min, Q
from django.utils import timezone

from core import page_cache
from core.publishing import public_condition
from core.text import partner_slugs, summary, words_of_html
from partners.models import Contact, Partner

from .comparison import compare_pages
from .models import BLOCK_TYPES, Activity, AgreementList, Heading, Page, PageContact, PartnerList, RichText, Theme
from .rendering import BodyRenderer
from .search import SearchResults


def current_pages():
    """One published version per page: the live one, else the newest snapshot;
    kept under the content version."""
    return page_cache.fragment(
        "current-pages", lambda: list(Page.objects.current().with_last_change().order_by("title")), timeout=600
    )


def pages_by_kind():
    """The current version of each page, by kind (countries, regions, programs,
    agreements; kinds without a page left out), by title within a kind."""
    pages = current_pages()
    return [
        (kind, [page for page in pages if page.kind == kind])
        for kind in Page.Kind if any(page.kind == kind for page in pages)
    ]


def page_versions(*, slug, drafts=False):
    """The versions of a page: live first, then the snapshots newest first.
    The first is the current one: what the page's address shows. With
    ``drafts`` (a preview), unpublished versions count too. The public's are
    kept under the content version, as the page's body is."""
    def read():
        pages = Page.objects.all() if drafts else Page.objects.published()
        return list(
            pages.filter(slug=slug).with_last_change()
            .order_by(F("archived_on").desc(nulls_first=True))
        )

    return read() if drafts else page_cache.fragment(f"page-versions.{slug}", read, timeout=600)


def all_page_versions():
    """Every published version of every page, as [(title, slug, [versions as page_versions orders them])]."""
    pages = {}
    for page in Page.objects.published().order_by("title", "slug", F("archived_on").desc(nulls_first=True)):
        pages.setdefault(page.slug, (page.title, page.slug, []))[2].append(page)
    for _, _, versions in pages.values():
        for newer, older in zip(versions, [*versions[1:], None]):
            newer.previous_version = older
    return list(pages.values())


def page_slugs_named(name, pages):
    """The slugs of the pages among ``pages`` that ``name`` names: by slug
    ("epa-collaboration-peru"), by the slug's last word ("peru") or by
    country ("Peru"); the first rule that matches anything wins."""
    name = (name or "").strip()
    rules = (
        lambda page: page.slug == name,
        lambda page: page.slug.endswith(f"-{name}"),
        lambda page: page.country.lower() == name.lower(),
    )
    for rule in rules:
        slugs = sorted({page.slug for page in pages if rule(page)})
        if slugs:
            return slugs
    return []


def compare_versions(older, newer, *, drafts=False):
    """What changed from ``older`` to ``newer`` (two versions of a page), as
    the public sees them, or with ``drafts`` as staff do."""
    return compare_pages(page_content(older, drafts=drafts), page_content(newer, drafts=drafts))


@dataclass
class PageContent:
    """A version of a page and everything it prints: its blocks, in order, and what they name."""

    page: Page
    blocks: list = field(default_factory=list)  # in order
    partners_by_slug: dict = field(default_factory=dict)
    agreements: list = field(default_factory=list)  # for an agreements block
    partners: list = field(default_factory=list)  # for a partners block
    not_public: bool = False  # a preview that shows something the public does not see
    years: list = field(default_factory=list)  # of the printed activities, newest first
    themes: list = field(default_factory=list)  # of the printed activities, by name

    @property
    def activities(self):
        return [block for block in self.blocks if isinstance(block, Activity)]

    @property
    def texts(self):
        """Every stored text of the body, for the partners its links name."""
        return [value for block in self.blocks for value in block_texts(block)]

    @property
    def opening_text(self):
        """The page's first text: what it says of itself."""
        return next((block.text for block in self.blocks if isinstance(block, RichText) and block.text), "")

    def body(self, *, activity_list_url=None):
        """The body as HTML; dates link to ``activity_list_url`` (None: nowhere)."""
        return BodyRenderer(
            self.blocks, partners_by_slug=self.partners_by_slug, agreements=self.agreements,
            partners=self.partners, activity_list_url=activity_list_url, preview=self.not_public,
        ).render()


@dataclass
class PrintedPage:
    """What a page's view prints of its body, as the public sees it: kept in
    the page cache under the content version, so that a page whose content did
    not change costs no query for its blocks."""

    body: str  # HTML
    opening: str  # the start of its first text, as plain words
    years: list  # of the printed activities, newest first
    themes: list  # of the printed activities, by name
    not_public: bool = False


def printed_page(page, *, drafts=False, activity_list_url=None):
    """The body of ``page`` as HTML, with what the view says about it; made
    again only when the content changes (a preview, with ``drafts``, every time).
    Dates link to ``activity_list_url`` (None: nowhere)."""
    def make():
        content = page_content(page, drafts=drafts)
        return PrintedPage(
            body=content.body(activity_list_url=activity_list_url), opening=summary(words_of_html(content.opening_text)),
            years=content.years, themes=content.themes, not_public=content.not_public,
        )

    if drafts:
        return make()
    variant = "linked-dates" if activity_list_url else "plain-dates"
    return page_cache.fragment(f"printed-page.{page.pk}.{variant}", make, timeout=600)


def block_texts(block):
    """The texts of ``block`` that may hold links (rich text)."""
    return [getattr(block, name) for name in ("text", "items", "links") if hasattr(block, name)]


def page_blocks(page, *, drafts=False):
    """The blocks of ``page``'s body, in order: one query per type of block,
    whatever their number; with ``drafts`` (a preview), unpublished activities too.
    An activity printed inside another one's text is not a block of its own."""
    blocks = []
    for model in BLOCK_TYPES:
        rows = model.objects.filter(page=page).order_by()  # sorted below, across kinds
        if model is Activity:
            rows = rows.filter(printed_in__isnull=True)
            if not drafts:
                rows = rows.filter(public_condition())
        elif model is PageContact:
            rows = rows.select_related("contact")
        blocks.extend(rows)
    order = {model: index for index, model in enumerate(BLOCK_TYPES)}
    blocks.sort(key=lambda block: (block.ordering, order[type(block)], block.pk))
    return blocks


def page_content(page, *, drafts=False):
    """Everything the page prints, in a fixed number of queries whatever the
    number of blocks; with ``drafts`` (a preview), unpublished activities too."""
    blocks = page_blocks(page, drafts=drafts)
    kinds = {type(block) for block in blocks}
    items = [block for block in blocks if isinstance(block, Activity)]
    content = PageContent(
        page=page,
        blocks=blocks,
        agreements=list(page.agreements.published().order_by("title")) if AgreementList in kinds else [],
        partners=list(page.partners.published().order_by("name")) if PartnerList in kinds else [],
        not_public=not all(item.is_published for item in [page, *items]),
        years=sorted({activity.date.year for activity in items if activity.date}, reverse=True),
        themes=list(Theme.objects.filter(activities__in=items).distinct()) if items else [],
    )
    content.partners_by_slug = linked_partners(*content.texts)
    return content


def linked_partners(*texts):
    """The published partners that the links of ``texts`` (rich text) name, by slug."""
    partners = Partner.objects.published().filter(slug__in=partner_slugs(*texts))
    return {partner.slug: partner for partner in partners}


def neighbours_on_page(activity):
    """The published activities printed just before and just after ``activity`` on its page."""
    siblings = Activity.objects.published().filter(page=activity.page_id)
    key = (activity.ordering, activity.pk)
    before = Q(ordering__lt=key[0]) | Q(ordering=key[0], pk__lt=key[1])
    after = Q(ordering__gt=key[0]) | Q(ordering=key[0], pk__gt=key[1])
    previous = siblings.filter(before).order_by("-ordering", "-pk").first()
    following = siblings.filter(after).order_by("ordering", "pk").first()
    return previous, following


def heading_above(activity):
    """The heading ``activity`` is printed under on its page, or None."""
    return (
        Heading.objects.filter(page=activity.page_id, ordering__lte=activity.ordering)
        .order_by("-ordering", "-pk").first()
    )


def search(query):
    """The public pages, activities, partners and agreements that hold every
    word of ``query``, best match first, each with a snippet: a sequence for
    Django's Paginator, which costs a fixed number of queries per page."""
    return SearchResults(query)


def listing_rows(activities):
    """Every activity of a listing (its ``activities``), in its order, with
    its page and when its record last changed (``last_changed``), as values:
    model instances took a third of an export's time."""
    return activities.prefetch_related(None).with_last_change().values(
        "pk", "slug", "title", "date", "text", "last_changed", "page__slug", "page__title"
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
        Page.objects.filter(activities__in=activities).distinct().order_by("country")
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
        countries=list(dict.fromkeys(country for country, _, _ in pages if country)),
        first=facts["first"],
        last=facts["last"],
        # Nothing recorded at all (a live page loaded with plain loaddata): today, when the catalog is made.
        modified=max(changes or page_dates or [timezone.localdate()]),
    )


@dataclass
class BlockChange:
    """One change to a block of a page, as its history records it."""

    when: object  # a datetime
    who: object  # a user, or None (a command, a migration)
    kind: str  # the block's type, in words
    action: str  # "Added", "Changed" or "Removed"
    block: str  # the block in a few words


BLOCK_ACTIONS = {"+": "Added", "~": "Changed", "-": "Removed"}


def block_changes(page, *, limit=100):
    """The newest ``limit`` changes to ``page``'s blocks, newest first: what the
    page's own history does not show (a text edited on the page's form leaves
    the page itself unchanged). One query per type of block, and one for the
    contacts named."""
    records = []
    for model in BLOCK_TYPES:
        records += model.history.filter(page_id=page.pk).select_related("history_user").order_by("-history_date")[:limit]
    records.sort(key=lambda record: record.history_date, reverse=True)
    records = records[:limit]
    contacts = Contact.objects.in_bulk({record.contact_id for record in records if hasattr(record, "contact_id")})
    return [
        BlockChange(
            when=record.history_date, who=record.history_user,
            kind=record.instance_type._meta.verbose_name.capitalize(),
            action=BLOCK_ACTIONS[record.history_type],
            block=(str(contacts.get(record.contact_id, "")) if hasattr(record, "contact_id")
                   else str(record.instance)),
        )
        for record in records
    ]
