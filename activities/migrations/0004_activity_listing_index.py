"""An index in the listing's order (newest first, undated last), so that a page
of the listing is read from it instead of sorting every activity. SQLite cannot
index NULLS LAST; its databases are small."""

from django.db import migrations

INDEX = "activity_listing_order"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {INDEX} ON activities_activity ("date" DESC NULLS LAST, "id")'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("activities", "0003_editor_and_publisher_groups")]

    operations = [migrations.RunPython(create, drop)]
