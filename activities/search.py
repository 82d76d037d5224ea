"""Site search: the pages, activities, partners and agreements the public
sees, best match first, each with a passage where the matched words are
marked.

One way in, ``selectors.search(query)`` (and ``activities_matching`` for the
listing's words); what differs between the databases stays here. A query is
its words (letters and digits): every word must match, a word matches its
other forms ("workshops", "Workshop") and accents do not count ("Perú",
"Peru"); anything else in a query (quotes, operators, punctuation) is left
out, so no query is read as either database's search syntax.

- PostgreSQL: full-text search with the configuration english_unaccent
  (migration 0010). Activities, the many, keep their document in a column
  that a trigger computes, with a GIN index (the parser reads an activity's
  rich text and skips its tags); the few pages, partners and agreements are
  read as they are searched. Passages are marked in the words of the text,
  its tags taken out (WordsOfHtml).
- SQLite: FTS5 with the Porter stemmer (of which PostgreSQL's English
  stemmer is the successor: most words stem alike) over unicode61 with
  accents removed. Activities are indexed in activity_search, which holds
  each one's title and the words of its text (coop_words_of_html, an SQL
  function each connection gets: no tag, attribute or address is indexed or
  shown) and which triggers keep in step with their table, so that every way
  of writing counts (the admin, update(), bulk_create(), plain SQL through
  Django's connections); the few others are put in a temporary index for
  each search. FTS5 rather than a normalised column kept by save(): it comes
  with SQLite, needs no stemmer in Python, misses no write, and the index,
  the ranking (bm25) and the marking (highlight) are the database's.

Only what is public is found: every search starts from the publishing
querysets (``current()``, ``published()``), as the views do.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorExact,
    SearchVectorField,
)
from django.db import connection, connections
from django.db.models import Count, Expression, F, Func, OuterRef, StringAgg, Subquery, TextField, Value, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat
from django.db.models.lookups import GreaterThan
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.text import words_of_html
from partners.models import Agreement, Partner

from .models import Activity, Heading, ItemList, LinkList, Page, RichText

CONFIGURATION = "english_unaccent"  # PostgreSQL: migration 0010
TOKENIZER = "porter unicode61 remove_diacritics 2"  # SQLite
WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 32
# Around each matched word, in the text the database hands back: characters of
# Unicode's private use area, which no stored text has any reason to hold (and
# if one did, it would only mark a word wrongly: the markup stays balanced).
START, STOP = "\ue000", "\ue001"
SNIPPET_WORDS = 32
# SQLite: activity_search holds each activity's title and the words of its
# text (migration 0017), written by these triggers.
INDEXED = "SELECT {0}id, {0}title, coop_words_of_html({0}text)"
TRIGGERS = {
    "activity_search_insert": (
        "AFTER INSERT ON activities_activity BEGIN "
        f"INSERT INTO activity_search (rowid, title, text) {INDEXED.format('new.')}; END"
    ),
    "activity_search_delete": (
        "AFTER DELETE ON activities_activity BEGIN DELETE FROM activity_search WHERE rowid = old.id; END"
    ),
    "activity_search_update": (
        "AFTER UPDATE OF title, text ON activities_activity BEGIN "
        "DELETE FROM activity_search WHERE rowid = old.id; "
        f"INSERT INTO activity_search (rowid, title, text) {INDEXED.format('new.')}; END"
    ),
}


def search_terms(query):
    """The words of ``query`` that are searched for (at most MAX_WORDS)."""
    return WORD.findall(unicodedata.normalize("NFKC", query or ""))[:MAX_WORDS]


def page_text():
    """The words a page prints besides its activities (found on their own),
    as an expression on a Page: its headings, texts, lists and link-list
    labels. The one place that reads a page's text for search."""
    def words_of(model, field):
        rows = (
            model.objects.filter(page=OuterRef("pk")).order_by().values("page")
            .annotate(words=StringAgg(Cast(field, TextField()), delimiter=Value("\n\n"))).values("words")
        )
        return Coalesce(Subquery(rows), Value(""), output_field=TextField())

    return joined(
        words_of(Heading, "text"), WordsOfHtml(words_of(RichText, "text")), WordsOfHtml(words_of(ItemList, "items")),
        words_of(LinkList, "label"), separator="\n\n",
    )


class WordsOfHtml(Func):
    """Rich text's words in SQL (core.text.words_of_html): its tags taken out."""

    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        template = "regexp_replace(%(expressions)s, '<[^>]*>', ' ', 'g')"
        # The entities the cleaner (nh3) writes; "&amp;" last, so that "&amp;lt;" stays "&lt;".
        entities = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&nbsp;", "\u00a0"), ("&amp;", "&"))
        for entity, character in entities:
            template = f"replace({template}, '{entity}', '{character}')"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function=SQLITE_WORDS_OF_HTML, **extra)


SQLITE_WORDS_OF_HTML = "coop_words_of_html"


def add_sqlite_functions(sender, connection, **kwargs):
    """Each SQLite connection gets words_of_html as an SQL function (connection_created)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_WORDS_OF_HTML, 1, words_of_html, deterministic=True)


def joined(*parts, separator=" "):
    """``parts`` (field names or expressions) as one text, ``separator`` between them."""
    texts = []
    for part in parts:
        texts += [Value(separator, output_field=TextField()), Cast(part, TextField())]
    return Concat(*texts[1:], output_field=TextField())


def few_documents():
    """The few that are searched as they are, public ones only: each current
    page, published partner and published agreement as (kind, pk, title, text)."""
    documents = [
        Page.objects.current().annotate(search_kind=Value("page"), search_title=F("title"), search_text=page_text()),
        Partner.objects.published().annotate(
            search_kind=Value("partner"), search_title=joined("name", "acronym"),
            search_text=joined("local_name", "country", separator=" · "),
        ),
        Agreement.objects.published().annotate(
            search_kind=Value("agreement"), search_title=joined("title", "short_name"), search_text=F("parties")
        ),
    ]
    rows = [document.order_by().values_list("search_kind", "pk", "search_title", "search_text") for document in documents]
    return rows[0].union(*rows[1:], all=True).order_by()


# The order of results: first those whose title holds every word; among
# those, and among the others, pages, partners, agreements, then activities;
# last the database's rank within a kind (how often, and where, the words
# occur), then the newest activity first.
KINDS = ["page", "partner", "agreement", "activity"]


@dataclass
class Match:
    kind: str
    pk: int
    titled: bool  # the title holds every word
    rank: float  # comparable within a kind only
    marked: str = ""  # the text with the matched words between START and STOP

    @property
    def order(self):
        return (not self.titled, KINDS.index(self.kind), -self.rank)


@dataclass
class SearchResult:
    """One item found, as the results page prints it."""

    kind: str  # "page", "activity", "partner" or "agreement"
    title: str
    url: str
    snippet: str  # safe HTML: escaped text, the matched words in <mark>
    date: object = None  # an activity's month
    context: str = ""  # an activity's page

    @property
    def label(self):
        return self.kind.capitalize()


class ActivityDocument(Expression):
    """An activity's search document on PostgreSQL: the column that migration
    0010 adds to the activities' table, and a trigger keeps (no model field,
    so that no other query reads it)."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name(compiler.query.base_table)}.search_document", []


class PostgresSearch:
    """Full-text search with the configuration english_unaccent."""

    def query(self, terms):
        return SearchQuery(" ".join(terms), config=CONFIGURATION)  # every word (plainto_tsquery)

    def ranks(self, document, terms):
        """Whether the title (weight A) holds every word (the rank of the
        title alone is 0 unless it does), and the rank, divided by 1 + the
        logarithm of the document's length (normalization 1): the same words
        count for more in a shorter text, as bm25 has it on SQLite."""
        query = self.query(terms)
        return {
            "titled": GreaterThan(SearchRank(document, query, weights=[0, 0, 0, 1]), 0),
            "rank": SearchRank(document, query, normalization=1),
        }

    def headline(self, text, terms):
        return SearchHeadline(
            text, self.query(terms), config=CONFIGURATION, start_sel=START, stop_sel=STOP, highlight_all=True
        )

    def activities_matching(self, activities, terms):
        return activities.filter(SearchVectorExact(ActivityDocument(), self.query(terms)))

    def top_activities(self, terms, limit):
        rows = list(
            self.activities_matching(Activity.objects.current(), terms)
            .annotate(**self.ranks(ActivityDocument(), terms), total=Window(Count("pk")))
            .order_by("-titled", "-rank", F("date").desc(nulls_last=True), "pk")
            .values_list("pk", "titled", "rank", "total")[:limit]
        )
        return [Match("activity", *row[:3]) for row in rows], rows[0][3] if rows else 0

    def marked_activities(self, terms, pks):
        activities = Activity.objects.filter(pk__in=pks).select_related("page")
        activities = activities.annotate(marked=self.headline(WordsOfHtml("text"), terms))
        return {activity.pk: (activity, activity.marked) for activity in activities}

    def few_matches(self, terms):
        # In SQL around the documents' query, which is compiled once: as
        # expressions, each vector would be compiled with its page's text
        # for the match, each rank and the headline.
        documents, params = few_documents().query.sql_with_params()
        vector = f"setweight(to_tsvector('{CONFIGURATION}', coalesce(few.{{}}, '')), '{{}}')"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT few.kind, few.pk, ts_rank('{0, 0, 0, 1}', document, query) > 0, ts_rank(document, query, 1), "
                f"ts_headline('{CONFIGURATION}', coalesce(few.text, ''), query, %s) "
                f"FROM ({documents}) AS few (kind, pk, title, text) "
                f"CROSS JOIN plainto_tsquery('{CONFIGURATION}', %s) AS query "
                f"CROSS JOIN LATERAL (SELECT {vector.format('title', 'A')} || {vector.format('text', 'B')}) "
                "AS vector (document) "
                "WHERE document @@ query",
                [f"StartSel={START}, StopSel={STOP}, HighlightAll=true", *params, " ".join(terms)],
            )
            return [Match(*row) for row in cursor.fetchall()]


class SqliteSearch:
    """FTS5: activity_search, and a temporary index of the few."""

    def query(self, terms):
        # Each word quoted: a string, never an operator (NEAR, NOT, "*", "-", ":").
        return " ".join(f'"{term}"' for term in terms)

    def in_title(self, terms):
        return f"title : ({self.query(terms)})"

    def activities_matching(self, activities, terms):
        return activities.filter(
            pk__in=RawSQL("SELECT rowid FROM activity_search WHERE activity_search MATCH %s", [self.query(terms)])
        )

    def top_activities(self, terms, limit):
        # The public matches are found through the index, then ranked: "+"
        # keeps SQLite from handing that list to FTS5 one row at a time.
        public, params = (
            self.activities_matching(Activity.objects.current(), terms).values("pk").query.sql_with_params()
        )
        with connection.cursor() as cursor:
            cursor.execute(
                # bm25() is read where the index is; the count is taken around it.
                "SELECT id, titled, rank, count(*) OVER () FROM ("
                "SELECT activity.id, activity.date, activity.id IN "
                "(SELECT rowid FROM activity_search WHERE activity_search MATCH %s) AS titled, "
                "-bm25(activity_search, 5.0, 1.0) AS rank "
                "FROM activity_search JOIN activities_activity AS activity ON activity.id = activity_search.rowid "
                f"WHERE activity_search MATCH %s AND +activity.id IN ({public})"
                ") ORDER BY titled DESC, rank DESC, date IS NULL, date DESC, id LIMIT %s",
                [self.in_title(terms), self.query(terms), *params, limit],
            )
            rows = cursor.fetchall()
        matches = [Match("activity", pk, bool(titled), rank) for pk, titled, rank, _ in rows]
        return matches, rows[0][3] if rows else 0

    def marked_activities(self, terms, pks):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid, highlight(activity_search, 1, %s, %s) FROM activity_search "
                f"WHERE activity_search MATCH %s AND rowid IN ({', '.join(['%s'] * len(pks))})",
                [START, STOP, self.query(terms), *pks],
            )
            marked = dict(cursor.fetchall())
        activities = Activity.objects.filter(pk__in=pks).select_related("page")
        return {
            activity.pk: (activity, marked.get(activity.pk, words_of_html(activity.text))) for activity in activities
        }

    def few_matches(self, terms):
        documents, params = few_documents().query.sql_with_params()
        with connection.cursor() as cursor:
            # A temporary table belongs to this connection alone, and writing
            # it takes no lock on the database.
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.few_search "
                f"USING fts5(kind UNINDEXED, object_id UNINDEXED, title, text, tokenize='{TOKENIZER}')"
            )
            cursor.execute("DELETE FROM temp.few_search")
            cursor.execute(f"INSERT INTO temp.few_search (kind, object_id, title, text) {documents}", params)
            cursor.execute(
                "SELECT kind, object_id, rowid IN (SELECT rowid FROM temp.few_search WHERE few_search MATCH %s), "
                "-bm25(few_search, 0, 0, 5.0, 1.0), highlight(few_search, 3, %s, %s) "
                "FROM temp.few_search WHERE few_search MATCH %s",
                [self.in_title(terms), START, STOP, self.query(terms)],
            )
            return [Match(kind, pk, bool(titled), rank, marked) for kind, pk, titled, rank, marked in cursor.fetchall()]


def keep_index_in_step(using="default"):
    """SQLite: put the triggers that keep activity_search in step with the
    activities onto their table, and rebuild the index if any was missing
    (after each migrate: SQLite drops a table's triggers when a migration
    rebuilds the table, and writes made meanwhile are not in the index)."""
    connection = connections[using]
    if connection.vendor != "sqlite" or "activity_search" not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'activity_search_%'")
        if {name for (name,) in cursor.fetchall()} >= set(TRIGGERS):
            return
        for name, trigger in TRIGGERS.items():
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {trigger}")
        cursor.execute("DELETE FROM activity_search")
        cursor.execute(
            f"INSERT INTO activity_search (rowid, title, text) {INDEXED.format('')} FROM activities_activity"
        )


def backend():
    """This database's search. Each finds the activities that hold every word
    (``activities_matching``), ranks the public ones and counts them in one
    query (``top_activities``), marks the words in some of them
    (``marked_activities``), and finds, ranks and marks the few
    (``few_matches``)."""
    return PostgresSearch() if connection.vendor == "postgresql" else SqliteSearch()


def activities_matching(activities, query):
    """``activities`` that hold every word of ``query`` (none if it has no words)."""
    terms = search_terms(query)
    return backend().activities_matching(activities, terms) if terms else activities.none()


class SearchResults:
    """The public items that match a query, best first, as a sequence that
    Django's Paginator reads (count() and slices). Counting and each slice
    cost a fixed number of queries, however many items match: the first
    ``first`` activities come with their count."""

    def __init__(self, query, first=20):
        self.terms = search_terms(query)
        self.backend = backend()
        self.first = first

    @cached_property
    def few(self):
        return self.backend.few_matches(self.terms) if self.terms else []

    @cached_property
    def leading(self):
        """The first activities, and how many match in all."""
        return self.backend.top_activities(self.terms, self.first) if self.terms else ([], 0)

    def count(self):
        return len(self.few) + self.leading[1]

    def top_activities(self, stop):
        activities, total = self.leading
        return activities if stop <= self.first or len(activities) == total else (
            self.backend.top_activities(self.terms, stop)[0]
        )

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop, _ = index.indices(self.count())
        if start >= stop:
            return []
        # The first ``stop`` activities are enough to fill the slice, whatever the others rank.
        matches = sorted([*self.few, *self.top_activities(stop)], key=lambda match: match.order)
        return self._results(matches[start:stop])

    def _results(self, matches):
        by_kind = {kind: [match.pk for match in matches if match.kind == kind] for kind in KINDS}
        activities = self.backend.marked_activities(self.terms, by_kind["activity"]) if by_kind["activity"] else {}
        models = {"page": Page, "partner": Partner, "agreement": Agreement}
        items = {
            kind: model.objects.in_bulk(by_kind[kind]) if by_kind[kind] else {} for kind, model in models.items()
        }
        results = []
        for match in matches:
            if match.kind == "activity":
                activity, marked = activities[match.pk]
                results.append(SearchResult(
                    "activity", str(activity), activity.get_absolute_url(), snippet(marked),
                    date=activity.date, context=activity.page.title,
                ))
                continue
            item = items[match.kind][match.pk]
            if match.kind == "page":  # its current version, at the page's own address
                results.append(SearchResult("page", item.title, item.page_url, snippet(match.marked)))
            else:
                results.append(SearchResult(match.kind, str(item), item.get_absolute_url(), snippet(match.marked)))
        return results


def snippet(marked):
    """A passage of ``marked`` (plain text with the matched words between
    START and STOP) as safe HTML: about SNIPPET_WORDS words of the paragraph
    (a page's heading, text, …) that matches most, from just before its first
    match, escaped, the matched words in <mark>."""
    parts = [part for part in re.split(r"\n\s*\n", marked or "") if part.strip()]
    if not parts:
        return ""
    words = max(parts, key=lambda part: part.count(START)).split()
    first = next((n for n, word in enumerate(words) if START in word), 0)
    begin = max(0, min(first - 6, len(words) - SNIPPET_WORDS))
    end = begin + SNIPPET_WORDS
    passage = " ".join(words[begin:end]).strip(" ·")  # a partner's text without its local name, or country
    passage = ("… " if begin else "") + passage + (" …" if end < len(words) else "")
    html, marking = [], False
    for part in re.split(f"([{START}{STOP}])", passage):
        if part == START and not marking:
            html.append("<mark>")
            marking = True
        elif part == STOP and marking:
            html.append("</mark>")
            marking = False
        elif part not in (START, STOP):
            html.append(escape(part))
    if marking:
        html.append("</mark>")
    return mark_safe("".join(html))
