"""A page's body: its blocks, in order, as HTML. The one renderer of blocks.

Headings open parts of the page: each h2, h3 or h4 opens a ``<section>``
that runs to the next heading of its level or above, so a page keeps the
outline its headings give. Activities printed as list items of the same
kind, one after the other, form one list.
"""

import re

from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from core import text
from core.dates import month_year

from .models import Activity, Heading

LIST_TAGS = {Activity.Display.BULLETED: "ul", Activity.Display.NUMBERED: "ol"}


class BodyRenderer:
    """Renders the blocks of one page. ``activity_list_url``: where a printed
    date links to (None: dates link nowhere, as on a snapshot's /archive/
    address); ``preview``: tag what the public does not see."""

    def __init__(self, blocks, *, partners_by_slug, agreements=(), partners=(), activity_list_url=None,
                 preview=False):
        self.blocks = blocks
        self.partners_by_slug = partners_by_slug
        self.agreements, self.partners = agreements, partners
        self.activity_list_url = activity_list_url
        self.preview = preview

    def render(self):
        out, levels, open_list = [], [], None
        for block in self.blocks:
            list_tag = LIST_TAGS.get(block.display) if isinstance(block, Activity) else None
            if open_list and list_tag != open_list:
                out.append(f"</{open_list}>")
                open_list = None
            if list_tag and not open_list:
                out.append(f'<{list_tag} class="usa-list">')
                open_list = list_tag
            if isinstance(block, Heading):
                while levels and levels[-1] >= block.level:
                    out.append("</section>")
                    levels.pop()
                levels.append(block.level)
            out.append(self.render_block(block))
        if open_list:
            out.append(f"</{open_list}>")
        out.extend("</section>" for _ in levels)
        return mark_safe("\n".join(out))

    def render_block(self, block):
        return getattr(self, f"render_{type(block).__name__.lower()}")(block)

    def render_heading(self, heading):
        return format_html(
            '<section class="page-section page-section--level-{level}" id="{anchor}" '
            'aria-labelledby="{anchor}-heading">\n<h{level} id="{anchor}-heading">{text}</h{level}>',
            level=heading.level, anchor=heading.anchor, text=heading.text,
        )

    def rich_text(self, value):
        return text.render_html(value, self.partners_by_slug)

    def render_richtext(self, block):
        html = self.rich_text(block.text)
        if not block.exit_notice:
            return html
        if html.endswith("</p>"):  # the Exit disclaimer link ends the last paragraph
            return mark_safe(html[: -len("</p>")] + text.exit_link() + "</p>")
        return mark_safe(html + format_html("<p>{}</p>", text.exit_link()))

    def render_itemlist(self, block):
        # The outer list takes the design system's list style; a list within an item keeps the browser's.
        return mark_safe(re.sub(r"^<(ul|ol)>", r'<\1 class="usa-list">', self.rich_text(block.items)))

    def render_activity(self, activity):
        date = activity.printed_date
        prefix = ""
        if date:
            month = month_year(date)
            if self.activity_list_url:
                month = format_html('<a class="activity__date" href="{}{}/">{}</a>', self.activity_list_url,
                                    date.year, month)
            prefix = format_html("{}: ", month)
        tag_note = ""
        if self.preview and not activity.is_published:
            tag_note = format_html(' <span class="usa-tag publication-tag">{}</span>', activity.publication_state)
        # The first paragraph follows the date, on its line ("March 2020: EPA …"); any others follow it.
        paragraphs = text.html_paragraphs(text.render_html(activity.text, self.partners_by_slug, lists=False))
        lines = [mark_safe(paragraph) for paragraph in paragraphs] or [""]
        lines[0] = format_html("{}{}", prefix, lines[0])
        lines[-1] = format_html("{}{}", lines[-1], tag_note)
        others = format_html_join("", "<p>{}</p>", ((line,) for line in lines[1:]))
        if activity.display != Activity.Display.PARAGRAPH:
            return format_html('<li class="activity" id="{}">{}{}</li>', activity.slug, lines[0], others)
        if len(lines) == 1:
            return format_html('<p class="activity" id="{}">{}</p>', activity.slug, lines[0])
        return format_html('<div class="activity" id="{}"><p>{}</p>{}</div>', activity.slug, lines[0], others)

    def render_linklist(self, block):
        if block.from_headings:
            links = self.heading_links()
            links = format_html("<ul>{}</ul>", links) if links else ""
        else:
            links = self.rich_text(block.links)
        label_id = f"link-list-{block.ordering}"
        return format_html('<nav class="in-page-links" aria-labelledby="{0}">\n<p id="{0}">{1}</p>\n{2}</nav>',
                           label_id, block.label, links)

    def heading_links(self):
        """The page's h2 headings, each with its h3 headings under it."""
        tree = []
        for heading in self.blocks:
            if not isinstance(heading, Heading) or heading.level > 3:
                continue
            if heading.level == 3 and tree:
                tree[-1][1].append(heading)
            elif heading.level == 2:
                tree.append((heading, []))
        items = []
        for heading, children in tree:
            inner = format_html("<ul>{}</ul>", format_html_join(
                "", '<li><a class="usa-link" href="#{}">{}</a></li>', ((c.anchor, c.text) for c in children)
            )) if children else ""
            items.append(format_html('<li><a class="usa-link" href="#{}">{}</a>{}</li>', heading.anchor,
                                     heading.text, inner))
        return mark_safe("\n".join(items))

    def render_agreementlist(self, block):
        return render_to_string("activities/blocks/agreement_list.html", {"agreements": self.agreements})

    def render_partnerlist(self, block):
        return render_to_string("activities/blocks/partner_list.html", {"partners": self.partners})

    def render_pagecontact(self, block):
        return render_to_string("activities/blocks/page_contact.html", {"block": block, "contact": block.contact})

    def render_topofpage(self, block):
        return mark_safe('<p class="top-of-page"><a class="usa-link" href="#main-content">Top of Page</a></p>')

