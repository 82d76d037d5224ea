"""The content version's row; core.cache_versions (coop_site's, when this was
made) puts the triggers on the content tables after each migrate. The core
app took the model over in its migration 0001."""

from django.db import migrations, models


def drop_triggers(apps, schema_editor):
    from core.cache_versions import drop_triggers

    drop_triggers(schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('coop_site', '0002_staff_handle_messages'),
    ]

    operations = [
        migrations.CreateModel(
            name='ContentVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.BigIntegerField()),
                ('next_publication', models.DateTimeField(blank=True, null=True)),
                ('next_publication_known', models.BooleanField(default=False)),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(('pk', 1)), name='content_version_one_row')],
            },
        ),
        # Going back (operations run in reverse), the triggers go before the table they write to.
        migrations.RunPython(migrations.RunPython.noop, drop_triggers),
    ]
