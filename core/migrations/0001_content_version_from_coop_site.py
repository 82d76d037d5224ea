"""The content version comes to this app (coop_site's migration 0003 made it
there), row and all: the model is taken over in the state only, on the table
it has (core.models.ContentVersion says why it keeps it), and its content
type moves, with the permissions on it. coop_site's migration 0006 then lets
go of it. Nothing in the database changes but the content type: the triggers
on the content tables go on writing to the same table."""

from django.db import migrations, models

MODELS = ["contentversion"]


def move_content_types(from_app, to_app):
    def move(apps, schema_editor):
        content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
        # A type the other app has already (a database flushed in between) is
        # not doubled: the old one is left to remove_stale_contenttypes.
        taken = content_types.filter(app_label=to_app).values_list("model", flat=True)
        content_types.filter(app_label=from_app, model__in=MODELS).exclude(model__in=list(taken)).update(
            app_label=to_app
        )

    return move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("coop_site", "0005_messages_moved_to_contact"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ContentVersion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.BigIntegerField()),
                        ('next_publication', models.DateTimeField(blank=True, null=True)),
                        ('next_publication_known', models.BooleanField(default=False)),
                    ],
                    options={
                        'db_table': 'coop_site_contentversion',
                        'constraints': [models.CheckConstraint(condition=models.Q(('pk', 1)), name='content_version_one_row')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types("coop_site", "core"), move_content_types("core", "coop_site")),
    ]
