from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = "Pages and activities"

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from . import search, snapshot_rules

        snapshot_rules.connect()
        connection_created.connect(search.add_sqlite_functions, dispatch_uid="activity-search-sqlite-functions")
        post_migrate.connect(
            lambda using, **kwargs: search.keep_index_in_step(using),
            sender=self, weak=False, dispatch_uid="activity-search-triggers",
        )
