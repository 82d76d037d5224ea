"""Printed text: its small link markup, ``[words](target)``, and word-by-word
differences between two texts.

A target is ``partner:<slug>`` (the partner's web address and exit flag), an
absolute ``https://`` address, a site path (``/…``) or an in-page ``#anchor``.
Everything else is printed exactly as stored, escaped.
"""

import difflib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

LINK = re.compile(r"\[(?P<words>[^\[\]]+)\]\((?P<target>[^()\s]+)\)")
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def paragraphs(text):
    return [part.strip() for part in PARAGRAPH_BREAK.split(text or "") if part.strip()]


def plain_text(text):
    """The words a reader sees, without the link markup."""
    return LINK.sub(lambda m: m["words"], text or "")


def partner_slugs(*texts):
    return {
        m["target"].removeprefix("partner:")
        for text in texts
        for m in LINK.finditer(text or "")
        if m["target"].startswith("partner:")
    }


def leaves_site(url):
    """True for an absolute address outside the site's own domains."""
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        return False
    return not any(host == own or host.endswith("." + own) for own in settings.SITE_OWN_DOMAINS)


def exit_link():
    return format_html(
        ' <a class="exit-disclaimer" href="{}" title="EPA’s External Link Disclaimer">Exit</a>',
        reverse("exit_disclaimer"),
    )


def link_html(words, url, external):
    html = format_html('<a class="usa-link" href="{}">{}</a>', url, words)
    return html + exit_link() if external else html


def render_links(text, partners_by_slug):
    """Escape ``text`` and turn its link markup into links, each external
    one followed by the Exit disclaimer link."""
    out, last = [], 0
    for m in LINK.finditer(text or ""):
        out.append(escape(text[last : m.start()]))
        words, target = m["words"], m["target"]
        if target.startswith("partner:"):
            partner = partners_by_slug.get(target.removeprefix("partner:"))
            if partner is not None and partner.url:
                out.append(link_html(words, partner.url, partner.leaves_site))
            else:  # an unpublished or removed partner: keep the words
                out.append(escape(words))
        else:
            out.append(link_html(words, target, leaves_site(target)))
        last = m.end()
    out.append(escape((text or "")[last:]))
    return mark_safe("".join(out))


def validate_links(text):
    """Refuse link markup whose target the site cannot resolve."""
    from partners.models import Partner

    errors = []
    for m in LINK.finditer(text or ""):
        target = m["target"]
        if target.startswith("partner:"):
            slug = target.removeprefix("partner:")
            if not Partner.objects.filter(slug=slug).exists():
                errors.append(f"[{m['words']}]({target}): no partner has the slug “{slug}”.")
        elif not (target.startswith(("https://", "http://", "/", "#"))):
            errors.append(f"[{m['words']}]({target}): a link goes to partner:slug, https://…, /path or #anchor.")
    if errors:
        raise ValidationError(errors)


# The kinds of a change, word by word and item by item.
ADDED, REMOVED, CHANGED, SAME = "added", "removed", "changed", "same"


@dataclass
class Words:
    """A text as runs of words: (kind, text) with kind SAME, ADDED or REMOVED."""

    runs: list

    @property
    def changed(self):
        return any(kind != SAME for kind, _ in self.runs)


def compare_words(old, new):
    """Word-level differences of two plain texts."""
    old_words, new_words = (old or "").split(), (new or "").split()
    runs = []

    def add(kind, words):
        if not words:
            return
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, f"{runs[-1][1]} {' '.join(words)}")
        else:
            runs.append((kind, " ".join(words)))

    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            add(SAME, old_words[old_start:old_end])
        else:
            add(REMOVED, old_words[old_start:old_end])
            add(ADDED, new_words[new_start:new_end])
    return Words(runs)
