from django.apps import AppConfig


class CoopSiteConfig(AppConfig):
    name = "coop_site"
    verbose_name = "Site: visitors' messages"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from . import cache_versions

        def content_changed(sender, **kwargs):
            if cache_versions.is_content(sender):
                cache_versions.content_changed()

        post_save.connect(content_changed, weak=False, dispatch_uid="content-saved")
        post_delete.connect(content_changed, weak=False, dispatch_uid="content-deleted")

        def relations_changed(sender, instance, action, **kwargs):
            if action.startswith("post_") and cache_versions.is_content(type(instance)):
                cache_versions.content_changed()

        m2m_changed.connect(relations_changed, weak=False, dispatch_uid="content-relations-changed")
