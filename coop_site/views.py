from django.shortcuts import redirect
from django.views.generic import CreateView

from . import services
from .forms import ContactForm
from .models import Message


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
