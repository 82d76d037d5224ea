"""The two staff groups: Editors prepare content, Publishers also put it online."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT = {
    "activities": ["program", "section", "activity", "theme"],
    "partners": ["partner", "agreement", "contact"],
}
PUBLISHABLE = ["program", "section", "activity", "partner", "agreement"]


def codenames(actions, models):
    return [f"{action}_{model}" for action in actions for model in models]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations have run; the
    # groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    models = [model for names in CONTENT.values() for model in names]
    content = Permission.objects.filter(content_type__app_label__in=CONTENT)

    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(content.filter(codename__in=codenames(["view", "add", "change"], models)))

    publishers, _ = Group.objects.get_or_create(name="Publishers")
    publishers.permissions.set(
        content.filter(codename__in=codenames(["view", "add", "change", "delete"], models) + codenames(["publish"], PUBLISHABLE))
    )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Publishers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0002_publication_time_and_history"),
        ("partners", "0002_publication_time_and_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
