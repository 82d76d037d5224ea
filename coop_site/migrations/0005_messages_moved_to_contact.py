"""Visitors' messages and the contact form's senders now belong to the contact
app, whose migration 0001 took over their tables and rows: coop_site lets go
of the models (in the state only; nothing in the database changes here)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('coop_site', '0004_contact_sender'),
        ('contact', '0001_message_and_sender_from_coop_site'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Message'),
                migrations.DeleteModel(name='ContactSender'),
            ],
        ),
    ]
