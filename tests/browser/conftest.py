"""Browser tests: Debian's Chromium (never a browser download) against the live test server."""

import io
import os
import shutil

import pytest
from django.core.management import call_command

from tests.html import SNAPSHOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM):
        return
    if os.environ.get("REQUIRE_BROWSER_TESTS"):
        raise pytest.UsageError(f"The browser tests need Chromium at {CHROMIUM}: apt-get install -y chromium")
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="session", autouse=True)
def _orm_beside_the_browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls
    # made here (loading data, flushing it after each test) are still plain
    # synchronous ones.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture
def site(live_server, transactional_db):
    """The live test server with the 2021-01-19 snapshot loaded; its base URL."""
    call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())
    return live_server.url
