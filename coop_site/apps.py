from django.apps import AppConfig


class CoopSiteConfig(AppConfig):
    name = "coop_site"
    verbose_name = "Site: visitors' messages"
