"""The activity listings as data, and the catalog that describes them.

Every listing address also answers ``?format=json`` and ``?format=csv``: every
row of the listing, in its order, streamed. Rows are read ``CHUNK_SIZE`` at a
time, each chunk's themes and partners in one query each, so that neither
memory nor the number of queries grows with the rows. ``/data.json`` describes
the data set in the Project Open Data metadata schema (DCAT-US 1.1), which
federal catalogs such as data.gov harvest.
"""

import csv
import functools
import io
import json
from collections import defaultdict
from datetime import datetime
from itertools import batched

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header

from core.text import text_of_html, words_of_html
from partners.models import Partner

from . import selectors
from .listing import SITE_TITLE
from .models import Page, Theme, listing_title

MEDIA_TYPES = {"json": "application/json", "csv": "text/csv"}
CHUNK_SIZE = 500  # rows a query reads at a time, and a piece of the response holds

CSV_COLUMNS = (
    "slug", "title", "date", "text", "theme_slugs", "theme_names", "partner_slugs", "partner_names",
    "page_title", "page_url", "url", "last_changed",
)
CSV_LIST_SEPARATOR = "; "
# A cell starting with one of these is a formula to a spreadsheet (OWASP, "CSV
# Injection"); a leading apostrophe makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

PUBLISHER = "U.S. Environmental Protection Agency"
LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"
POD_SCHEMA = "https://project-open-data.cio.gov/v1.1/schema"


def format_problem(values):
    """Why the ``format`` values of a query are no format ("" if they are one)."""
    formats = " or ".join(f"format={name}" for name in MEDIA_TYPES)
    if len(values) > 1:
        return f"Ask for one format: {formats}."
    if values[0] not in MEDIA_TYPES:
        named = f" “{values[0]}”" if values[0].isprintable() and len(values[0]) <= 40 else ""
        return f"There is no format{named}: this listing is data as {formats}, or a web page without format."
    return ""


def bad_request(message):
    return HttpResponseBadRequest(message + "\n", content_type="text/plain; charset=utf-8")


def bad_filters(listing):
    """400: the filters that name nothing, each with its error."""
    problems = [f"{name}: {' '.join(errors)}" for name, errors in listing.errors.items()]
    return bad_request("These filters name nothing on this site. " + " ".join(problems))


def listing_response(request, listing, data_format):
    """Every activity of a listing (a valid one) as ``data_format``, streamed."""
    base = request.build_absolute_uri("/").removesuffix("/")
    records = listing_records(listing, base)
    name = listing.file_name(data_format)
    if data_format == "csv":
        response = StreamingHttpResponse(csv_pieces(records), content_type="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = content_disposition_header(True, name)
    else:
        head = {
            "description": listing.site_title,
            "listing_url": base + listing.url(),
            "url": base + listing.url(data_format="json"),
        }
        response = StreamingHttpResponse(json_pieces(head, records), content_type=MEDIA_TYPES["json"])
        response.headers["Content-Disposition"] = content_disposition_header(False, name)
    return response


def listing_records(listing, base):
    """The activities of a listing as data records, read CHUNK_SIZE at a
    time; each chunk's links to themes and partners in one query each.
    ``base`` is the site's own address (scheme and host)."""
    addresses = Addresses(base)
    themes = {theme.pk: theme for theme in Theme.objects.order_by("name", "pk")}
    partners = {partner.pk: partner for partner in Partner.objects.published().order_by("name", "pk")}
    for chunk in batched(selectors.listing_rows(listing.activities).iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        ids = [activity["pk"] for activity in chunk]
        themes_of = linked(selectors.theme_links(ids), themes)
        partners_of = linked(selectors.partner_links(ids), partners)
        for activity in chunk:
            yield activity_record(activity, themes_of[activity["pk"]], partners_of[activity["pk"]], addresses)


def linked(links, objects):
    """{activity id: [its objects, in the order of ``objects``]} from (activity id, object id) links;
    a link to an object ``objects`` lacks (an unpublished partner) is left out."""
    order = {pk: position for position, pk in enumerate(objects)}
    by_activity = defaultdict(list)
    for activity_id, pk in links:
        if pk in objects:
            by_activity[activity_id].append(objects[pk])
    for linked_objects in by_activity.values():
        linked_objects.sort(key=lambda obj: order[obj.pk])
    return by_activity


class Addresses:
    """The absolute addresses of the records. reverse() costs as much as the
    rest of a record: pages and partners are few, so each is reversed once,
    and an activity's address is its slug put into one reversed address."""

    SLUG = "slug-of-the-activity"

    def __init__(self, base):
        self.activity_address = base + reverse("activities:activity_detail", kwargs={"slug": self.SLUG})
        self.page = functools.cache(lambda slug: base + Page(slug=slug).page_url)
        self.partner = functools.cache(lambda partner: base + partner.get_absolute_url())

    def activity(self, slug):
        # A slug is letters, digits, "-" and "_" (a SlugField): nothing to quote.
        return self.activity_address.replace(self.SLUG, slug)


def activity_record(activity, themes, partners, addresses):
    """One activity (a listing_rows() row) as a data record."""
    return {
        "slug": activity["slug"],
        "title": listing_title(activity["title"], words_of_html(activity["text"])),
        "date": f"{activity['date']:%Y-%m}" if activity["date"] else None,
        "text": text_of_html(activity["text"]),
        "themes": [{"slug": theme.slug, "name": theme.name} for theme in themes],
        "partners": [
            {"slug": partner.slug, "name": str(partner), "url": addresses.partner(partner)} for partner in partners
        ],
        "page": {"title": activity["page__title"], "url": addresses.page(activity["page__slug"])},
        "url": addresses.activity(activity["slug"]),
        "last_changed": iso_time(activity["last_changed"]) if activity["last_changed"] else None,
    }


def iso_time(when):
    """A datetime to the second (ISO 8601, with its offset), or a date."""
    return when.isoformat(timespec="seconds") if isinstance(when, datetime) else when.isoformat()


def json_pieces(head, records):
    """``{...head, "activities": [...], "count": n}``, a chunk of rows a piece.
    The count comes last: it is the number of rows just sent, which no
    separate count could promise while the content may change."""
    yield json.dumps(head, ensure_ascii=False).removesuffix("}") + ', "activities": ['
    count = 0
    for chunk in batched(records, CHUNK_SIZE):
        yield ("," if count else "") + "\n" + ",\n".join(json.dumps(record, ensure_ascii=False) for record in chunk)
        count += len(chunk)
    yield f'\n], "count": {count}}}\n'


def csv_pieces(records):
    """A header row, then a chunk of rows a piece (RFC 4180, UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for chunk in batched(records, CHUNK_SIZE):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([spreadsheet_safe(cell) for cell in csv_row(record)] for record in chunk)
        yield buffer.getvalue()


def csv_row(record):
    join = CSV_LIST_SEPARATOR.join
    return [
        record["slug"], record["title"], record["date"] or "", record["text"],
        join(theme["slug"] for theme in record["themes"]), join(theme["name"] for theme in record["themes"]),
        join(partner["slug"] for partner in record["partners"]),
        join(partner["name"] for partner in record["partners"]),
        record["page"]["title"], record["page"]["url"], record["url"], record["last_changed"] or "",
    ]


def spreadsheet_safe(cell):
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def catalog(request):
    """/data.json: the site's data sets (the activities) in the Project Open
    Data metadata schema, DCAT-US 1.1."""
    base = request.build_absolute_uri("/").removesuffix("/")
    facts = selectors.activities_data_set()
    return JsonResponse(
        {
            "@context": f"{POD_SCHEMA}/catalog.jsonld",
            "@id": base + reverse("data_catalog"),
            "@type": "dcat:Catalog",
            "conformsTo": POD_SCHEMA,
            "describedBy": f"{POD_SCHEMA}/catalog.json",
            "dataset": [activities_dataset(facts, base)] if facts else [],
        },
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )


def activities_dataset(facts, base):
    listing = reverse("activities:activity_list")

    def download(data_format, title):
        return {
            "@type": "dcat:Distribution",
            "title": title,
            "downloadURL": f"{base}{listing}?format={data_format}",
            "mediaType": MEDIA_TYPES[data_format],
            "format": data_format.upper(),
        }

    dataset = {
        "@type": "dcat:Dataset",
        "title": SITE_TITLE,
        "description": (
            "The activities printed on the U.S. EPA's international cooperation pages (the current version of "
            "each page): for each, its title, month, text, themes, partners, the page it is printed on and its "
            "address. Each listing of the site (by year, theme, partner, page or words) is also available as "
            "JSON and CSV at its own address with format=json or format=csv."
        ),
        "keyword": facts.themes or ["international cooperation"],
        "modified": iso_time(facts.modified),
        "publisher": {"@type": "org:Organization", "name": PUBLISHER},
        "contactPoint": {
            "@type": "vcard:Contact",
            "fn": settings.DATA_CONTACT_NAME,
            "hasEmail": f"mailto:{settings.DATA_CONTACT_EMAIL}",
        },
        # The same wherever the site is served, as the feeds' ids (tag URI, RFC 4151).
        "identifier": f"tag:{settings.FEED_TAG_AUTHORITY}:{listing}",
        "accessLevel": "public",
        "bureauCode": ["020:00"],
        "programCode": ["020:000"],
        "license": LICENSE,
        "spatial": ", ".join(facts.countries),
        "accrualPeriodicity": "irregular",
        "landingPage": base + listing,
        "language": ["en-US"],
        "distribution": [
            download("json", "All activities as JSON"),
            download("csv", "All activities as CSV"),
            {
                "@type": "dcat:Distribution",
                "title": "The newest activities as an Atom feed",
                "accessURL": base + reverse("activities:activity_feed"),
                "mediaType": "application/atom+xml",
                "format": "Atom",
            },
        ],
    }
    if facts.first:
        dataset["temporal"] = f"{facts.first:%Y-%m}/{facts.last:%Y-%m}"
    return dataset
