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


class ContentVersion(models.Model):
    """The one row that says which version of the content is current: cached
    pages and fragments are keyed by its number (see coop_site.cache_versions).
    Database triggers on every content table move the number on, in the same
    transaction as the change."""

    number = models.BigIntegerField()
    # The earliest scheduled publication time still to come (empty: none), as
    # last looked up; not known again after each change.
    next_publication = models.DateTimeField(null=True, blank=True)
    next_publication_known = models.BooleanField(default=False)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="content_version_one_row")]

    def __str__(self):
        return f"Content version {self.number}"


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
