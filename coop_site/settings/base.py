"""Settings shared by every environment; each value that differs between
environments is read from the environment in the module that needs it."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django_prose_editor.config import html_tags
from js_asset import static_lazy

from coop_site.logging import stdout_logging

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false).")


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_filters",
    "crispy_forms",
    "simple_history",
    "content_editor",
    "django_prose_editor",
    "axes",
    # What the apps share; it imports none of them (they come after it).
    "core",
    "coop_site.apps.CoopSiteConfig",
    "partners",
    "activities",
    "contact",
]

MIDDLEWARE = [
    # Stores anonymous visitors' pages; must come first.
    "core.middleware.UpdatePublicCacheMiddleware",
    # The visitor's address from X-Forwarded-For, when a trusted proxy sends it.
    "coop_site.middleware.ClientAddressMiddleware",
    # Headers on every response, redirects and error pages included: these
    # wrap every middleware that may answer early.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "coop_site.middleware.PermissionsPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # /healthz and /healthz/live, whatever the Host (production exempts them
    # from the HTTPS redirect).
    "coop_site.middleware.HealthCheckMiddleware",
    # Static files, compressed ahead of time, with their own ETags.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages gzipped for browsers that take it (stored so in the page cache).
    "core.middleware.CompressedPagesMiddleware",
    # ETag on every page (of its uncompressed body); a matching If-None-Match is answered 304.
    "django.middleware.http.ConditionalGetMiddleware",
    # Parameters a page's view does not read are redirected away: one cache entry a page.
    "core.middleware.UnreadParametersMiddleware",
    # Answers anonymous visitors from the page cache, before any session work.
    "core.middleware.FetchPublicCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records who made each change in the admin, for the history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Answers locked-out sign-in attempts (django-axes).
    "axes.middleware.AxesMiddleware",
]

# Headers on every response, pages and static files alike. No inline script
# or style anywhere, so the policy needs no 'unsafe-inline'. The admin's page
# form has exceptions, each allowed alone: the import maps of its editors
# (django-content-editor's, django-prose-editor's), inline scripts, run by the
# request's nonce, which the admin's templates print (the nonce is in the
# header only on a response that used it, so public pages and the page cache
# never carry one); the <style> elements their scripts add, which no nonce
# can reach, by the hash of their text (a browser's CSP report names the new
# hash when an upgrade changes one; tests/browser/test_admin_forms.py fails then).
ADMIN_EDITOR_STYLES = [
    # django-content-editor 9.1: its labels ("(Hide)"), as written for this site's one region, "main".
    "'sha256-N1v+9oYdxeZd/nv2iKYNMLWqP5BlGZff7wM0R1mK4ws='",
    # django-prose-editor 0.28 (Tiptap): the editing area's own rules (white-space: pre-wrap, …).
    "'sha256-PlumsSlvJ7vvWzjqibGAYKq92O3y/4JTxWWsWJvyUYA='",
]
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, *ADMIN_EDITOR_STYLES],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Anonymous pages are cached in Redis when REDIS_URL is set (shared by every
# host), else in each process's memory, under the content version that the
# database holds; see core/page_cache.py and core/cache_versions.py.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_MIDDLEWARE_SECONDS = int(os.environ.get("CACHE_PAGE_SECONDS", "600"))
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # An unreachable Redis is a cache miss (see page_cache), found out quickly.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # Pages and fragments, under the content version, kept in "default".
    "pages": {
        "BACKEND": "core.page_cache.PageCache",
        "LOCATION": "default",
        "KEY_FUNCTION": "core.page_cache.versioned_key",
        "TIMEOUT": CACHE_MIDDLEWARE_SECONDS,
    },
}
CACHE_MIDDLEWARE_ALIAS = "pages"
CACHE_MIDDLEWARE_KEY_PREFIX = "page"
# The apps whose tables are shown on pages: every write to them moves the
# content version on (core.cache_versions). Not contact: visitors' messages
# are not shown on pages.
CONTENT_APPS = ["activities", "partners"]

ROOT_URLCONF = "coop_site.urls"
WSGI_APPLICATION = "coop_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The request's CSP nonce, for the admin's templates (see SECURE_CSP);
                # a page that does not print it does not make one.
                "django.template.context_processors.csp",
            ],
        },
    },
]

# SQLite in the project folder unless DATABASE_URL names another database.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # A transaction takes the write lock when it starts, so that two workers'
        # read-then-write transactions wait for each other instead of failing
        # with "database is locked"; WAL lets pages be read while one writes.
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The load balancers whose X-Forwarded-For (and X-Forwarded-Proto, for
# gunicorn) is believed: addresses or networks, "*" for any peer.
TRUSTED_PROXIES = env_list("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Sign-in attempts go through django-axes first: after AXES_FAILURE_LIMIT
# failures for one user name from one address, that name is refused from that
# address, and after AXES_ADDRESS_FAILURE_LIMIT failures from one address (any
# names; four times AXES_FAILURE_LIMIT when unset) the address is refused, for
# AXES_COOLOFF_TIME hours (status 429). A success clears only its own pair's.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT") or 0) or None
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "coop_site.sign_in.PairAndAddressHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# The visitor's address as ClientAddressMiddleware settled it, never a header
# read by axes itself (as it would if django-ipware were ever installed).
AXES_CLIENT_IP_CALLABLE = "coop_site.sign_in.client_address"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = False  # an English-only site: no translation machinery on each request
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# USWDS comes from the npm package (node_modules, installed by `npm ci`);
# only the parts the pages use are collected.
USWDS_DIST = BASE_DIR / "node_modules" / "@uswds" / "uswds" / "dist"
STATICFILES_DIRS = [BASE_DIR / "static"] + [
    (f"uswds/{part}", USWDS_DIST / part) for part in ("css", "js", "img", "fonts")
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "core.staticfiles.StaticFilesStorage"},
}

# Forms render through the project's own USWDS template pack (templates/uswds/).
CRISPY_ALLOWED_TEMPLATE_PACKS = ["uswds"]
CRISPY_TEMPLATE_PACK = "uswds"
CRISPY_CLASS_CONVERTERS = {
    "textinput": "usa-input",
    "numberinput": "usa-input",
    "emailinput": "usa-input",
    "urlinput": "usa-input",
    "passwordinput": "usa-input",
    "dateinput": "usa-input",
    "textarea": "usa-textarea",
    "checkboxinput": "usa-checkbox__input",
    "select": "usa-select",
    "facetselect": "usa-select",
    "selectmultiple": "usa-select",
}

# Visitors' messages: at most this many an hour from one address; staff named
# in DJANGO_MANAGERS (addresses, comma-separated) get each by mail.
CONTACT_RATE_LIMIT = int(os.environ.get("CONTACT_RATE_LIMIT", "5"))
MANAGERS = env_list("DJANGO_MANAGERS")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("DJANGO_EMAIL_PORT", "25")),
            "timeout": 10,
        },
    }
}

# The contact named in the data catalog (/data.json) for the activities data
# set: by default the first of DJANGO_MANAGERS, who read the contact form.
DATA_CONTACT_NAME = os.environ.get("DJANGO_DATA_CONTACT_NAME", "Office of International and Tribal Affairs")
DATA_CONTACT_EMAIL = os.environ.get("DJANGO_DATA_CONTACT_EMAIL") or next(iter(MANAGERS), "webteam@example.gov")

# Links to these domains stay on the EPA web and get no "Exit" disclaimer.
SITE_OWN_DOMAINS = ["epa.gov"]
# The model whose records rich text's "partner:<slug>" links name (core.text).
PARTNER_LINK_MODEL = "partners.Partner"
# Feed and entry ids are tag URIs (RFC 4151) under this authority and date, the
# same on every host and address the site is served at.
FEED_TAG_AUTHORITY = "epa.gov,2021"

# Logs go to stdout, one JSON object a line (DJANGO_LOG_FORMAT=text for people).
LOGGING = stdout_logging(level=os.environ.get("DJANGO_LOG_LEVEL", "INFO"), loggers={"axes": {"level": "WARNING"}})


# The largest snapshot file load_snapshot reads (the 2021-01-19 one is 30 kB):
# the whole file is read and checked in memory before anything is written.
SNAPSHOT_MAX_BYTES = 20 * 1024 * 1024

# Rich text's own editor extension: a phrase's language (<span lang="es">).
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {
        "js": [static_lazy("js/prose-language.js")],
        "extensions": {"Language": html_tags(["span"], {"span": ["lang"]})},
    },
]

# The snapshots that `manage.py load_initial_data` loads into an empty database, all or
# none; INITIAL_SNAPSHOTS names others, separated by commas.
INITIAL_SNAPSHOTS = os.environ.get("INITIAL_SNAPSHOTS", "").split(",") if os.environ.get("INITIAL_SNAPSHOTS") else [
    str(BASE_DIR / "fixtures" / name)
    for name in ("peru-2021-01-19.json", "mexico-2021-01-19.json", "latin-america-and-caribbean-2021-01-19.json")
]
