import pytest
from django.core.cache import cache
from redis.exceptions import RedisError

from core.page_cache import pages_in_memory


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: a TestCase rolls its changes back,
    and the content version with them, so the next test may reach the same
    number with other content."""
    pages_in_memory.clear()
    try:
        cache.clear()
    except RedisError:
        pass  # the tests of an unreachable Redis
