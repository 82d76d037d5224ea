"""Editors and Publishers read visitors' messages and mark them handled."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("coop_site")
    app_config.models_module = True  # permissions are otherwise created only after all migrations
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="coop_site", codename__in=["view_message", "change_message"]
    )
    for group in Group.objects.filter(name__in=["Editors", "Publishers"]):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="coop_site")
    for group in Group.objects.filter(name__in=["Editors", "Publishers"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("coop_site", "0001_message"),
        ("activities", "0003_editor_and_publisher_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
