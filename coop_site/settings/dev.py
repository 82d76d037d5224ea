"""Local development and `make run`: a throwaway secret key is allowed here."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = SECRET_KEY or "django-insecure-local-development-only"  # noqa: F405
