import pytest
from django.core.cache import cache

from coop_site.middleware import pages_in_memory


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: a TestCase never commits, so the
    changes its tests make never move the content version on."""
    cache.clear()
    pages_in_memory.clear()
