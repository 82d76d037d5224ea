"""Full-text search of activities, for the site search and the listing's words.

PostgreSQL: the unaccent extension and a text search configuration,
english_unaccent, that folds accents before English stemming ("Perú" and
"Peru" are one word, "workshops" and "Workshop" too); each activity's
document (its title weighted above its text) in a column, search_document,
with a GIN index. A trigger computes the document on every insert and update,
however made; the column is no model field, so that no other query reads it.
(Not a generated column: PostgreSQL hands a BEFORE trigger no value for one,
and the snapshot rule of 0009 would take every unchanged row for a changed one.)

SQLite: an FTS5 table, activity_search, over the activities' titles and texts
(external content: it holds the index, not a copy), with the Porter stemmer
over unicode61 with accents removed. Triggers keep it in step with the table;
activities.search installs them after each migrate (and rebuilds the index
when they were missing: SQLite drops a table's triggers when a migration
rebuilds the table).
"""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

CONFIGURATION = "english_unaccent"


def document(row=""):
    return (
        f"setweight(to_tsvector('{CONFIGURATION}'::regconfig, coalesce({row}title, '')), 'A') || "
        f"setweight(to_tsvector('{CONFIGURATION}'::regconfig, coalesce({row}text, '')), 'B')"
    )


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = %s", [CONFIGURATION])
            exists = cursor.fetchone()
        if not exists:
            schema_editor.execute(f"CREATE TEXT SEARCH CONFIGURATION {CONFIGURATION} (COPY = english)")
            # Words with letters outside ASCII (and their parts): accents off, then stemmed.
            schema_editor.execute(
                f"ALTER TEXT SEARCH CONFIGURATION {CONFIGURATION} "
                "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem"
            )
        # The existing rows' documents, computed by the table change itself (no
        # row trigger fires, so dated snapshots are not "changed"); then a
        # plain column, which the trigger keeps.
        schema_editor.execute(
            f"ALTER TABLE activities_activity ADD COLUMN search_document tsvector GENERATED ALWAYS AS ({document()}) "
            "STORED"
        )
        schema_editor.execute("ALTER TABLE activities_activity ALTER COLUMN search_document DROP EXPRESSION")
        schema_editor.execute(
            "CREATE FUNCTION activities_activity_search_document() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN NEW.search_document := {document('NEW.')}; RETURN NEW; END $$",
            params=None,
        )
        # After the snapshot rule (triggers fire in the order of their names): it compares the row as written.
        schema_editor.execute(
            "CREATE TRIGGER activities_activity_search_document BEFORE INSERT OR UPDATE ON activities_activity "
            "FOR EACH ROW EXECUTE FUNCTION activities_activity_search_document()"
        )
        schema_editor.execute(
            "CREATE INDEX activity_search_document ON activities_activity USING gin (search_document)"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE activity_search USING fts5(title, text, content='activities_activity', "
            "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
        )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS activities_activity_search_document ON activities_activity")
        schema_editor.execute("DROP FUNCTION IF EXISTS activities_activity_search_document()")
        schema_editor.execute("ALTER TABLE activities_activity DROP COLUMN IF EXISTS search_document")
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIGURATION}")
    elif vendor == "sqlite":
        for event in ("insert", "update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS activity_search_{event}")
        schema_editor.execute("DROP TABLE IF EXISTS activity_search")


class Migration(migrations.Migration):
    dependencies = [("activities", "0011_text_help_names_every_link_form")]

    operations = [UnaccentExtension(), migrations.RunPython(create, drop)]
