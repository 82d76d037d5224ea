from django.conf import settings
from django.db import models


class Message(models.Model):
    """What a visitor wrote through the contact form: kept until staff handle it."""

    name = models.CharField(max_length=200)
    email = models.EmailField("email address")
    subject = models.CharField(max_length=200)
    body = models.TextField("message", max_length=10_000)
    page = models.CharField(
        "sent from", max_length=500, blank=True, help_text="The page of this site the visitor wrote from."
    )
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    handled = models.BooleanField(default=False, db_index=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["handled", "-received_at"]

    def __str__(self):
        return f"{self.subject} ({self.name})"
