import logging
import math
import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import CreateView

from . import services
from .forms import ContactForm
from .models import Message
from .templatetags.durations import in_words

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


@method_decorator(never_cache, name="dispatch")
class ContactView(CreateView):
    """The contact form; "page" in the query names the page it was opened from."""

    model = Message
    form_class = ContactForm

    def get_initial(self):
        return {"page": self.request.GET.get("page", "")}

    def form_valid(self, form):
        try:
            services.receive_message(form, self.request.META.get("REMOTE_ADDR", ""))
        except services.TooManyMessages as refused:
            form.add_error(None, f"You have sent {settings.CONTACT_RATE_LIMIT} messages in the last hour, which is as "
                                 f"many as we take from one address. Please try again in {in_words(refused.wait)}, "
                                 "or write to us by mail.")
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(math.ceil(refused.wait.total_seconds()))
            return response
        return redirect("contact_thanks")
