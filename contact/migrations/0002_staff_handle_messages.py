"""Editors and Publishers read visitors' messages and mark them handled. The
rights coop_site's migration 0002 gave them came here with the messages
(0001); they are given again for a database whose groups lack them on this
app's messages (one flushed since, as the browser tests' is)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ["Editors", "Publishers"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("contact")
    app_config.models_module = True  # permissions are otherwise created only after all migrations
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    permissions = list(
        Permission.objects.filter(content_type__app_label="contact", codename__in=["view_message", "change_message"])
    )
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("contact", "0001_message_and_sender_from_coop_site"),
        ("activities", "0003_editor_and_publisher_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    # Going back leaves the rights: on a database of before the move they are
    # coop_site 0002's, which 0001 takes back with the content types.
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
