"""One number for the whole site's content: cached pages (and the list of
published years) are keyed by it, and any change to the content (admin, bulk
action, command, snapshot load) or the arrival of a scheduled publication time
moves it on, once the change is committed. Saves and deletes send signals; the
content models' QuerySets announce update() and bulk_create() themselves; a
bulk write to a many-to-many table must call content_changed()."""

from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

VERSION_KEY = "content-version"
NEXT_PUBLICATION_KEY = "content-next-publication"
NONE_SCHEDULED = "none"
CONTENT_APPS = {"activities", "partners"}


def current():
    """The content version, moved on if a scheduled item has come due."""
    values = cache.get_many([VERSION_KEY, NEXT_PUBLICATION_KEY])
    version = values.get(VERSION_KEY)
    if version is None:
        version = _fresh_version()
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    next_publication = values.get(NEXT_PUBLICATION_KEY)
    if next_publication is None:
        next_publication = _next_publication()
        cache.set(NEXT_PUBLICATION_KEY, next_publication, timeout=3600)
    if next_publication != NONE_SCHEDULED and timezone.now() >= next_publication:
        version = bump()
    return version


def content_changed():
    """Move the version on once the change is committed (at once outside a
    transaction). Not before: a request in between would read the rows as they
    were and keep that page under the new version, until the next change."""
    transaction.on_commit(bump)


def bump():
    """Move the version on now."""
    cache.delete(NEXT_PUBLICATION_KEY)
    try:
        return cache.incr(VERSION_KEY)
    except ValueError:  # no version yet (a fresh or flushed cache)
        version = _fresh_version()
        cache.set(VERSION_KEY, version, timeout=None)
        return version


def _fresh_version():
    # Not 1: a flushed version key must not meet pages stored under an old number.
    return int(timezone.now().timestamp() * 1000)


def is_content(model):
    return model._meta.app_label in CONTENT_APPS


def _next_publication():
    """The earliest publication time still to come, in one query over every publishable model."""
    from .publishing import Publishable, Status

    now = timezone.now()
    scheduled = [
        model._default_manager.filter(status=Status.PUBLISHED, publish_at__gt=now).order_by().values_list("publish_at")
        for model in apps.get_models()
        if issubclass(model, Publishable)
    ]
    times = [time for (time,) in scheduled[0].union(*scheduled[1:], all=True).order_by()]
    return min(times) if times else NONE_SCHEDULED
