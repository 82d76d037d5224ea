"""The test suite: fast hashing, plain static storage (no collectstatic needed)."""

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
