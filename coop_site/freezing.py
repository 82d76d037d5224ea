"""Freeze the public site into static files that a plain file server (or a
browser opening them from disk) can show, for a permanent archive.

Pages are rendered by Django's test client, through the same URLs, views and
middleware as a visitor's request, starting from the sitemap and following
every link. Links are rewritten to relative paths of files, so the result
works under any address. What needs the running site (filter combinations,
comparisons of chosen versions, the contact form, the admin) is not frozen:
links to it go to a page that says so, and forms are replaced by a note.

The copy is built in a folder beside the target and moved into place only
once it is complete and every link checked: a failed freeze leaves nothing.
"""

import functools
import logging
import posixpath
import re
import secrets
import shutil
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils.csp import build_policy
from django.utils.html import format_html

UNAVAILABLE = "unavailable/index.html"
NOT_FROZEN_PREFIXES = ("/admin/", "/contact/", "/healthz")
COMPARE = "/archive/compare/"
CSS_URL = re.compile(r"""url\(\s*["']?(?P<url>[^)"'?#]+)""")
LINK = re.compile(r'(?P<attr>\b(?:href|src|action))="(?P<url>[^"]*)"')
FORM = re.compile(r"<form\b.*?</form>", re.S)
HEAD = re.compile(r"<head>\s*(?:<meta charset=[^>]*>)?")
# HTML forbids these directives in a <meta> policy and browsers ignore them
# there: keeping pages out of other sites' frames (frame-ancestors) is up to
# the file server's own headers.
NOT_IN_META = {"frame-ancestors", "report-uri", "sandbox"}
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
        if sorted(chosen) != ["from", "page", "to"] or len(params) != 3:
            return None
        return f"archive/compare/{chosen['page']}/{chosen['from']}--{chosen['to']}/index.html"
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


def not_frozen_file(path):
    """The page, saying the address is not in the frozen copy, that a link to
    ``path`` (not frozen with the query it has) leads to: a page at the address
    itself when nothing is frozen there (the contact form, the comparison
    form), else one shared page (a combination of filters on a listing)."""
    if path.endswith("/") and file_for(path) is None:
        return path.lstrip("/") + "index.html"
    return UNAVAILABLE


def freeze(out_dir, *, base_url="http://localhost:8000/"):
    """Write the public site into ``out_dir`` (which must be empty or absent)
    and check every internal link of the result; returns a FreezeReport.
    On failure nothing is left at ``out_dir``."""
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise FreezeError(f"{out_dir} is not empty: freeze into a new folder.")
    static_root = Path(settings.STATIC_ROOT)
    if not static_root.is_dir():
        raise FreezeError(f"No collected static files in {static_root}: run collectstatic (make static) first.")
    target = out_dir.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Beside the target, so that moving it into place is a rename on one file system.
    work_dir = target.with_name(f".{target.name}.partial-{secrets.token_hex(4)}")
    work_dir.mkdir()
    try:
        report = _freeze_into(work_dir, static_root, urlsplit(base_url))
        if target.exists():
            target.rmdir()
        work_dir.rename(target)
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    report.out_dir = out_dir
    return report


def _freeze_into(out_dir, static_root, base):
    # DEBUG off whatever the settings say: the site's own 404 page, never
    # Django's debug page (which lists every URL pattern, the admin's too).
    with override_settings(DEBUG=False, ALLOWED_HOSTS=[base.hostname], SECURE_SSL_REDIRECT=False):
        client = Client(HTTP_HOST=base.netloc)
        freezer = Freezer(out_dir, functools.partial(client.get, secure=base.scheme == "https"))
        freezer.crawl()
        freezer.fill_in()
    _copy_static(static_root, out_dir, freezer.report)
    freezer.report.links_checked = check_links(out_dir)
    return freezer.report


def csp_meta():
    """The site's Content-Security-Policy (settings.SECURE_CSP) as a <meta>
    element, for pages served without the site's headers; empty if the site
    sets no policy."""
    policy = build_policy({name: value for name, value in settings.SECURE_CSP.items() if name not in NOT_IN_META})
    return format_html('<meta http-equiv="Content-Security-Policy" content="{}">', policy) if policy else ""


class Freezer:
    """Writes the pages of one freeze into ``out_dir``, rendered by ``get``
    (a test client's get)."""

    def __init__(self, out_dir, get):
        self.out_dir, self.get = out_dir, get
        self.report = FreezeReport(out_dir=out_dir)
        self.csp_meta = csp_meta()
        self.not_frozen = set()  # the not_frozen_file() pages that links lead to

    def crawl(self):
        sitemaps, pages = _sitemap_addresses(self.get)
        seeds = ["/", "/robots.txt", *sitemaps, *pages]
        seeds += [address + "feed/" for address in list(seeds) if _is_listing(address)]
        queue = deque((address, None, None) for address in seeds)  # address, the page linking to it, the link
        seen = set()
        while queue:
            address, linked_from, link = queue.popleft()
            if address in seen:
                continue
            seen.add(address)
            path, _, query = address.partition("?")
            target = file_for(path, query)
            if target is None:
                continue
            response = self.get(path, dict(parse_qsl(query)))
            if response.status_code != 200:
                answer = f"{response.status_code} {response.reason_phrase}"
                if linked_from:
                    raise FreezeError(f"{linked_from} links to {link}, which the site answers with {answer}.")
                raise FreezeError(f"{address} answered {answer}.")
            body = response.content
            if response["Content-Type"].startswith("text/html"):
                html = body.decode(response.charset or "utf-8")
                queue.extend((linked, address, raw) for linked, raw in _internal_links(html, address))
                body = self.finish(html, address, target)
            _write(self.out_dir / target, body)
            self.report.pages[address] = target
        self._write_not_found("/no-page-has-this-address/", "404.html")

    def fill_in(self):
        """Write the pages that links lead to but that are not frozen, and an
        index page in every folder without one (where a plain file server
        would list the folder's files): "not in this frozen copy" where the
        site has a page, its 404 page where it has none."""
        while True:
            linked = {name for name in self.not_frozen if not (self.out_dir / name).exists()}
            bare = {
                f"{folder.relative_to(self.out_dir).as_posix()}/index.html"
                for folder in self.out_dir.rglob("*")
                if folder.is_dir() and not any((folder / index).exists() for index in ("index.html", "index.xml"))
            }
            if not linked and not bare:
                return
            for page_file in linked | bare:
                address = "/" + page_file.removesuffix("index.html")
                response = None if page_file in linked else self._get_quietly(address)
                if response is not None and response.status_code == 404:
                    html = response.content.decode(response.charset or "utf-8")
                else:
                    html = render_to_string("coop_site/frozen_unavailable.html", request=RequestFactory().get(address))
                _write(self.out_dir / page_file, self.finish(html, address, page_file))

    def _get_quietly(self, address):
        with _quiet("django.request"):  # a 404 here is asked for on purpose
            return self.get(address)

    def _write_not_found(self, address, page_file):
        response = self._get_quietly(address)
        html = response.content.decode(response.charset or "utf-8")
        _write(self.out_dir / page_file, self.finish(html, address, page_file))

    def finish(self, html, page_address, page_file):
        """A rendered page as a file of the frozen copy: the site's policy in a
        <meta> element, forms replaced by a note, links made relative."""
        if self.csp_meta:
            html, found = HEAD.subn(lambda head: f"{head[0]}\n  {self.csp_meta}", html, count=1)
            if not found:
                raise FreezeError(f"{page_address} has no <head> to hold its Content-Security-Policy.")
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
                target = file_for(parts.path, parts.query)
                if target is None:
                    target = not_frozen_file(parts.path)
                    self.not_frozen.add(target)
            link = posixpath.relpath(target, here or ".")
            return f'{match["attr"]}="{link}{"#" + parts.fragment if parts.fragment else ""}"'

        return LINK.sub(relative, html)


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
    return address == reverse("activities:activity_list") or re.fullmatch(r"/activities/(\d+|theme/[\w-]+)/", address)


def _internal_links(html, page_address):
    """(address, link as written) for each link of the page to the site itself."""
    links = []
    for match in LINK.finditer(FORM.sub("", html)):
        try:
            parts = urlsplit(urljoin(page_address, unescape(match["url"])))
        except ValueError as error:
            raise FreezeError(f"{page_address} links to {match['url']}, which is not an address: {error}.") from None
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        links.append((parts.path + (f"?{parts.query}" if parts.query else ""), unescape(match["url"])))
    return links


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
