import math

from django.conf import settings
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import CreateView

from core.templatetags.durations import in_words

from . import services
from .forms import ContactForm
from .models import Message


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
        return redirect("contact:thanks")
