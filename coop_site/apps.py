from django.apps import AppConfig


class CoopSiteConfig(AppConfig):
    """The project: settings, root URLs, site-wide pages and commands. Its
    migrations are the history of the models it held before the core and
    contact apps took them over."""

    name = "coop_site"
    verbose_name = "Site"
