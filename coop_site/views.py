import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


@never_cache
def live(request):
    """The process answers: for a load balancer's liveness probe."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def healthz(request):
    """Ready to serve: the database answers a query. 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: the database did not answer")
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


# How long a visitor's browser (or a crawler) is asked to wait when the
# database cannot be reached: long enough for a restart or a fail-over.
RETRY_AFTER_SECONDS = 30


def server_error(request):
    """handler500. A database that cannot be reached (or drops the connection)
    is a passing outage: 503 with Retry-After, so crawlers come back rather
    than drop the page. Anything else is a 500. Both pages are rendered
    without the request's context, which could need the database itself."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    else:
        response = HttpResponseServerError(render_to_string("500.html"))
    response["Cache-Control"] = "no-store"
    return response
