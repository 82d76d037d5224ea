"""On PostgreSQL, the database itself keeps dated snapshots as they are: a
trigger refuses to add, change or remove a row of a snapshot (its page, its
sections and activities, their many-to-many rows) unless the transaction
named that snapshot in the setting coop_site.writable_snapshots, which only
the services that make, replace or delete a whole snapshot set
(activities.snapshot_rules.writable). A row written again unchanged passes
(loaddata of the same fixture). SQLite has no such rule: there the models'
own rules (snapshot_rules) are the only ones."""

from django.db import migrations

# The snapshot ("slug@YYYY-MM-DD") that a row image belongs to, through the
# column ``link``: the page's own slug and date, or the page of a program_id,
# section_id or activity_id; NULL for a live version's row.
SNAPSHOT_OF = """
CREATE FUNCTION activities_snapshot_of(image jsonb, link text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE link
        WHEN 'self' THEN (image ->> 'slug') || '@' || (image ->> 'archived_on')
        ELSE (
            SELECT page.slug || '@' || to_char(page.archived_on, 'YYYY-MM-DD')
            FROM activities_program AS page
            WHERE page.archived_on IS NOT NULL AND page.id = CASE link
                WHEN 'program_id' THEN (image ->> 'program_id')::bigint
                WHEN 'section_id' THEN (
                    SELECT program_id FROM activities_section WHERE id = (image ->> 'section_id')::bigint
                )
                WHEN 'activity_id' THEN (
                    SELECT program_id FROM activities_activity WHERE id = (image ->> 'activity_id')::bigint
                )
            END
        )
    END
$$;
"""

KEEP_SNAPSHOTS = """
CREATE FUNCTION activities_keep_snapshots() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    writable text[] := string_to_array(coalesce(current_setting('coop_site.writable_snapshots', true), ''), ',');
    images jsonb[] := '{}';
    image jsonb;
    link text;
    snapshot text;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW IS NOT DISTINCT FROM OLD THEN
            RETURN NEW;
        END IF;
        images := ARRAY[to_jsonb(OLD), to_jsonb(NEW)];
    ELSIF TG_OP = 'DELETE' THEN
        images := ARRAY[to_jsonb(OLD)];
    ELSE
        images := ARRAY[to_jsonb(NEW)];
    END IF;
    FOREACH image IN ARRAY images LOOP
        FOREACH link IN ARRAY TG_ARGV LOOP
            snapshot := activities_snapshot_of(image, link);
            IF snapshot IS NOT NULL AND NOT snapshot = ANY(writable) THEN
                RAISE EXCEPTION 'The snapshot % of % is read-only (% of %): start a live draft from it, '
                    'or replace it as a Publisher with load_snapshot --replace.',
                    split_part(snapshot, '@', 1), split_part(snapshot, '@', 2), TG_OP, TG_TABLE_NAME
                    USING ERRCODE = 'restrict_violation';
            END IF;
        END LOOP;
    END LOOP;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;
"""

# Each table, and the columns that say which snapshot its rows belong to.
TABLES = {
    "activities_program": ["self"],
    "activities_section": ["program_id"],
    # A page prints its sections' activities.
    "activities_activity": ["program_id", "section_id"],
    "activities_program_agreements": ["program_id"],
    "activities_activity_themes": ["activity_id"],
    "activities_activity_partners": ["activity_id"],
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # No parameters: the functions' own % signs are not placeholders.
    schema_editor.execute(SNAPSHOT_OF, params=None)
    schema_editor.execute(KEEP_SNAPSHOTS, params=None)
    for table, links in TABLES.items():
        arguments = ", ".join(f"'{link}'" for link in links)
        schema_editor.execute(
            f"CREATE TRIGGER {table}_keep_snapshots BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION activities_keep_snapshots({arguments})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_keep_snapshots ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS activities_keep_snapshots()")
    schema_editor.execute("DROP FUNCTION IF EXISTS activities_snapshot_of(jsonb, text)")


class Migration(migrations.Migration):
    dependencies = [("activities", "0008_revision")]

    operations = [migrations.RunPython(create, drop)]
