from django.urls import path
from django.views.generic import TemplateView

from core.middleware import reads_query

from .views import ContactView

app_name = "contact"

urlpatterns = [
    path("", reads_query("page")(ContactView.as_view()), name="form"),
    path("thanks/", TemplateView.as_view(template_name="contact/message_thanks.html"), name="thanks"),
]
