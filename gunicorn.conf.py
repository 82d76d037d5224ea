"""gunicorn settings; each can be overridden on the command line or with GUNICORN_CMD_ARGS."""

import multiprocessing
import os
import sys

# The site's logging configuration, wherever gunicorn is started from (--chdir).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from coop_site.logging import stdout_logging  # noqa: E402

wsgi_app = "coop_site.wsgi:application"
# Never every interface: nginx takes the visitors (deploy/nginx.conf) and
# reaches gunicorn on a Unix socket (GUNICORN_BIND=unix:/path) or on 127.0.0.1.
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Sync workers: the pages are short database reads; two per core and one more.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then, so that a slow leak never grows.
max_requests = 5000
max_requests_jitter = 500
# Access and error logs to stdout, one JSON object a line as the site's own
# (DJANGO_LOG_FORMAT=text for plain lines). The access line's first address is
# the visitor's, as the site took it from a trusted balancer's X-Forwarded-For
# (coop_site.middleware.ClientAddressMiddleware); the header follows as it came.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s %({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
_own_lines = {"handlers": ["stdout"], "level": "INFO", "propagate": False}
logconfig_dict = stdout_logging(loggers={"gunicorn.error": _own_lines, "gunicorn.access": _own_lines})
# The load balancer's address(es) whose X-Forwarded-* headers are trusted
# (the site reads the same variable for the visitor's address). A Unix
# socket's peer has no address and is always trusted: only nginx may reach it.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Only the header the balancer and nginx set: gunicorn would also believe
# X-Forwarded-Ssl and X-Forwarded-Protocol, which nginx passes on as sent.
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
