"""Printed text: rich text (HTML as the editor, django-prose-editor, writes
it, kept to a few tags by nh3), its links, its words, and word-by-word
differences between two texts.

A link's target is ``partner:<slug>`` (the web address and exit flag of a
partner, a record of settings.PARTNER_LINK_MODEL), an absolute ``https://``
or ``http://`` address, a ``mailto:`` address, a site path (``/…``) or an
in-page ``#anchor``. Targets are read as browsers read them (the WHATWG URL
standard, by ada, the parser Node.js uses), every time a link is printed,
wherever the text came from: anything else, or anything a browser would read
otherwise than it looks (a "site path" that goes to another host), is
printed as its words, and the admin and the loaders refuse it.
"""

import difflib
import functools
import html as html_entities
import re
from dataclasses import dataclass

import nh3
from ada_url import URL, idna_to_ascii
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django_prose_editor.fields import ProseEditorField

# Stands for this site while a site path is resolved: a reserved name (RFC 2606).
THIS_SITE = "https://this-site.invalid"
# Browsers drop these from an address or change them (a backslash reads as
# "/"); a lone surrogate is no character at all.
ODD_CHARACTER = re.compile(r"[\x00-\x20\x7f\\\ud800-\udfff]|\s")
CHARACTER_NAMES = {" ": "a space", "\t": "a tab", "\n": "a line break", "\r": "a line break"}
TARGET_FORMS = "a link goes to partner:slug, https://…, http://…, mailto:…, /path or #anchor"


def summary(words, limit=160):
    """The start of ``words`` (plain text, e.g. words_of_html's), cut at a word
    within ``limit`` characters: a page's description for search engines and
    shared links."""
    words = " ".join((words or "").split())
    if len(words) <= limit:
        return words
    return words[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def partner_slugs(*texts):
    """The partners the links of ``texts`` (rich text) name."""
    targets = [html_entities.unescape(m["href"]) for text in texts for m in ANCHOR.finditer(text or "")]
    return {target.removeprefix("partner:") for target in targets if target.startswith("partner:")}


@dataclass(frozen=True)
class Target:
    """A link's target as browsers read it: ``href`` is what the link's href
    says (None: no link may be made, for ``problem``); ``leaves_site``, whether
    it goes to a host outside settings.SITE_OWN_DOMAINS."""

    href: str | None
    leaves_site: bool = False
    problem: str = ""


def own_host(host):
    """True for a host of settings.SITE_OWN_DOMAINS or under one (both IDNA-normalised)."""
    host = host.rstrip(".")  # "www.epa.gov." is the same host
    return any(host == own or host.endswith("." + own) for own in _own_domains())


def _own_domains():
    return [idna_to_ascii(domain.lower()).decode().rstrip(".") for domain in settings.SITE_OWN_DOMAINS]


def resolve(target):
    """``target`` (an address, or a rich text link's target other than
    partner:) as browsers read it: a Target."""
    target = target or ""
    relative = target.startswith(("/", "#"))
    odd = ODD_CHARACTER.search(target)
    if odd:
        return Target(None, problem=_odd_character(target, relative, odd[0]))
    url = _parsed(target, relative)
    if url is None:
        return Target(None, problem=TARGET_FORMS)
    if relative:
        if url.origin != THIS_SITE:
            return Target(None, problem=(
                f"browsers go to {url.host} with it, another site: a site path starts with one “/”, "
                "another site's address is written in full, https://…"
            ))
        if target.startswith("#"):
            return Target(target)
        # The path, query and anchor alone: this very address on any host. A
        # path that starts with "//" is written "/.//", as the URL standard
        # does, or it would read as a host.
        href = url.pathname + url.search + url.hash
        return Target("/." + href if href.startswith("//") else href)
    if url.protocol not in ("http:", "https:", "mailto:"):
        return Target(None, problem=f"{url.protocol} links are not allowed: {TARGET_FORMS}")
    if url.protocol != "mailto:" and not target[len(url.protocol):].startswith("//"):
        # "https:host/p" is a path of the page itself on an https page, a host on an http one.
        return Target(None, problem=(
            f"without “//” after “{url.protocol}” browsers read it by the page it is on: "
            "write the address in full, https://…"
        ))
    if url.username or url.password:
        return Target(None, problem=f"what stands before “@” is a user name: browsers go to {url.host} with it")
    return Target(url.href, leaves_site=url.protocol != "mailto:" and not own_host(url.hostname))


def _parsed(target, relative):
    try:
        return URL(target, THIS_SITE) if relative else URL(target)
    except ValueError:
        return None


def _odd_character(target, relative, character):
    if character == "\\":
        url = _parsed(target, relative)
        goes = url is not None and url.host and not (relative and url.origin == THIS_SITE)
        return "it holds a backslash, which browsers read as “/”" + (f": they go to {url.host} with it" if goes else "")
    name = CHARACTER_NAMES.get(character, f"the character U+{ord(character):04X}")
    return f"it holds {name}, which browsers drop or change in an address"


def leaves_site(url):
    """True for an address outside the site's own domains."""
    return resolve(url).leaves_site


def exit_link():
    return format_html(
        ' <a class="exit-disclaimer" href="{}" title="EPA’s External Link Disclaimer">Exit</a>',
        reverse("exit_disclaimer"),
    )


def link_html(words, target, leaves_site=False):
    """A link to ``target``, followed by the Exit disclaimer link if it leaves
    the site (or ``leaves_site`` says it does); the words alone, as text, if
    ``target`` is no safe link (resolve)."""
    resolved = resolve(target)
    if resolved.href is None:
        return escape(words)
    html = format_html('<a class="usa-link" href="{}">{}</a>', resolved.href, words)
    return html + exit_link() if resolved.leaves_site or leaves_site else html


# Rich text: HTML as the editor (django-prose-editor) writes it, kept to these
# tags and attributes when saved and again when printed (nh3).
RICH_TEXT_TAGS = {"p", "br", "strong", "em", "a", "span", "ul", "ol", "li"}
RICH_TEXT_ATTRIBUTES = {"a": {"href"}, "span": {"lang"}}
# A language tag (BCP 47, as HTML's lang takes it): "es", "pt-BR", "es-419".
LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
# A link as the cleaner writes it; editor's links may carry other attributes too.
ANCHOR = re.compile(r'<a\b[^>]*?\shref="(?P<href>[^"]*)"[^>]*>(?P<words>.*?)</a>', re.S)


def _kept_attribute(tag, name, value):
    if name == "lang":
        return value if LANGUAGE_TAG.match(value) else None
    return value


_rich_text = nh3.Cleaner(
    tags=RICH_TEXT_TAGS, attributes=RICH_TEXT_ATTRIBUTES, url_schemes={"http", "https", "mailto", "partner"},
    link_rel=None, attribute_filter=_kept_attribute, strip_comments=True,
)


def clean_html(value, lists=True):
    """``value`` (HTML) with only the tags and attributes rich text may hold;
    a list item's one paragraph is its text, and an empty text is empty.
    Without ``lists``, each item of a list is a paragraph."""
    cleaned = _rich_text.clean(value or "").strip()
    if not lists and re.search(r"<(ul|ol|li)>", cleaned):
        # Each list tag ends a paragraph and starts another; the cleaner closes what is left open.
        cleaned = _rich_text.clean("<p>" + re.sub(r"</?(ul|ol|li)>", "</p><p>", cleaned) + "</p>")
        cleaned = re.sub(r"<p>(\s|<br>)*</p>", "", cleaned)
    # The editor wraps each list item's text in a paragraph; printed, it is the item.
    cleaned = re.sub(r"<li><p>(.*?)</p>", r"<li>\1", cleaned, flags=re.S)
    cleaned = re.sub(r"<a>(.*?)</a>", r"\1", cleaned, flags=re.S)  # a link whose address was refused
    return "" if re.fullmatch(r"(<p>\s*</p>|<p><br></p>)?", cleaned) else cleaned


def words_of_html(value):
    """The words a reader sees in rich text, blocks and line breaks as spaces."""
    spaced = re.sub(r"</(p|li)>|<br>|<(ul|ol)>", " ", value or "")
    return " ".join(html_entities.unescape(nh3.clean(spaced, tags=set())).split())


def html_paragraphs(value):
    """The paragraphs of rich text without lists (as clean_html or
    render_html give it), each as the HTML within it: words outside any
    paragraph (a text stored as plain words) are a paragraph too, and a
    paragraph without words is none."""
    return [part.strip() for part in re.split(r"</?p>", value or "") if re.sub(r"<[^>]*>", "", part).strip()]


def text_of_html(value):
    """Rich text without lists as plain text: the words of each paragraph,
    paragraphs apart by a blank line."""
    return "\n\n".join(words_of_html(part) for part in html_paragraphs(clean_html(value, lists=False)))


def html_links(value):
    """(words as plain text, href) for each link of rich text."""
    return [(words_of_html(m["words"]), html_entities.unescape(m["href"])) for m in ANCHOR.finditer(value or "")]


def render_html(value, partners_by_slug, lists=True):
    """Rich text as printed: cleaned again (whatever wrote it; without
    ``lists``, each list item is a paragraph), each link resolved as browsers
    read it (a partner's to its address) and each external one followed by
    the Exit disclaimer link; a link that is no safe link, or to a partner
    that is not public, is printed as its words."""
    def link(m):
        words, target = mark_safe(m["words"]), html_entities.unescape(m["href"])
        if target.startswith("partner:"):
            partner = partners_by_slug.get(target.removeprefix("partner:"))
            if partner is None or not partner.url:
                return words
            return link_html(words, partner.url, partner.leaves_site)
        return link_html(words, target)

    return mark_safe(ANCHOR.sub(link, clean_html(value, lists=lists)))


def list_items(value):
    """The words of each item of a list in rich text (a sub-item on its own)."""
    return [words for part in re.split(r"<li>", value or "")[1:] if (words := words_of_html(part))]


def list_depth(value):
    """How deep the lists of rich text nest: 0 without a list, 1 for a plain list."""
    depth = deepest = 0
    for tag in re.finditer(r"<(/?)(ul|ol)>", value or ""):
        depth += -1 if tag[1] else 1
        deepest = max(deepest, depth)
    return deepest


def link_problems(value):
    """What is wrong with each link of rich text ``value`` that is printed as
    its words only, for its target is no safe link; partner links are not
    looked up."""
    return [
        f"“{words}” links to {href}: {problem}."
        for words, href in html_links(value)
        if not href.startswith("partner:") and (problem := resolve(href).problem)
    ]


def partner_exists(slug):
    """Whether a partner has ``slug``: a record of settings.PARTNER_LINK_MODEL
    (the partners app's, which this module does not import)."""
    return apps.get_model(settings.PARTNER_LINK_MODEL)._default_manager.filter(slug=slug).exists()


def validate_rich_text(value):
    """Refuse rich text whose links the site cannot resolve, or whose lists nest more than one level."""
    errors = link_problems(value)
    for words, href in html_links(value):
        slug = href.removeprefix("partner:")
        if href.startswith("partner:") and not partner_exists(slug):
            errors.append(f"“{words}” links to partner:{slug}, but no partner has the slug “{slug}”.")
    if list_depth(clean_html(value)) > 2:
        errors.append("A list item may hold a list, but that list's items may not: one level of nesting.")
    if errors:
        raise ValidationError(errors)


class RichTextField(ProseEditorField):
    """Rich text, edited with django-prose-editor: paragraphs, bold, italic,
    links (to a partner, another site, this site or an e-mail address) and a
    phrase's language; with ``lists``, bulleted and numbered lists too. What
    is saved is cleaned (clean_html); the links are checked first, so that an
    editor is told of one that would be dropped."""

    LINK_FORMS = (
        "Links: partner:slug for a partner (its address, kept current), https://… for another site, "
        "/path/ or #anchor on this site, mailto:… for an e-mail address; links that leave the site get the "
        "Exit disclaimer link by themselves. The language button marks a phrase in another language (es)."
    )

    def __init__(self, *args, lists=False, **kwargs):
        extensions = {
            "Bold": True, "Italic": True, "HardBreak": True, "Language": True,
            "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto", "partner"]},
        }
        if lists:
            extensions |= {"BulletList": True, "OrderedList": True, "ListItem": True}
        kwargs.setdefault("validators", [validate_rich_text])
        kwargs.setdefault("help_text", self.LINK_FORMS)
        super().__init__(*args, extensions=extensions, sanitize=functools.partial(clean_html, lists=lists), **kwargs)


def validate_address(url):
    """Refuse a web address (a partner's, an agreement's) that is no safe link."""
    problem = resolve(url).problem
    if url and problem:
        raise ValidationError(f"{url}: {problem}.")


def stored_link_problems(obj):
    """(field, problem) for each stored link of ``obj`` printed as its words
    only: its fields checked by validate_rich_text and validate_address."""
    problems = []
    for field in obj._meta.concrete_fields:
        value = field.value_from_object(obj)
        if not isinstance(value, str):
            continue
        if validate_rich_text in field.validators:
            problems += [(field, problem) for problem in link_problems(value)]
        elif validate_address in field.validators and value and resolve(value).problem:
            problems.append((field, f"{value}: {resolve(value).problem}."))
    return problems


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
