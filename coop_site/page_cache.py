"""Where anonymous visitors' pages, and the fragments that are costly to make
(the published years, the facet counts), are kept: under keys that hold the
content version (cache_versions), so that whatever a key finds was made from
the content as it is now.

Without REDIS_URL they are kept in each process's memory (Django's local
memory cache). With it, in Redis through Django's own Redis backend, shared by
every host, and each process keeps a copy of what Redis hands it: a key's value
never changes, so a copy cannot go stale, and a hit asks Redis nothing.

A Redis failure (refused, timed out, read-only during a failover, not Redis at
all) is a miss: the page is made afresh (and kept in this process only), the
failure is logged once, and Redis is left alone for OUTAGE_PAUSE seconds so
that requests do not each wait for it.
"""

import functools
import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError

from . import cache_versions

logger = logging.getLogger(__name__)

OUTAGE_PAUSE = 5.0  # seconds
_MISSING = object()

# A few hundred pages (about 30 KB each) per process.
pages_in_memory = LocMemCache("coop-site-pages", {"OPTIONS": {"MAX_ENTRIES": 500}})


class _SharedWithCopies:
    """The shared cache, as the page cache uses it (get and set only)."""

    unreachable_until = 0.0  # this process's pause after a failure

    def __init__(self, shared):
        self.shared = shared

    def get(self, key, default=None):
        value = pages_in_memory.get(key, _MISSING)
        if value is _MISSING:
            value = self._ask(self.shared.get, key, _MISSING)
            if value is _MISSING:
                return default
            pages_in_memory.set(key, value, timeout=settings.CACHE_MIDDLEWARE_SECONDS)
        return value

    def set(self, key, value, timeout=None):
        self._ask(self.shared.set, key, value, timeout)
        pages_in_memory.set(key, value, timeout)

    def _ask(self, call, *args):
        if time.monotonic() < _SharedWithCopies.unreachable_until:
            return _MISSING
        try:
            return call(*args)
        except RedisError as error:
            _SharedWithCopies.unreachable_until = time.monotonic() + OUTAGE_PAUSE
            logger.error("Redis cache failed (%s); pages are made afresh, next try in %.0f s.",
                         error, OUTAGE_PAUSE)
            return _MISSING


def store():
    """The cache pages and fragments go into."""
    shared = caches["default"]
    if isinstance(shared, LocMemCache):  # already in this process's memory
        return shared
    return _SharedWithCopies(shared)


def fragment(name, make, timeout):
    """``make()``, kept under ``name`` until the content changes."""
    version = cache_versions.current()
    if version is None:
        return make()
    key = f"{name}.v{version}"
    cache = store()
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = make()
        cache.set(key, value, timeout)
    return value


def etag_only(view):
    """``view`` without the Last-Modified header (feeds, sitemaps): the dates
    of the items they list are not when they last changed (an item published
    on schedule, or taken off, keeps its own date), so a reader asking "changed
    since?" would be told no. The ETag of the content tells it exactly."""

    @functools.wraps(view)
    def without_last_modified(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.has_header("Last-Modified"):
            del response.headers["Last-Modified"]
        return response

    return without_last_modified
