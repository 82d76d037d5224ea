"""The content version: one number for the whole site's content, kept in the
database (core.models.ContentVersion), so that every worker of every host
reads the same one. Cached pages and fragments are keyed by it.

It moves on
- with every write to a content table (the models of the apps that
  settings.CONTENT_APPS names, their many-to-many tables included), by
  database triggers: admin saves and actions, services, commands, loaddata's
  raw saves, QuerySet update(), bulk_create() and delete(), and plain SQL
  all count, and the new number is
  committed with the change, so that no request reads new rows under an old
  number, nor old rows under the new one;
- when a scheduled publication time arrives: the earliest one still to come
  is kept beside the number, and the first request at or after it moves the
  number on;
- after every `migrate`, since a release may change how pages look.

A request reads the row once (``current()``); the answer None means "do not
use the cache this time" (the database was busy when the next publication
time had to be written down), and the request is served uncached.
"""

import contextvars
import datetime
import logging
import secrets

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import F
from django.utils import timezone
from simple_history.models import HistoricalChanges

logger = logging.getLogger(__name__)

ROW = 1  # the one row (a check constraint allows no other)
# The database's names keep the project's name, as databases migrated before
# the core app have them.
TRIGGER_FUNCTION = "coop_site_content_changed"
CHANGED_SETTING = "coop_site.content_changed"  # PostgreSQL: set for the rest of a transaction that moved it on

# The version read by this request, so that the page and its fragments agree
# (and the row is read once); unset outside requests: read afresh each time.
_UNSET = object()
_request_version = contextvars.ContextVar("content_version", default=None)


def current():
    """The content version to key cached pages by, or None to serve uncached."""
    memo = _request_version.get()
    if memo is not None and memo is not _UNSET:
        return memo.number
    try:
        number = _read()
    except DatabaseError as error:
        # The database is down: nothing cached can be vouched for, and the
        # view answers for itself (/healthz/live 200, /healthz 503).
        logger.warning("Content version not read (%s); this request is served uncached.", error)
        number = None
    if memo is _UNSET:
        _request_version.set(_Read(number))
    return number


class _Read:
    def __init__(self, number):
        self.number = number


def request_started(**kwargs):
    _request_version.set(_UNSET)


def request_finished(**kwargs):
    _request_version.set(None)


def _read():
    from .models import ContentVersion

    connection = connections[ContentVersion.objects.db]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        # Inside a transaction (a script, a test) the version must count its
        # own changes too, whose triggers wait for the commit: run them now,
        # and let the transaction's next change move the version on again.
        # (From here to its end, such a transaction's changes lock the row
        # as they are made; requests, which read outside any, are not held.)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS content_version IMMEDIATE")
            cursor.execute(f"SELECT set_config('{CHANGED_SETTING}', '', true)")
    # The one query of a page from the cache, in plain SQL: a fifth of what
    # the ORM's takes to build the same.
    # (No parameters: the driver has nothing to bind.)
    query = f"SELECT number, next_publication, next_publication_known FROM {_version_table(connection)} WHERE id = {ROW}"
    row = _checked_read(connection, query)
    if row is _UNSET:
        with connection.cursor() as cursor:
            cursor.execute(query)
            row = cursor.fetchone()
    if row is None:  # a flushed database: start again where no old page can be met
        _create_row()
        return None
    number, next_publication, known = row
    if isinstance(next_publication, str):  # SQLite hands back text or a naive time, in UTC
        next_publication = datetime.datetime.fromisoformat(next_publication)
    if next_publication is not None and timezone.is_naive(next_publication):
        next_publication = next_publication.replace(tzinfo=datetime.UTC)
    now = timezone.now()
    if known and (next_publication is None or now < next_publication):
        return number
    # The row must change: either the next publication time is unknown since
    # the last change, or it has come (then the number moves on). Only if this
    # request is the one to write it down may it use the cache: pages cached
    # under a number are then made after every earlier scheduled time.
    written = _write_next_publication(number, known=known, now=now)
    if not written:
        return None
    return number + 1 if known else number


def _checked_read(connection, query):
    """The row, read on the request's kept connection as its health check.

    Django checks a kept connection (CONN_HEALTH_CHECKS) with a query of its
    own before the request's first one: a second round trip to the database
    on a page from the cache, where this read is the only query. Here the read
    is the check: if it fails, the connection is closed and _UNSET returned,
    and the caller reads through Django, which connects afresh. Only where a
    check is due, outside transactions, and when queries are not being
    counted (tests, DEBUG), so that what Django logs stays whole."""
    if (
        connection.vendor != "postgresql"
        or connection.connection is None
        or not connection.health_check_enabled
        or connection.health_check_done
        or connection.in_atomic_block
        or connection.queries_logged
    ):
        return _UNSET
    try:
        # A cursor of the driver's own, not Django's client-side binding one:
        # the extended protocol costs the server a third less than a simple query.
        with connection.Database.Cursor(connection.connection) as cursor:
            cursor.execute(query)
            row = cursor.fetchone()
    except connection.Database.Error:
        connection.close()
        return _UNSET
    connection.health_check_done = True
    return row


def _write_next_publication(number, *, known, now):
    from .models import ContentVersion

    changes = {"next_publication": _next_publication(now), "next_publication_known": True}
    if known:  # its time has come: later requests must not find the pages of before
        changes["number"] = number + 1
    try:
        return ContentVersion.objects.filter(pk=ROW, number=number, next_publication_known=known).update(**changes)
    except DatabaseError as error:  # SQLite busy with a long write: serve this one uncached
        logger.warning("Content version not updated (%s); this request is served uncached.", error)
        return 0


def _create_row(using="default"):
    from .models import ContentVersion

    try:
        with transaction.atomic(using=using):
            # A random start, so that two databases sharing one Redis (or a
            # database made anew) never meet each other's pages.
            ContentVersion.objects.using(using).create(pk=ROW, number=secrets.randbits(52))
    except IntegrityError:
        pass  # another request made it first


def move_on(using="default"):
    """Move the number on now; `migrate` does, and tests may."""
    from .models import ContentVersion

    versions = ContentVersion.objects.using(using)
    with transaction.atomic(using=using):
        if not versions.update(number=F("number") + 1, next_publication_known=False):
            _create_row(using)


def _next_publication(now):
    """The earliest publication time still to come, in one query over every publishable model."""
    from .publishing import Publishable, Status

    scheduled = [
        model._default_manager.filter(status=Status.PUBLISHED, publish_at__gt=now).order_by().values_list("publish_at")
        for model in apps.get_models()
        if issubclass(model, Publishable)
    ]
    times = [time for (time,) in scheduled[0].union(*scheduled[1:], all=True).order_by()]
    return min(times, default=None)


def content_tables(connection=None):
    """Every table whose rows are shown on pages: the models of the apps
    settings.CONTENT_APPS names and their many-to-many tables, not their
    history (of those that exist in ``connection``'s database, if given)."""
    tables = {
        model._meta.db_table
        for label in settings.CONTENT_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if not issubclass(model, HistoricalChanges)
    }
    if connection is not None:
        tables &= set(connection.introspection.table_names())
    return sorted(tables)


def install_triggers(using="default"):
    """Put the triggers that move the version on onto every content table
    (idempotent: run after each migrate, so that a new content table gets
    them too)."""
    connection = connections[using]
    statements = []
    if connection.vendor == "postgresql":
        # Deferred to the commit: the row is locked only while a change
        # commits, after every other lock it takes, so that two changes never
        # wait for each other in a circle, and a long load holds up nobody.
        # Once per transaction (a load writes thousands of rows), unless the
        # transaction read the version in between (see _read).
        statements.append(f"""
            CREATE OR REPLACE FUNCTION {TRIGGER_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF current_setting('{CHANGED_SETTING}', true) IS DISTINCT FROM 'yes' THEN
                    PERFORM set_config('{CHANGED_SETTING}', 'yes', true);
                    UPDATE {_version_table(connection)} SET number = number + 1, next_publication_known = false;
                END IF;
                RETURN NULL;
            END $$""")
        for table in content_tables(connection):
            quoted = connection.ops.quote_name(table)
            statements += [
                f"DROP TRIGGER IF EXISTS content_version ON {quoted}",
                f"CREATE CONSTRAINT TRIGGER content_version AFTER INSERT OR UPDATE OR DELETE ON {quoted} "
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {TRIGGER_FUNCTION}()",
            ]
    elif connection.vendor == "sqlite":
        for table in content_tables(connection):
            for event in ("INSERT", "UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {_sqlite_trigger(connection, table, event)} "
                    f"AFTER {event} ON {connection.ops.quote_name(table)} "
                    f"BEGIN UPDATE {_version_table(connection)} SET number = number + 1, next_publication_known = 0; END"
                )
    else:
        raise NotImplementedError(f"No content-version triggers for {connection.vendor}.")
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def drop_triggers(using="default"):
    """Take the triggers off again (when the version's table is migrated away)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for table in content_tables(connection):
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS content_version ON {connection.ops.quote_name(table)}")
            else:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {_sqlite_trigger(connection, table, event)}")
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP FUNCTION IF EXISTS {TRIGGER_FUNCTION}()")


def drop_triggers_of(table, using="default"):
    """Take the triggers off one table, named as it is in the database: a
    migration that renames a content table calls it with the old name, and the
    next install_triggers (after the migrate) puts them on under the new one."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS content_version ON {connection.ops.quote_name(table)}")
        else:
            for event in ("INSERT", "UPDATE", "DELETE"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {_sqlite_trigger(connection, table, event)}")


def _version_table(connection):
    from .models import ContentVersion

    return connection.ops.quote_name(ContentVersion._meta.db_table)


def _sqlite_trigger(connection, table, event):
    return connection.ops.quote_name(f"content_version_{table}_{event.lower()}")


def tables_with_triggers(using="default"):
    """The tables that carry the content-version triggers (for the tests)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT event_object_table FROM information_schema.triggers WHERE trigger_name = 'content_version'"
            )
        else:
            cursor.execute("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'content_version_%'")
        return {table for (table,) in cursor.fetchall()}
