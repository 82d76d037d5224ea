"""Django's Redis cache, with one redis-py client per connection pool, and a
Redis outage answered as cache misses instead of error pages.

Django makes a new redis.Redis object for every cache call, and redis-py
builds its table of reply handlers in each one: about a third of the time a
page served from the cache spends. A client is safe to share between threads
(the pool hands each call its own connection), so one per pool is kept.

When Redis cannot be reached or fails, every call answers as if the key were
missing (the site serves pages uncached, the content version is new on each
request, so nothing stale is served), the outage is logged once, and Redis is
left alone for OUTAGE_PAUSE seconds, so that requests do not each wait for it.
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

OUTAGE_PAUSE = 5.0  # seconds


def _missing_counter(*args):
    raise ValueError("the cache is unreachable")  # what incr() says of a missing key


def _answered_in_an_outage(answer):
    """Wraps a client call: while Redis is unreachable, ``answer(*args)`` is its result."""

    def decorate(call):
        @functools.wraps(call)
        def wrapper(self, *args):
            if time.monotonic() < self.unreachable_until:
                return answer(*args)
            try:
                return call(self, *args)
            except RedisError as error:  # refused, timed out, read-only in a failover, not Redis at all
                self.unreachable_until = time.monotonic() + OUTAGE_PAUSE
                logger.error("Redis cache failed (%s); pages are served uncached, next try in %.0f s.",
                             error, OUTAGE_PAUSE)
                return answer(*args)

        return wrapper

    return decorate


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self.unreachable_until = 0.0

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    get = _answered_in_an_outage(lambda key, default: default)(RedisCacheClient.get)
    get_many = _answered_in_an_outage(lambda keys: {})(RedisCacheClient.get_many)
    has_key = _answered_in_an_outage(lambda key: False)(RedisCacheClient.has_key)
    add = _answered_in_an_outage(lambda key, value, timeout: False)(RedisCacheClient.add)
    set = _answered_in_an_outage(lambda key, value, timeout: None)(RedisCacheClient.set)
    set_many = _answered_in_an_outage(lambda data, timeout: None)(RedisCacheClient.set_many)
    touch = _answered_in_an_outage(lambda key, timeout: False)(RedisCacheClient.touch)
    delete = _answered_in_an_outage(lambda key: False)(RedisCacheClient.delete)
    delete_many = _answered_in_an_outage(lambda keys: None)(RedisCacheClient.delete_many)
    incr = _answered_in_an_outage(_missing_counter)(RedisCacheClient.incr)
    clear = _answered_in_an_outage(lambda: False)(RedisCacheClient.clear)


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
