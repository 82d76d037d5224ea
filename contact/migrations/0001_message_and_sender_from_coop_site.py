"""Visitors' messages and the contact form's senders move here from coop_site,
rows and all (coop_site's migrations 0001, 0002 and 0004 made them): the
models are taken over in the state only, their tables renamed to this app's
names, and their content types moved, so that the permissions on them (the
staff groups' rights among them) and the admin's history of each message come
along. coop_site's migration 0005 then lets go of them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ["message", "contactsender"]


def move_content_types(from_app, to_app):
    def move(apps, schema_editor):
        content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
        # A type the other app has already (a database flushed in between) is
        # not doubled: the old one is left to remove_stale_contenttypes, and
        # 0002 gives the staff groups their rights on the new one.
        taken = content_types.filter(app_label=to_app).values_list("model", flat=True)
        content_types.filter(app_label=from_app, model__in=MODELS).exclude(model__in=list(taken)).update(
            app_label=to_app
        )

    return move


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("coop_site", "0004_contact_sender"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The models as coop_site left them, on its tables...
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Message',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200)),
                        ('email', models.EmailField(max_length=254, verbose_name='email address')),
                        ('subject', models.CharField(max_length=200)),
                        ('body', models.TextField(max_length=10000, verbose_name='message')),
                        ('page', models.CharField(blank=True, help_text='The page of this site the visitor wrote from.', max_length=500, verbose_name='sent from')),
                        ('received_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('handled', models.BooleanField(db_index=True, default=False)),
                        ('handled_at', models.DateTimeField(blank=True, null=True)),
                        ('handled_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['handled', '-received_at'],
                        'db_table': 'coop_site_message',
                    },
                ),
                migrations.CreateModel(
                    name='ContactSender',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('address', models.CharField(max_length=100, unique=True)),
                        ('message_times', models.JSONField(default=list, help_text='When it sent each message of the last hour, oldest first.')),
                        ('last_message_at', models.DateTimeField(db_index=True)),
                    ],
                    options={
                        'db_table': 'coop_site_contactsender',
                    },
                ),
            ],
        ),
        # ...then on this app's: the tables are renamed, their rows kept.
        migrations.AlterModelTable(name='message', table=None),
        migrations.AlterModelTable(name='contactsender', table=None),
        migrations.RunPython(move_content_types("coop_site", "contact"), move_content_types("contact", "coop_site")),
    ]
