from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app shares: publication, text, the content version, the
    admin's pieces. It imports no app of the project; the apps tell it what
    it needs to know of them (settings.CONTENT_APPS, settings.PARTNER_LINK_MODEL,
    their models' ``change_refusal``)."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        from django.apps import apps as global_apps
        from django.core.signals import request_finished, request_started
        from django.db.models.signals import post_migrate, pre_save

        from . import cache_versions
        from .publishing import keep_revision_on_raw_save

        def after_migrate(using, apps=global_apps, **kwargs):
            # Every content table, new ones included, moves the version on;
            # and a release may change how pages look. (Not while migrating
            # back past the version's own model.)
            if "contentversion" in apps.all_models.get(self.label, {}):
                cache_versions.install_triggers(using)
                cache_versions.move_on(using)

        post_migrate.connect(after_migrate, sender=self, weak=False, dispatch_uid="content-version-triggers")
        pre_save.connect(keep_revision_on_raw_save, weak=False, dispatch_uid="revision-kept-by-loaddata")
        request_started.connect(cache_versions.request_started, weak=False, dispatch_uid="content-version-read")
        request_finished.connect(cache_versions.request_finished, weak=False, dispatch_uid="content-version-forget")
