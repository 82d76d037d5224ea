"""Freeze the public site into static files that a plain file server (or a
browser opening them from disk) can show, for a permanent archive.

Pages are rendered by Django's test client, through the same URLs, views and
middleware as a visitor's request, starting from the sitemap and following
every link. Links are rewritten to relative paths of files, so the result
works under any address. What needs the running site (filter combinations,
comparisons of chosen versions, the contact form, the admin) is not frozen:
links to it go to a page that says so, and forms are replaced by a note.
"""

import functools
import logging
import posixpath
import re
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import reverse

UNAVAILABLE = "unavailable/index.html"
NOT_FROZEN_PREFIXES = ("/admin/", "/contact/", "/healthz")
COMPARE = "/archive/compare/"
CSS_URL = re.compile(r"""url\(\s*["']?(?P<url>[^)"'?#]+)""")
LINK = re.compile(r'(?P<attr>\b(?:href|src|action))="(?P<url>[^"]*)"')
FORM = re.compile(r"<form\b.*?</form>", re.S)
FORM_NOTE = (
    '<p class="frozen-note">This is a frozen copy of the site: its forms do not work here. '
    "Browse by the links on each page instead.</p>"
)


class FreezeError(Exception):
    """The frozen site would be incomplete; the message says what is wrong."""


@dataclass
class FreezeReport:
    out_dir: Path
    pages: dict = field(default_factory=dict)  # site address -> file written, relative to out_dir
    static_files: int = 0
    links_checked: int = 0

    def lines(self):
        yield f"Froze {len(self.pages)} pages and {self.static_files} static files into {self.out_dir}."
        yield f"Checked {self.links_checked} internal links: none is broken."


def file_for(path, query=""):
    """The file, relative to the output folder, that holds the page at ``path``
    (and ``query``: only a page number is frozen), or None if it is not frozen."""
    params = parse_qsl(query, keep_blank_values=True)
    if path.startswith(NOT_FROZEN_PREFIXES) or path.startswith(settings.STATIC_URL):
        return None
    if path == COMPARE:
        # The comparisons the pages link to are frozen, each under its own folder.
        chosen = dict(params)
        if sorted(chosen) != ["from", "program", "to"] or len(params) != 3:
            return None
        return f"archive/compare/{chosen['program']}/{chosen['from']}--{chosen['to']}/index.html"
    if params and [name for name, _ in params] != ["page"]:
        return None
    relative = path.lstrip("/")
    if params:
        relative = f"{relative}page/{params[0][1]}/"
    if relative.endswith("feed/"):
        return relative + "index.xml"
    if relative == "" or relative.endswith("/"):
        return relative + "index.html"
    return relative  # sitemap.xml, robots.txt


def freeze(out_dir, *, base_url="http://localhost:8000/"):
    """Write the public site into ``out_dir`` (which must be empty or absent)
    and check every internal link of the result; returns a FreezeReport."""
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FreezeError(f"{out_dir} is not empty: freeze into a new folder.")
    static_root = Path(settings.STATIC_ROOT)
    if not static_root.is_dir():
        raise FreezeError(f"No collected static files in {static_root}: run collectstatic (make static) first.")
    base = urlsplit(base_url)
    report = FreezeReport(out_dir=out_dir)
    with override_settings(ALLOWED_HOSTS=[base.hostname], SECURE_SSL_REDIRECT=False):
        client = Client(HTTP_HOST=base.netloc)
        get = functools.partial(client.get, secure=base.scheme == "https")
        _crawl(get, out_dir, report)
    unavailable = render_to_string("coop_site/frozen_unavailable.html")
    _write(out_dir / UNAVAILABLE, rewrite_links(unavailable, "/unavailable/", UNAVAILABLE))
    _copy_static(static_root, out_dir, report)
    report.links_checked = check_links(out_dir)
    return report


def _crawl(get, out_dir, report):
    sitemaps, pages = _sitemap_addresses(get)
    queue = ["/", "/robots.txt", *sitemaps, *pages]
    queue += [address + "feed/" for address in list(queue) if _is_listing(address)]
    seen = set()
    while queue:
        address = queue.pop(0)
        if address in seen:
            continue
        seen.add(address)
        path, _, query = address.partition("?")
        target = file_for(path, query)
        if target is None:
            continue
        response = get(path, dict(parse_qsl(query)))
        if response.status_code != 200:
            raise FreezeError(f"{address} answered {response.status_code}, linked from a page of the site.")
        body = response.content
        if response["Content-Type"].startswith("text/html"):
            html = body.decode(response.charset or "utf-8")
            queue.extend(_internal_links(html, address))
            body = rewrite_links(html, address, target).encode("utf-8")
        _write(out_dir / target, body)
        report.pages[address] = target
    with _quiet("django.request"):  # the 404 page is asked for on purpose
        not_found = get("/no-page-has-this-address/")
    _write(out_dir / "404.html", rewrite_links(not_found.content.decode(), "/", "404.html"))


def _sitemap_addresses(get):
    """The sitemap's own addresses, and those of every page it names."""
    index_address = reverse("django.contrib.sitemaps.views.index")
    sitemaps, pages = [index_address], []
    index = get(index_address).content.decode()
    for section in re.findall(r"<loc>([^<]+)</loc>", index):
        sitemaps.append(urlsplit(section).path)
        sitemap = get(sitemaps[-1]).content.decode()
        pages += [urlsplit(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap)]
    return sitemaps, pages


@contextmanager
def _quiet(logger_name):
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _is_listing(address):
    return address == reverse("activity:list") or re.fullmatch(r"/activities/(\d+|theme/[\w-]+)/", address)


def _internal_links(html, page_address):
    links = []
    for match in LINK.finditer(FORM.sub("", html)):
        url = urljoin(page_address, unescape(match["url"]))
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        links.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return links


def rewrite_links(html, page_address, page_file):
    """Forms become a note, and every internal link a relative link to a file."""
    html = FORM.sub(FORM_NOTE, html)
    here = posixpath.dirname(page_file)

    def relative(match):
        url = unescape(match["url"])
        parts = urlsplit(urljoin(page_address, url))
        if parts.scheme or parts.netloc or url.startswith("#") or not url:
            return match[0]
        if parts.path.startswith(settings.STATIC_URL):
            target = "static/" + parts.path[len(settings.STATIC_URL):]
        else:
            target = file_for(parts.path, parts.query) or UNAVAILABLE
        link = posixpath.relpath(target, here or ".")
        return f'{match["attr"]}="{link}{"#" + parts.fragment if parts.fragment else ""}"'

    return LINK.sub(relative, html)


def _copy_static(static_root, out_dir, report):
    """The static files the pages use, and those their stylesheets use in turn
    (fonts, images): not the whole collection."""
    wanted = set()
    for page in out_dir.rglob("*.html"):
        for match in LINK.finditer(page.read_text(encoding="utf-8")):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(str(page.relative_to(out_dir))), match["url"]))
            if target.startswith("static/"):
                wanted.add(target.removeprefix("static/"))
    copied = set()
    while wanted:
        name = wanted.pop()
        source = static_root / name
        if name in copied or not source.is_file():
            continue  # a missing file is reported by the link check
        target = out_dir / "static" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        copied.add(name)
        if source.suffix == ".css":
            for match in CSS_URL.finditer(source.read_text(encoding="utf-8")):
                if not match["url"].startswith(("data:", "http:", "https:", "/")):
                    wanted.add(posixpath.normpath(posixpath.join(posixpath.dirname(name), match["url"])))
    report.static_files = len(copied)


def _write(path, body):
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(body, str):
        body = body.encode("utf-8")
    path.write_bytes(body)


def check_links(out_dir):
    """Every relative link of every HTML page and stylesheet must name a file
    of the output; returns how many were checked, or raises FreezeError naming
    each broken one."""
    out_dir = Path(out_dir)
    broken, checked = [], 0
    files = [(page, LINK) for page in sorted(out_dir.rglob("*.html"))]
    files += [(stylesheet, CSS_URL) for stylesheet in sorted(out_dir.rglob("*.css"))]
    for page, pattern in files:
        for match in pattern.finditer(page.read_text(encoding="utf-8")):
            parts = urlsplit(unescape(match["url"]))
            if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
                if parts.path.startswith("/") and not parts.netloc:
                    broken.append(f"{page.relative_to(out_dir)}: {match['url']} (an absolute path)")
                continue
            checked += 1
            target = (page.parent / parts.path).resolve()
            if not target.is_file() or out_dir.resolve() not in target.parents:
                broken.append(f"{page.relative_to(out_dir)}: {match['url']}")
    if broken:
        listed = "\n  ".join(broken[:50])
        raise FreezeError(f"{len(broken)} broken internal links:\n  {listed}")
    return checked
