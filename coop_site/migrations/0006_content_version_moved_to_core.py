"""The content version now belongs to the core app, whose migration 0001 took
over its table and row: coop_site lets go of the model (in the state only;
nothing in the database changes here)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('coop_site', '0005_messages_moved_to_contact'),
        ('core', '0001_content_version_from_coop_site'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ContentVersion'),
            ],
        ),
    ]
