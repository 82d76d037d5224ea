import pytest
from django.core.cache import cache

from coop_site.middleware import pages_in_memory


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: tests change content with
    QuerySet.update() and bulk_create(), which send no signal to move the
    content version on."""
    cache.clear()
    pages_in_memory.clear()
