"""The page cache: where anonymous visitors' pages, and the fragments that are
costly to make (the published years, the facet counts), are kept, under keys
that hold the content version (cache_versions), so that whatever a key finds
was made from the content as it is now.

It is a Django cache backend of its own (CACHES["pages"], which the cache
middleware uses through CACHE_MIDDLEWARE_ALIAS) in front of the cache its
LOCATION names ("default"): without REDIS_URL that is each process's memory;
with it, Redis through Django's own backend, shared by every host, and then
each process keeps a copy of what Redis hands it: a key's value never changes,
so a copy cannot go stale, and a hit asks Redis nothing.

When the content version cannot be settled (cache_versions.current() is None)
nothing is read or kept. A Redis failure (refused, timed out, read-only during
a failover, not Redis at all) is a miss: the page is made afresh (and kept in
this process only), the failure is logged once, and Redis is left alone for
OUTAGE_PAUSE seconds so that requests do not each wait for it.
"""

import functools
import logging
import time

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError

from . import cache_versions

logger = logging.getLogger(__name__)

OUTAGE_PAUSE = 5.0  # seconds
_MISSING = object()

# A few hundred pages (about 30 KB each) per process.
pages_in_memory = LocMemCache("coop-site-pages", {"OPTIONS": {"MAX_ENTRIES": 500}})


def versioned_key(key, key_prefix, version):
    """The page cache's KEY_FUNCTION: Django's key with the content version in
    it, so that any change to the content makes every earlier page unreachable."""
    return f"{key_prefix}:{version}:content-{cache_versions.current()}:{key}"


class PageCache(BaseCache):
    unreachable_until = 0.0  # this process's pause after a failure of the shared cache

    def __init__(self, location, params):
        super().__init__(params)
        self.shared_alias = location or "default"

    @property
    def shared(self):
        return caches[self.shared_alias]

    def get(self, key, default=None, version=None):
        if cache_versions.current() is None:
            return default
        key = self.make_and_validate_key(key, version)
        if isinstance(self.shared, LocMemCache):  # already in this process's memory
            return self.shared.get(key, default)
        value = pages_in_memory.get(key, _MISSING)
        if value is _MISSING:
            value = self._ask("get", key, _MISSING)
            if value is _MISSING:
                return default
            pages_in_memory.set(key, value, timeout=self.default_timeout)
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if cache_versions.current() is None:
            return
        key = self.make_and_validate_key(key, version)
        timeout = self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout
        if not isinstance(self.shared, LocMemCache):
            pages_in_memory.set(key, value, timeout)
        self._ask("set", key, value, timeout)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self.get(key, _MISSING, version) is not _MISSING:
            return False
        self.set(key, value, timeout, version)
        return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return False  # a page is kept for its own time, never longer

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version)
        pages_in_memory.delete(key)
        return bool(self._ask("delete", key))

    def clear(self):
        pages_in_memory.clear()
        self._ask("clear")

    def _ask(self, name, *args):
        """The shared cache's answer, or _MISSING while it fails."""
        if time.monotonic() < PageCache.unreachable_until:
            return _MISSING
        try:
            return getattr(self.shared, name)(*args)
        except RedisError as error:
            PageCache.unreachable_until = time.monotonic() + OUTAGE_PAUSE
            logger.error("Redis cache failed (%s); pages are made afresh, next try in %.0f s.", error, OUTAGE_PAUSE)
            return _MISSING


def fragment(name, make, timeout):
    """``make()``, kept under ``name`` until the content changes."""
    return caches["pages"].get_or_set(name, make, timeout)


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
