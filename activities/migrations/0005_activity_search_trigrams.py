"""Trigram indexes for the listing's word search on PostgreSQL: the search is
UPPER(text) LIKE UPPER('%word%'), which these indexes serve, and their
statistics tell the planner how many activities a word matches. Skipped where
the pg_trgm extension cannot be created (no privilege); SQLite has no such index."""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)
INDEXES = {"activity_text_trigrams": "text", "activity_title_trigrams": "title"}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        logger.warning("pg_trgm is not available: the word search works, without its indexes.")
        return
    for name, column in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON activities_activity USING gin (UPPER("{column}") gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("activities", "0004_activity_listing_index")]

    operations = [migrations.RunPython(create, drop)]
