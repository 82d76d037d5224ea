from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = "Programs and activities"

    def ready(self):
        from . import snapshot_rules

        snapshot_rules.connect()
