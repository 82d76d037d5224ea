"""Production: every secret and host comes from the environment."""

from .base import *  # noqa: F403
from .base import ImproperlyConfigured, env_bool

DEBUG = False
if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY: production refuses to start without it.")

# HTTPS ends at the load balancer. gunicorn marks a request https when one of
# FORWARDED_ALLOW_IPS says so in X-Forwarded-Proto, and Django reads that mark:
# no SECURE_PROXY_SSL_HEADER, which would believe the header from anyone.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
# The balancer's health checks come over plain HTTP and want a 200, not a redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live)?$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")  # noqa: F405
