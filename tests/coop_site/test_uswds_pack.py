"""The project's crispy-forms template pack (templates/uswds/) on a form of every kind of field."""

import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.template import Context, Template
from django.test import SimpleTestCase

from core.forms import SubmitButton
from tests.html import FilterChoices


class MessageForm(forms.Form):
    name = forms.CharField(help_text="As you would like to be addressed.")
    email = forms.EmailField()
    topic = forms.ChoiceField(choices=[("air", "Air"), ("water", "Water")], widget=forms.RadioSelect)
    copy_me = forms.BooleanField(required=False, label="Send me a copy")
    message = forms.CharField(widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = "/contact/"
        self.helper.layout = Layout(Fieldset("About you", "name", "email"), "topic", "copy_me", "message")
        self.helper.add_input(SubmitButton("send", "Send"))


def render(form):
    context = Context({"form": form, "csrf_token": "a-token"})
    return Template("{% load crispy_forms_tags %}{% crispy form %}").render(context)


class TemplatePackTests(SimpleTestCase):
    def test_every_field_has_a_usa_label_or_legend(self):
        html = render(MessageForm())
        self.assertIn('<form action="/contact/" method="post">', html)
        self.assertIn('name="csrfmiddlewaretoken"', html)
        self.assertRegex(html, r'<fieldset class="usa-fieldset"[^>]*>\s*<legend class="usa-legend usa-legend--large">About you</legend>')
        self.assertRegex(html, r'<label class="usa-label" for="id_name">Name <abbr title="required"')
        self.assertRegex(html, r'<input type="text" name="name" class="usa-input"[^>]*aria-describedby="id_name-hint"')
        self.assertIn('<div class="usa-hint" id="id_name-hint">As you would like to be addressed.</div>', html)
        self.assertRegex(html, r'<input type="email" name="email"[^>]* class="usa-input"')
        self.assertRegex(html, r'<textarea name="message"[^>]*class="usa-textarea"')
        self.assertRegex(html, r'<legend class="usa-legend">Topic <abbr')
        self.assertIn('<label class="usa-radio__label" for="id_topic_0">Air</label>', html)
        self.assertRegex(html, r'<input type="checkbox" name="copy_me" class="usa-checkbox__input"')
        self.assertIn('<label class="usa-checkbox__label" for="id_copy_me">Send me a copy</label>', html)
        self.assertIn('<button type="submit" class="usa-button" name="send" value="Send" id="submit-id-send">Send</button>', html)
        self.assertNotIn("btn", html)

    def test_errors_are_summarised_and_tied_to_their_fields(self):
        form = MessageForm(data={"name": "", "email": "not an address", "topic": "fire", "message": "Hello"})
        html = render(form)
        summary = html[html.index('role="alert"') : html.index("</ul>")]
        self.assertIn('<a class="usa-link" href="#id_name">Name: This field is required.</a>', summary)
        self.assertIn('<a class="usa-link" href="#id_email">Email: Enter a valid email address.</a>', summary)
        self.assertIn('href="#id_topic_0">Topic: Select a valid choice.', summary)
        self.assertIn('<div id="div_id_email" class="usa-form-group usa-form-group--error">', html)
        self.assertIn('<label class="usa-label usa-label--error" for="id_email">', html)
        self.assertIn('<span class="usa-error-message" id="id_email-error">Enter a valid email address.</span>', html)
        email_input = re.search(r'<input type="email"[^>]*>', html).group(0)
        self.assertIn('aria-describedby="id_email-error"', email_input)
        self.assertIn('aria-invalid="true"', email_input)
        name_input = re.search(r'<input type="text" name="name"[^>]*>', html).group(0)
        self.assertIn('aria-describedby="id_name-hint id_name-error"', name_input)
        self.assertRegex(html, r'<fieldset id="div_id_topic" class="usa-fieldset usa-form-group usa-form-group--error" '
                               r'aria-describedby="\s*id_topic-error"')

    def test_bound_values_are_kept(self):
        html = render(MessageForm(data={"name": "Ana", "topic": "water", "copy_me": "on", "message": "Hi"}))
        choices = FilterChoices(html)
        self.assertTrue(choices.fields["topic"]["water"]["selected"])
        self.assertFalse(choices.fields["topic"]["air"]["selected"])
        self.assertIn('value="Ana"', html)
