"""What a test needs, made in a line or two: each builder saves one record
with sensible defaults, which keyword arguments override.

Each record is checked as the admin's forms check it (full_clean) before it
is saved, so a test cannot build what an editor could not; it has one
history entry, its links included. Content is published unless
``status="draft"`` is given. A page's blocks go after its last block unless
an ``ordering`` is given; a snapshot is frozen from a published live version
by the site's own service.
"""

import datetime

from django.utils.text import slugify

from activities import services
from activities.models import (
    BLOCK_TYPES,
    Activity,
    AgreementList,
    Heading,
    ItemList,
    LinkList,
    Page,
    PageContact,
    PartnerList,
    RichText,
    Theme,
    TopOfPage,
)
from activities.snapshots import link_new_records
from core.publishing import Status
from core.text import words_of_html
from partners.models import Agreement, Contact, Partner


def _saved(obj, **links):
    """``obj`` checked, saved, and linked to ``links`` ({many-to-many field:
    objects}): its one history entry holds them, as a snapshot's copy records
    a new record with its links."""
    obj.full_clean()
    obj.save()
    links = {name: list(related) for name, related in links.items() if related}
    if links:
        entry = type(obj).history.filter(id=obj.pk).latest("history_id")
        for name, related in links.items():
            link_new_records(type(obj)._meta.get_field(name), [(obj.pk, other.pk, entry) for other in related])
    return obj


def _paragraph(html):
    """Words as the editor saves them, in a paragraph; HTML as it is."""
    return html if html.lstrip().startswith("<") else f"<p>{html}</p>"


def month(value):
    """A month as a date: "2020-03" or a date (stored as the month's 1st)."""
    if isinstance(value, str):
        year, number = value.split("-")[:2]
        return datetime.date(int(year), int(number), 1)
    return value


def make_theme(name="Water quality", **fields):
    return _saved(Theme(name=name, **{"slug": slugify(name), **fields}))


def make_partner(name="Ministry of Environment", **fields):
    """A published partner; its slug is its acronym's, else its name's."""
    fields.setdefault("slug", slugify(fields.get("acronym") or name))
    return _saved(Partner(name=name, **{"status": Status.PUBLISHED, **fields}))


def make_agreement(title="United States–Chile Free Trade Agreement", **fields):
    """A published agreement; its slug is its title's."""
    fields.setdefault("slug", slugify(title)[:50].strip("-"))
    return _saved(Agreement(title=title, **{"status": Status.PUBLISHED, **fields}))


def make_contact(name="Ana Ortiz", **fields):
    fields = {"slug": slugify(name), "organization": "U.S. Environmental Protection Agency", **fields}
    return _saved(Contact(name=name, **fields))


def make_page(title="EPA Collaboration with Chile", *, agreements=(), partners=(), **fields):
    """A published live version of a country page; its slug is its title's."""
    fields = {"slug": slugify(title), "status": Status.PUBLISHED, **fields}
    return _saved(Page(title=title, **fields), agreements=agreements, partners=partners)


def make_snapshot(page, archived_on):
    """The snapshot of ``page`` (its published live version) dated ``archived_on``:
    what the public sees of it, frozen as the site freezes one."""
    if isinstance(archived_on, str):
        archived_on = datetime.date.fromisoformat(archived_on)
    return services.freeze_snapshot(page, archived_on=archived_on)


def next_ordering(page):
    """The ``ordering`` after every block of ``page`` (one query over every block type)."""
    first, *others = (model.objects.filter(page=page).values_list("ordering", flat=True).order_by()
                      for model in BLOCK_TYPES)
    return max(first.union(*others, all=True).order_by(), default=0) + 10


def _block(model, page, **fields):
    fields.setdefault("ordering", next_ordering(page))
    return model(page=page, **fields)


def make_heading(page, text="Past Activities", *, level=2, **fields):
    """An h2 (or ``level``) whose anchor is its text's."""
    fields.setdefault("anchor", slugify(text))
    return _saved(_block(Heading, page, text=text, level=level, **fields))


def make_text(page, html="EPA works with the country on air and water quality.", **fields):
    """A text block; plain words are one paragraph."""
    return _saved(_block(RichText, page, text=_paragraph(html), **fields))


def make_item_list(page, items=("Air quality", "Water quality"), *, numbered=False, **fields):
    """A list block of ``items`` (HTML within each item)."""
    tag = "ol" if numbered else "ul"
    html = f"<{tag}>" + "".join(f"<li>{item}</li>" for item in items) + f"</{tag}>"
    return _saved(_block(ItemList, page, items=html, **fields))


def make_link_list(page, label="Explore our work:", *, links=(), **fields):
    """A link list of ``links`` ((words, address) pairs), or of the page's
    headings with ``from_headings=True``."""
    html = "<ul>" + "".join(f'<li><a href="{href}">{words}</a></li>' for words, href in links) + "</ul>"
    return _saved(_block(LinkList, page, label=label, links=html if links else "", **fields))


def make_agreement_list(page, **fields):
    return _saved(_block(AgreementList, page, **fields))


def make_partner_list(page, **fields):
    return _saved(_block(PartnerList, page, **fields))


def make_page_contact(page, contact=None, *, lead="For additional information, contact:", **fields):
    return _saved(_block(PageContact, page, contact=contact or make_contact(), lead=lead, **fields))


def make_top_of_page(page, **fields):
    return _saved(_block(TopOfPage, page, **fields))


def make_activity(page, text="A workshop on air quality monitoring.", *, date=None, themes=(), partners=(),
                  **fields):
    """A published activity printed as a bullet; ``date`` a month ("2020-03"
    or a date); its slug is its title's, else its opening words'."""
    fields.setdefault("slug", slugify(fields.get("title") or words_of_html(text))[:60].strip("-"))
    fields = {"status": Status.PUBLISHED, **fields}
    activity = _block(Activity, page, text=_paragraph(text), date=month(date), **fields)
    return _saved(activity, themes=themes, partners=partners)


def make_activities(page, count, *, themes=(), partners=(), slug="added", **fields):
    """``count`` published activities of ``page``, made at once (bulk_create,
    no history: for the tests of many rows), printed one after the other at
    its end; "{n}" in ``text`` and ``title`` is each one's number, and a
    ``date`` callable takes it too."""
    ordering = fields.pop("ordering", None) or next_ordering(page)
    text = fields.pop("text", "Added activity {n}.")
    title = fields.pop("title", "")
    date = fields.pop("date", None)
    fields = {"status": Status.PUBLISHED, **fields}
    created = Activity.objects.bulk_create(
        Activity(page=page, ordering=ordering, slug=f"{slug}-{n}", text=_paragraph(text.format(n=n)),
                 title=title.format(n=n), date=month(date(n) if callable(date) else date), **fields)
        for n in range(count)
    )
    for field, linked in (("themes", themes), ("partners", partners)):
        through = getattr(Activity, field).through
        target = getattr(Activity, field).rel.model._meta.model_name
        through.objects.bulk_create(
            through(activity_id=activity.pk, **{f"{target}_id": obj.pk}) for activity in created for obj in linked
        )
    return created
