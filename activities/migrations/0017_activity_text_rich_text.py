"""An activity's text is rich text (HTML), as a page's texts are since 0014:
each stored text in the link markup ("[words](target)", paragraphs apart by
a blank line) becomes HTML by 0014's converter, in every version of every
page (dated snapshots too) and in the activities' history, so that a
comparison or a revert reads HTML as well.

SQLite: activity_search indexed the text as stored (external content), so
it would index the tags and their attributes (a search for "href" or "gob"
would find a link's address) and show them in snippets. It becomes a table
of its own holding each activity's title and the words of its text, through
coop_words_of_html, the SQL function activities.search gives each of
Django's SQLite connections; triggers keep it in step. (A write to the
activities through a connection without that function, such as the sqlite3
shell, fails: write through Django.) PostgreSQL's document needs no change:
its parser skips tags."""

import importlib

from django.db import migrations, models

import core.text

# The converter that made the page texts rich text: the same markup, the same HTML.
rich_text = importlib.import_module("activities.migrations.0014_sections_to_blocks").rich_text

TOKENIZER = "porter unicode61 remove_diacritics 2"
EVENTS = ("insert", "update", "delete")
WORDS = "SELECT {0}id, {0}title, coop_words_of_html({0}text)"
WORDS_TRIGGERS = {
    "insert": f"AFTER INSERT ON activities_activity BEGIN "
    f"INSERT INTO activity_search (rowid, title, text) {WORDS.format('new.')}; END",
    "delete": "AFTER DELETE ON activities_activity BEGIN DELETE FROM activity_search WHERE rowid = old.id; END",
    "update": "AFTER UPDATE OF title, text ON activities_activity BEGIN "
    "DELETE FROM activity_search WHERE rowid = old.id; "
    f"INSERT INTO activity_search (rowid, title, text) {WORDS.format('new.')}; END",
}
# Those of the external-content index (0012's, installed by activities.search until now).
EXTERNAL_TRIGGERS = {
    "insert": "AFTER INSERT ON activities_activity BEGIN "
    "INSERT INTO activity_search (rowid, title, text) VALUES (new.id, new.title, new.text); END",
    "delete": "AFTER DELETE ON activities_activity BEGIN "
    "INSERT INTO activity_search (activity_search, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); END",
    "update": "AFTER UPDATE OF title, text ON activities_activity BEGIN "
    "INSERT INTO activity_search (activity_search, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); "
    "INSERT INTO activity_search (rowid, title, text) VALUES (new.id, new.title, new.text); END",
}


def drop_index(schema_editor):
    for event in EVENTS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS activity_search_{event}")
    schema_editor.execute("DROP TABLE IF EXISTS activity_search")


def drop_external_index(apps, schema_editor):
    # First, so that converting the texts does not go through its triggers.
    if schema_editor.connection.vendor == "sqlite":
        drop_index(schema_editor)


def create_external_index(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    drop_index(schema_editor)
    schema_editor.execute(
        "CREATE VIRTUAL TABLE activity_search USING fts5(title, text, content='activities_activity', "
        f"content_rowid='id', tokenize='{TOKENIZER}')"
    )
    schema_editor.execute("INSERT INTO activity_search (activity_search) VALUES ('rebuild')")
    for event, trigger in EXTERNAL_TRIGGERS.items():
        schema_editor.execute(f"CREATE TRIGGER activity_search_{event} {trigger}")


def create_words_index(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    drop_index(schema_editor)
    schema_editor.execute(f"CREATE VIRTUAL TABLE activity_search USING fts5(title, text, tokenize='{TOKENIZER}')")
    schema_editor.execute(f"INSERT INTO activity_search (rowid, title, text) {WORDS.format('')} FROM activities_activity")
    for event, trigger in WORDS_TRIGGERS.items():
        schema_editor.execute(f"CREATE TRIGGER activity_search_{event} {trigger}")


def texts_to_html(apps, schema_editor):
    Program = apps.get_model("activities", "Program")
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        # The snapshot rules (migration 0009) let this transaction write every snapshot.
        snapshots = ",".join(
            f"{slug}@{day.isoformat()}"
            for slug, day in Program.objects.filter(archived_on__isnull=False).values_list("slug", "archived_on")
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('coop_site.writable_snapshots', %s, true)", [snapshots])
    for name in ("Activity", "HistoricalActivity"):
        model = apps.get_model("activities", name)
        rows = list(model.objects.only("pk", "text"))
        for row in rows:
            row.text = rich_text(row.text)
        model.objects.bulk_update(rows, ["text"], batch_size=500)


def text_field():
    return models.TextField(
        help_text="Paragraphs, bold, italic and links, no lists: the first paragraph is printed after the date "
        "(“March 2020: …”), the others below it. Links: partner:slug for a partner (its address, kept current), "
        "https://… for another site, /path/ or #anchor on this site, mailto:… for an e-mail address; links that "
        "leave the site get the Exit disclaimer link by themselves. The language button marks a phrase in another "
        "language (es).",
        validators=[core.text.validate_rich_text],
    )


class Migration(migrations.Migration):
    dependencies = [("activities", "0016_block_permissions_for_staff_groups")]

    operations = [
        migrations.AlterField(model_name="activity", name="text", field=text_field()),
        migrations.AlterField(model_name="historicalactivity", name="text", field=text_field()),
        migrations.RunPython(drop_external_index, create_external_index),
        migrations.RunPython(texts_to_html, migrations.RunPython.noop),
        migrations.RunPython(create_words_index, drop_external_index),
    ]
