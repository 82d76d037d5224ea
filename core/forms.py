"""The Python half of the USWDS template pack (templates/uswds/), for every app's forms."""

from crispy_forms.layout import Submit


class SubmitButton(Submit):
    """A USWDS primary button; crispy's own Submit carries Bootstrap classes."""

    field_classes = "usa-button"
