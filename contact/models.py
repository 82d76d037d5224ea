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


class ContactSender(models.Model):
    """An address that sent messages through the contact form within the last
    hour, with when: one row an address, locked while it sends, so that its
    count holds for every worker and host. Kept an hour after its last message
    at most (the next message sent removes it), and never tied to a message."""

    address = models.CharField(max_length=100, unique=True)
    message_times = models.JSONField(
        default=list, help_text="When it sent each message of the last hour, oldest first."
    )
    last_message_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.address
