import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import CreateView

from . import services
from .forms import ContactForm
from .models import Message

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


@method_decorator(never_cache, name="dispatch")
class ContactView(CreateView):
    """The contact form; "page" in the query names the page it was opened from."""

    model = Message
    form_class = ContactForm

    def get_initial(self):
        return {"page": self.request.GET.get("page", "")}

    def form_valid(self, form):
        if not services.message_allowed(self.request.META.get("REMOTE_ADDR", "")):
            form.add_error(None, "You have sent several messages in the last hour, which is as many as we take "
                                 "from one address. Please try again in an hour, or write to us by mail.")
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        services.receive_message(form)
        return redirect("contact_thanks")
