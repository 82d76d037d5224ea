"""The test suite: fast hashing, plain static storage (no collectstatic needed)."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "django-insecure-tests-only"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
