"""The test suite: fast hashing, plain static storage (no collectstatic needed)."""

import hashlib
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "django-insecure-tests-only"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test client builds the middleware afresh: find static files when asked
# instead of indexing every collected file each time.
WHITENOISE_AUTOREFRESH = True

# Pages are not cached in tests (they change data behind the ORM's back);
# the cache tests turn it on where they need it.
CACHE_MIDDLEWARE_SECONDS = 0

# SQLite: the test database is a file, not memory, so that each thread of the
# browser tests' live server has a connection of its own, as every worker
# does when served. (In memory, Django gives them all one connection, and a
# request could wait for another inside an SQL function written in Python,
# such as the one the search index's triggers call, while that one waited
# for it: both would stop.)
# One file per checkout, in the system's temporary folder.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    checkout = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:12]  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"coop-site-tests-{checkout}.sqlite3")}  # noqa: F405
