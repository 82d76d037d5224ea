from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms
from django.utils.http import url_has_allowed_host_and_scheme

from core.forms import SubmitButton

from .models import Message


class ContactForm(forms.ModelForm):
    # A field people never see (hidden by CSS, skipped by keyboard and screen
    # readers) but simple robots fill in.
    website = forms.CharField(
        required=False, label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = Message
        fields = ["name", "email", "subject", "body", "page"]
        widgets = {"page": forms.HiddenInput, "body": forms.Textarea(attrs={"rows": 8})}
        labels = {"body": "Your message"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_class = "usa-form usa-form--large contact-form"
        # The server's messages (summary, and each beside its field) are the
        # accessible ones; the browser's own bubbles are not.
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            "name", "email", "subject", "body", "page", Field("website", wrapper_class="contact-form__trap")
        )
        self.helper.add_input(SubmitButton("", "Send message", css_id="send-message"))

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("website"):
            raise forms.ValidationError(
                "This message looks automated and was not sent: the last field must be left empty. "
                "If you are a person, empty it and send again."
            )
        return cleaned_data

    def clean_page(self):
        # Only a page of this site; anything else is dropped, not refused.
        page = self.cleaned_data["page"]
        return page if page.startswith("/") and url_has_allowed_host_and_scheme(page, allowed_hosts=None) else ""
