"""Editors and Publishers build pages of blocks: both may view, add, change
and delete every kind of block (the page's form adds and removes them). The
groups were made by migration 0003, so existing databases get them here."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

BLOCKS = ["heading", "richtext", "itemlist", "linklist", "agreementlist", "partnerlist", "pagecontact", "topofpage"]
ACTIONS = ["view", "add", "change", "delete"]
GROUPS = ["Editors", "Publishers"]


def block_permissions(apps):
    # Permissions are normally created after all migrations have run; the
    # groups need them now (as in 0003).
    app_config = apps.get_app_config("activities")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(
        content_type__app_label="activities",
        codename__in=[f"{action}_{model}" for action in ACTIONS for model in BLOCKS],
    )


def grant(apps, schema_editor):
    permissions = list(block_permissions(apps))
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    permissions = list(block_permissions(apps))
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0015_remove_sections"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
