"""Reading pages the way a visitor (or a screen reader) does, for assertions."""

import re
from html.parser import HTMLParser

from django.conf import settings
from django.test.html import Element, parse_html

SNAPSHOT = settings.BASE_DIR / "fixtures" / "peru-2021-01-19.json"
SEED = settings.BASE_DIR / "tests" / "fixtures" / "epa-collaboration-peru-2021-01-19.txt"
PERU_PAGE = "/international-cooperation/epa-collaboration-peru/"
ARCHIVED_PERU_PAGE = "/archive/2021-01-19/international-cooperation/epa-collaboration-peru/"

BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "address", "br", "dt", "dd", "div", "section", "nav", "ul", "ol"}
VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}


def words(text):
    return " ".join(text.split())


def elements(html, tag, **attributes):
    """The ``tag`` elements (``tag``: a name, or a tuple of names) of ``html``
    with these ``attributes`` (``class_``: one of its classes), in the page's
    order, as Django's HTML assertions read them: an element's ``str()`` is
    its HTML, for assertInHTML."""
    tags = (tag,) if isinstance(tag, str) else tag
    wanted_class = attributes.pop("class_", None)
    found = []

    def visit(parent):
        for child in parent.children:
            if not isinstance(child, Element):
                continue
            own = dict(child.attributes)
            if (child.name in tags and all(own.get(name) == value for name, value in attributes.items())
                    and (wanted_class is None or wanted_class in (own.get("class") or "").split())):
                found.append(child)
            visit(child)

    visit(parse_html(html))
    return found


def listed(html):
    """The addresses of an activity listing's rows, in its order."""
    return [dict(link.attributes)["href"]
            for title in elements(html, "p", class_="activity-list__title")
            for link in title.children if getattr(link, "name", None) == "a"]


class ParsedHtml(HTMLParser):
    """The blocks of text, headings, lists and links of an HTML page."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.blocks, self.headings, self.links, self.lists = [], [], [], []
        self._text, self._stack, self._skip, self._link = [], [], 0, None
        self._list_stack = []
        self.feed(html)
        self._flush()

    def _flush(self):
        text = words("".join(self._text))
        if text:
            self.blocks.append(text)
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag in BLOCKS:
            self._flush()
        if tag in ("h1", "h2", "h3", "h4"):
            self._heading = [tag, ""]
        if tag in ("ul", "ol"):
            self._list_stack.append({"tag": tag, "class": attrs.get("class", ""), "items": 0,
                                     "section": next((s for s in reversed(self._stack) if s[1]), (None, None))[1]})
        if tag == "li" and self._list_stack:
            self._list_stack[-1]["items"] += 1
        if tag == "a":
            self._link = {"href": attrs.get("href", ""), "class": attrs.get("class") or "", "text": ""}
        if tag not in VOID:
            self._stack.append((tag, attrs.get("id") if tag == "section" else None))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if tag in BLOCKS:
            self._flush()
        if tag in ("h1", "h2", "h3", "h4") and getattr(self, "_heading", None):
            self.headings.append((self._heading[0], words(self._heading[1])))
            self._heading = None
        if tag in ("ul", "ol") and self._list_stack:
            self.lists.append(self._list_stack.pop())
        if tag == "a" and self._link is not None:
            self._link["text"] = words(self._link["text"])
            self.links.append(self._link)
            self._link = None
        while self._stack:
            open_tag, _ = self._stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._skip:
            return
        self._text.append(data)
        if getattr(self, "_heading", None):
            self._heading[1] += data
        if self._link is not None:
            self._link["text"] += data



def text_without_exit_links(html):
    """All the words of ``html``, with each "Exit" disclaimer link taken out."""
    html = re.sub(r"\s*<a class=\"exit-disclaimer\"[^>]*>Exit</a>", "", html)
    return " ".join(ParsedHtml(html).blocks)


def seed_blocks():
    """The archived page's text blocks, list markers and "Exit" markers removed."""
    text = SEED.read_text(encoding="utf-8")
    blocks = []
    for line in text.split("\n"):
        line = words(line)
        line = re.sub(r"^(•|\d+\.) ", "", line)
        # "Exit" is the external-link marker, glued to the next word in the extraction.
        line = words(re.sub(r"\bExit(?=[a-z]|\s|$)", " ", line))
        if line:
            blocks.append(line)
    return blocks


class FilterChoices(HTMLParser):
    """The choices of a filter form as a visitor sees them:
    {field name: {value: {"label": text, "disabled": bool, "selected": bool}}}."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.fields, self._labels, self._inputs = {}, {}, {}
        self._select = self._option = self._label = None
        self.feed(html)
        for input_id, (name, value, state) in self._inputs.items():
            self.fields.setdefault(name, {})[value] = {"label": words(self._labels.get(input_id, "")), **state}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        state = {"disabled": "disabled" in attrs, "selected": "selected" in attrs or "checked" in attrs}
        if tag == "select":
            self._select = attrs["name"]
            self.fields.setdefault(self._select, {})
        elif tag == "option" and self._select:
            self._option = attrs.get("value", "")
            self.fields[self._select][self._option] = {"label": "", **state}
        elif tag == "input" and attrs.get("type") in ("checkbox", "radio"):
            self._inputs[attrs["id"]] = (attrs["name"], attrs.get("value", "on"), state)
        elif tag == "label":
            self._label = attrs.get("for")
            self._labels[self._label] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None
        elif tag == "label":
            self._label = None

    def handle_data(self, data):
        if self._option is not None:
            self.fields[self._select][self._option]["label"] += data
        if self._label is not None:
            self._labels[self._label] += data

    def count(self, name, value):
        """The number printed beside a choice, e.g. 6 for "2019 (6)"."""
        match = re.search(r"\((\d+)(?: results?)?\)$", self.fields[name][value]["label"].strip())
        return int(match.group(1)) if match else None
