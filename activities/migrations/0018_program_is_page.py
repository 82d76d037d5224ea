"""A page is called a Page everywhere: the model Program becomes Page (its
table activities_page, its many-to-many tables activities_page_agreements
and activities_page_partners, its history's tables), each block's and
activity's ``program`` becomes ``page`` (column page_id), and so do the
constraint names and the permissions (add_page, …, publish_page), which
Django does not rename with the model: the groups keep the rights they had.

On PostgreSQL the snapshot rules (migrations 0009 and 0015) name the
tables and columns: they are made again with the new names. On SQLite the
content version's triggers are named after their table: those of the old
names are dropped, and every migrate puts them on the tables as they are
named now (core.cache_versions.install_triggers)."""

from django.db import migrations, models

from core.cache_versions import drop_triggers_of

# Each model renamed, old name first, as permissions name them (codename, words).
RENAMED_MODELS = [
    ("program", "page", "program", "page"),
    ("historicalprogram", "historicalpage", "historical program", "historical page"),
    ("historicalprogram_agreements", "historicalpage_agreements",
     "HistoricalProgram_agreements", "HistoricalPage_agreements"),
    ("historicalprogram_partners", "historicalpage_partners", "HistoricalProgram_partners", "HistoricalPage_partners"),
]
ACTIONS = ["add", "change", "delete", "view"]
PUBLISH = ("publish_program", "publish_page")

# The models that point to a page, and their histories.
BLOCKS = ["heading", "richtext", "itemlist", "linklist", "agreementlist", "partnerlist", "pagecontact", "topofpage",
          "activity"]
POINTING_TO_A_PAGE = [
    *BLOCKS, *(f"historical{block}" for block in BLOCKS), "historicalpage_agreements", "historicalpage_partners",
]

# The content tables renamed (their many-to-many tables too).
RENAMED_TABLES = ["activities_program", "activities_program_agreements", "activities_program_partners"]


def rename_permissions(apps, schema_editor, *, forwards=True):
    Permission = apps.get_model("auth", "Permission")
    renames = [
        (f"{action}_{old}", f"{action}_{new}", old_words, new_words)
        for old, new, old_words, new_words in RENAMED_MODELS for action in ACTIONS
    ] + [(*PUBLISH, None, None)]
    for old, new, old_words, new_words in renames:
        if not forwards:
            old, new, old_words, new_words = new, old, new_words, old_words
        for permission in Permission.objects.filter(content_type__app_label="activities", codename=old):
            permission.codename = new
            if old_words is not None:
                permission.name = permission.name.replace(old_words, new_words)
            permission.save(update_fields=["codename", "name"])


def rename_permissions_back(apps, schema_editor):
    rename_permissions(apps, schema_editor, forwards=False)


def forget_old_content_version_triggers(apps, schema_editor):
    # SQLite only: PostgreSQL's trigger has one name on every table, and goes with the table.
    if schema_editor.connection.vendor == "sqlite":
        for table in RENAMED_TABLES:
            drop_triggers_of(table, using=schema_editor.connection.alias)


# 0015's function, with the new names: the snapshot ("slug@YYYY-MM-DD") of a row image.
SNAPSHOT_OF = """
CREATE OR REPLACE FUNCTION activities_snapshot_of(image jsonb, link text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE link
        WHEN 'self' THEN (image ->> 'slug') || '@' || (image ->> 'archived_on')
        ELSE (
            SELECT page.slug || '@' || to_char(page.archived_on, 'YYYY-MM-DD')
            FROM activities_page AS page
            WHERE page.archived_on IS NOT NULL AND page.id = CASE link
                WHEN 'page_id' THEN (image ->> 'page_id')::bigint
                WHEN 'activity_id' THEN (
                    SELECT page_id FROM activities_activity WHERE id = (image ->> 'activity_id')::bigint
                )
            END
        )
    END
$$;
"""

# 0015's, to go back.
SNAPSHOT_OF_WITH_PROGRAMS = """
CREATE OR REPLACE FUNCTION activities_snapshot_of(image jsonb, link text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE link
        WHEN 'self' THEN (image ->> 'slug') || '@' || (image ->> 'archived_on')
        ELSE (
            SELECT page.slug || '@' || to_char(page.archived_on, 'YYYY-MM-DD')
            FROM activities_program AS page
            WHERE page.archived_on IS NOT NULL AND page.id = CASE link
                WHEN 'program_id' THEN (image ->> 'program_id')::bigint
                WHEN 'activity_id' THEN (
                    SELECT program_id FROM activities_activity WHERE id = (image ->> 'activity_id')::bigint
                )
            END
        )
    END
$$;
"""

# The tables whose rows belong to a page by their page_id: the blocks, the activities, the page's partners.
BLOCK_TABLES = [
    "activities_heading", "activities_richtext", "activities_itemlist", "activities_linklist",
    "activities_agreementlist", "activities_partnerlist", "activities_pagecontact", "activities_topofpage",
    "activities_activity",
]


def keep(schema_editor, table, *links, was=None):
    """The snapshot rule on ``table``, named after it (the rule of ``was``, its old name, dropped)."""
    arguments = ", ".join(f"'{link}'" for link in links)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {was or table}_keep_snapshots ON {table}")
    schema_editor.execute(
        f"CREATE TRIGGER {table}_keep_snapshots BEFORE INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION activities_keep_snapshots({arguments})"
    )


def keep_page_snapshots(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # No parameters: the function's own signs are not placeholders.
    schema_editor.execute(SNAPSHOT_OF, params=None)
    keep(schema_editor, "activities_page", "self", was="activities_program")
    keep(schema_editor, "activities_page_agreements", "page_id", was="activities_program_agreements")
    keep(schema_editor, "activities_page_partners", "page_id", was="activities_program_partners")
    for table in BLOCK_TABLES:
        keep(schema_editor, table, "page_id")


def keep_program_snapshots(apps, schema_editor):
    """Back to 0015's rules, before the tables and columns get their old names back."""
    if schema_editor.connection.vendor != "postgresql":
        return
    # The old names are not back yet: they are checked when the function is called, not now.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT set_config('check_function_bodies', 'off', true)")
        schema_editor.execute(SNAPSHOT_OF_WITH_PROGRAMS, params=None)
        cursor.execute("SELECT set_config('check_function_bodies', 'on', true)")
    for table in ("activities_page", "activities_page_agreements", "activities_page_partners"):
        old = table.replace("activities_page", "activities_program")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_keep_snapshots ON {table}")
        links = "'self'" if table == "activities_page" else "'program_id'"
        schema_editor.execute(
            f"CREATE TRIGGER {old}_keep_snapshots BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION activities_keep_snapshots({links})"
        )
    for table in BLOCK_TABLES:
        keep(schema_editor, table, "program_id")


class Migration(migrations.Migration):

    dependencies = [
        ("activities", "0017_activity_text_rich_text"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("partners", "0004_web_address_is_a_safe_link"),
    ]

    operations = [
        migrations.RunPython(forget_old_content_version_triggers, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="program", name="program_unique_slug_per_date"),
        migrations.RemoveConstraint(model_name="program", name="program_one_live_version"),
        # Made again below on the renamed field.
        migrations.RemoveConstraint(model_name="activity", name="activity_unique_slug_per_page_version"),
        migrations.RemoveConstraint(model_name="heading", name="heading_unique_anchor_per_page"),
        migrations.RenameModel("Program", "Page"),
        migrations.RenameModel("HistoricalProgram", "HistoricalPage"),
        migrations.RenameModel("HistoricalProgram_agreements", "HistoricalPage_agreements"),
        migrations.RenameModel("HistoricalProgram_partners", "HistoricalPage_partners"),
        *(migrations.RenameField(model_name=model, old_name="program", new_name="page") for model in POINTING_TO_A_PAGE),
        migrations.AddConstraint(
            model_name="page",
            constraint=models.UniqueConstraint(
                fields=("slug", "archived_on"), name="page_unique_slug_per_date",
                violation_error_message="This page already has a snapshot of that date.",
            ),
        ),
        migrations.AddConstraint(
            model_name="page",
            constraint=models.UniqueConstraint(
                condition=models.Q(("archived_on__isnull", True)), fields=("slug",), name="page_one_live_version",
                violation_error_message="This page already has a live version: edit that one.",
            ),
        ),
        migrations.AddConstraint(
            model_name="activity",
            constraint=models.UniqueConstraint(
                fields=("page", "slug"), name="activity_unique_slug_per_page_version",
                violation_error_message="Another activity of this page has this slug: choose another.",
            ),
        ),
        migrations.AddConstraint(
            model_name="heading",
            constraint=models.UniqueConstraint(
                fields=("page", "anchor"), name="heading_unique_anchor_per_page",
                violation_error_message="Another heading of this page has this anchor: choose another.",
            ),
        ),
        migrations.AlterModelOptions(
            name="page",
            options={
                "ordering": ["title", "-archived_on"],
                "permissions": [("publish_page", "Can publish, unpublish and schedule pages")],
            },
        ),
        migrations.AlterModelOptions(
            name="activity",
            options={
                "ordering": ["page", "ordering", "pk"],
                "permissions": [("publish_activity", "Can publish, unpublish and schedule activities")],
                "verbose_name_plural": "activities",
            },
        ),
        migrations.AlterModelOptions(
            name="historicalpage",
            options={
                "get_latest_by": ("history_date", "history_id"), "ordering": ("-history_date", "-history_id"),
                "verbose_name": "historical page", "verbose_name_plural": "historical pages",
            },
        ),
        migrations.AlterModelOptions(name="historicalpage_agreements", options={"verbose_name": "HistoricalPage_agreements"}),
        migrations.AlterModelOptions(name="historicalpage_partners", options={"verbose_name": "HistoricalPage_partners"}),
        migrations.AlterField(
            model_name="page",
            name="agreements",
            field=models.ManyToManyField(
                blank=True, help_text="The agreements an “Agreements” block of the page lists.", related_name="pages",
                to="partners.agreement",
            ),
        ),
        migrations.AlterField(
            model_name="page",
            name="partners",
            field=models.ManyToManyField(
                blank=True, help_text="The partners a “Partners” block of the page lists.", related_name="pages",
                to="partners.partner",
            ),
        ),
        migrations.RunPython(rename_permissions, rename_permissions_back),
        migrations.RunPython(keep_page_snapshots, keep_program_snapshots),
    ]
